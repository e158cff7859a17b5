"""Disclosure (/disclosure/): the contract announcements (合同公告), each
contract's milestones and its acceptance results (验收结果), from the
contracts app's public read modules: no signer, no person's contact, no
resident's answer; residents' comments only once an officer published them.

A contract appears here from the moment both parties signed it (the same
after-commit moment that records ``announced_at``)."""

import re

from django import forms
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cms.views import announcements as announcement_views
from contracts.contracts import public as contracts_public
from contracts.contracts.models import Contract
from contracts.milestones import public as milestones_public
from contracts.payments import public as payments_public
from marketplace.core.filters import paginate
from marketplace.core.params import has_control_characters

PER_PAGE = 20
# ASCII digits only (``str.isdigit`` takes "²", which ``int`` refuses), and not absurdly many
ANNOUNCEMENT_ID = re.compile(r"[0-9]{1,18}")
STATE_CHOICES = [("", _("Every status"))] + [
    (state.value, state.label) for state in (Contract.State.ACTIVE, Contract.State.COMPLETED, Contract.State.TERMINATED)
]


class ContractSearchForm(forms.Form):
    q = forms.CharField(label=_("Contract, project or organization"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Status"), choices=STATE_CHOICES, required=False)

    def clean_q(self):
        value = self.cleaned_data["q"].strip()
        if has_control_characters(value):
            raise forms.ValidationError(_("Remove the control characters from the search."))
        return value


def _section_url(request, section_key, default):
    from cms.models import SectionPage

    section = SectionPage.objects.filter(section=section_key).first()
    return section.get_url(request) if section is not None else default


def _projects_url(request):
    from cms.models import Section

    return _section_url(request, Section.PROJECTS, "/projects/")


def _directory_url(request):
    from cms.models import Section

    return _section_url(request, Section.ORGANIZATIONS, "/organizations/")


def contracts_index(request, page):
    form = ContractSearchForm(request.GET or None)
    contracts = contracts_public.published()
    query, state = "", ""
    if form.is_valid():
        query, state = form.cleaned_data["q"], form.cleaned_data["state"]
        if query:
            contracts = contracts.filter(
                Q(number__icontains=query)
                | Q(project__ref__icontains=query)
                | Q(project__title__icontains=query)
                | Q(organization__name__icontains=query)
            )
        if state:
            contracts = contracts.filter(state=state)
    contracts_page = paginate(request, contracts, PER_PAGE)
    kept = {key: value for key, value in (("q", query), ("state", state)) if value}
    querystring = urlencode(kept) + "&" if kept else ""
    return render(
        request,
        "cms/disclosure/contracts.html",
        {
            "page": page,
            "search_form": form,
            "filtered": bool(query or state),
            "contracts_page": contracts_page,
            "contracts": [contracts_public.as_public(contract) for contract in contracts_page.object_list],
            "result_count": contracts_page.paginator.count,
            "disclosure_url": page.get_url(request),
            "contracts_url": page.get_url(request) + "contracts/",
            "pagination_query": querystring,
        },
    )


# The announcements (cms.disclosure_announcements) own the section's index,
# its feeds and each announcement's page; contracts keep their numbers.
index = announcement_views.index


def detail(request, page, key):
    if key == "contracts":
        return contracts_index(request, page)
    if key == "feed":
        return announcement_views.feed(request, page, kind="")
    if len(key) > 30:
        raise Http404
    row = contracts_public.published().filter(number=key).first()
    if row is None:
        raise Http404
    return render(
        request,
        "cms/disclosure/detail.html",
        {
            "page": page,
            "contract": contracts_public.as_public(row),
            "results": milestones_public.acceptance_results(row),
            "comments": milestones_public.published_comments(row),
            "payments": payments_public.paid_payments(row),
            "disclosure_url": page.get_url(request),
            "projects_url": _projects_url(request),
            "directory_url": _directory_url(request),
        },
    )


def part(request, page, key, part):
    """``/disclosure/a/<id>/`` (an announcement), ``…/pdf/`` (its PDF) and
    ``/disclosure/feed/<type>/`` (the Atom feed of one type)."""
    if key == "a":
        pk, _slash, rest = part.partition("/")
        if not ANNOUNCEMENT_ID.fullmatch(pk) or rest not in ("", "pdf"):
            raise Http404
        return announcement_views.detail(request, page, int(pk), pdf=rest == "pdf")
    if key == "feed" and "/" not in part:
        return announcement_views.feed(request, page, kind=part)
    raise Http404
