"""The announcements index (/disclosure/), each announcement's page and PDF
(/disclosure/a/<id>/, …/pdf/) and the Atom feeds (/disclosure/feed/ for
all, /disclosure/feed/<type>/ for one type).  Rows come from
``cms.models.Announcement`` (written by ``cms.announcements``); what each
shows are the facts the domain published, plus an editor's note."""

import datetime

from django import forms
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cms.models import Announcement, AnnouncementKind, Section, SectionPage
from marketplace.core.filters import paginate
from marketplace.core.params import has_control_characters
from marketplace.core.pdf import render_pdf
from marketplace.templatetags.money import cny

PER_PAGE = 20
FEED_ITEMS = 50
KIND_CHOICES = [("", _("Every type"))] + list(AnnouncementKind.choices)


class AnnouncementFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=KIND_CHOICES, required=False)
    q = forms.CharField(label=_("Project, contract or title"), required=False, max_length=100)

    def clean_q(self):
        value = self.cleaned_data["q"].strip()
        if has_control_characters(value):
            raise forms.ValidationError(_("Remove the control characters from the search."))
        return value


def _section_url(request, section, default):
    found = SectionPage.objects.filter(section=section).first()
    return found.get_url(request) if found is not None else default


def filtered(kind="", query=""):
    rows = Announcement.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(project_ref__iexact=query) | Q(contract_number__iexact=query))
    return rows.order_by("-published_at", "-id")


def index(request, page):
    form = AnnouncementFilterForm(request.GET or None)
    kind, query = "", ""
    if form.is_valid():
        kind, query = form.cleaned_data["kind"], form.cleaned_data["q"]
    rows = paginate(request, filtered(kind, query), PER_PAGE)
    disclosure_url = page.get_url(request)
    kept = {key: value for key, value in (("kind", kind), ("q", query)) if value}
    querystring = urlencode(kept) + "&" if kept else ""
    return render(
        request,
        "cms/disclosure/index.html",
        {
            "page": page,
            "filter_form": form,
            "filtered": bool(kind or query),
            "announcements_page": rows,
            "announcements": rows.object_list,
            "result_count": rows.paginator.count,
            "kind": kind,
            "kinds": AnnouncementKind.choices,
            "disclosure_url": disclosure_url,
            "feed_url": f"{disclosure_url}feed/" + (f"{kind}/" if kind else ""),
            "pagination_query": querystring,
            "projects_url": _section_url(request, Section.PROJECTS, "/projects/"),
        },
    )


def links(request, announcement, disclosure_url):
    """Where the announcement's record lives on the site (its page, its PDF)."""
    projects_url = _section_url(request, Section.PROJECTS, "/projects/")
    call = f"{projects_url}{announcement.project_ref.lower()}/" if announcement.project_ref else ""
    kind = announcement.kind
    found = []
    if kind in (AnnouncementKind.CALL, AnnouncementKind.CORRECTION, AnnouncementKind.TERMINATION) and call:
        found.append((_("The call"), call))
        found.append((_("The call as a PDF"), f"{call}pdf/"))
    if kind == AnnouncementKind.OPENING and call:
        found.append((_("The opening record"), f"{call}opening/"))
    if kind in (AnnouncementKind.RESULT, AnnouncementKind.CHALLENGE) and call:
        found.append((_("The result announcement"), f"{call}result/"))
    if announcement.contract_number:
        found.append((_("The contract"), f"{disclosure_url}{announcement.contract_number}/"))
    return found


def _when(value, with_time=True):
    """An ISO date or date-time from the facts, for people (local time)."""
    if not value:
        return ""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if isinstance(moment, datetime.datetime) and moment.tzinfo is not None and with_time:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d")


def _yuan(value):
    return f"¥{cny(value)}" if value not in (None, "") else ""


OUTCOMES = {
    "cancelled": _("The call was cancelled."),
    "failed": _("The call failed: too few valid bids (流标)."),
    "contract_terminated": _("The contract was terminated."),
    "upheld": _("Upheld"),
    "dismissed": _("Dismissed"),
}
REMEDIES = {
    "reevaluate": _("Back to evaluation: the award is cancelled and the committee scores again."),
    "cancel": _("The award and the project are cancelled."),
}


def fact_rows(announcement):
    """``[(label, value)]``: what the announcement says, by type (the same
    rows on the page and in the PDF)."""
    f, kind, rows = announcement.facts, announcement.kind, []

    def add(label, value):
        if value not in (None, "", []):
            rows.append((label, value))

    if kind == AnnouncementKind.INTENTION:
        add(_("Purchaser"), f.get("purchaser"))
        add(_("Fund year"), f.get("year"))
        add(_("What will be bought"), "、".join(f.get("items", [])))
        add(_("Communities served"), "、".join(f.get("communities", [])))
        add(_("Budget"), _yuan(f.get("budget")))
        add(_("Method"), f.get("method_name"))
        add(_("Service period"), f"{_when(f.get('service_start'))} – {_when(f.get('service_end'))}")
        add(_("The call is published no earlier than"), _when(f.get("call_not_before")))
        add(_("Summary of the need"), f.get("summary"))
    elif kind in (AnnouncementKind.CALL, AnnouncementKind.OPENING):
        add(_("Fund year"), f.get("year"))
        add(_("Budget"), _yuan(f.get("budget")))
        add(_("Method"), f.get("method_name"))
        add(_("Bid deadline"), _when(f.get("deadline")))
    elif kind == AnnouncementKind.CORRECTION:
        add(_("Addendum"), f.get("number"))
        add(_("What changes"), f.get("text"))
        if f.get("old_deadline") != f.get("new_deadline"):
            add(_("Previous deadline"), _when(f.get("old_deadline")))
        add(_("Bid deadline"), _when(f.get("new_deadline")))
    elif kind == AnnouncementKind.RESULT:
        add(_("Awarded to"), f.get("organization"))
        add(_("Price"), _yuan(f.get("price")))
        add(_("Challenges accepted until"), _when(f.get("challenge_deadline")))
        add(_("Award cancelled"), _when(f.get("cancelled_at")))
    elif kind == AnnouncementKind.CHALLENGE:
        add(_("What was challenged"), f.get("summary") or _("(No summary was recorded.)"))
        add(_("Filed"), _when(f.get("filed_on")))
        add(_("Decision"), OUTCOMES.get(f.get("outcome"), ""))
        add(_("What follows"), REMEDIES.get(f.get("remedy"), ""))
    elif kind == AnnouncementKind.CONTRACT:
        add(_("Organization"), f.get("organization"))
        add(_("Contract sum"), _yuan(f.get("amount")))
        add(_("Term"), f"{_when(f.get('starts_on'))} – {_when(f.get('ends_on'))}")
    elif kind == AnnouncementKind.ACCEPTANCE:
        add(_("Organization"), f.get("organization"))
        add(_("Milestone"), f"{f.get('milestone')} · {f.get('milestone_title', '')}")
        add(_("Score"), f.get("score"))
        if f.get("by_exception"):
            add(_("Accepted below the pass mark"), _("Yes, approved by a second officer."))
    elif kind == AnnouncementKind.PAYMENT:
        add(_("Paid to"), f.get("organization"))
        add(_("Milestone"), f"{f.get('milestone')} · {f.get('milestone_title', '')}")
        add(_("Amount"), _yuan(f.get("amount")))
        add(_("Paid on"), _when(f.get("paid_on")))
    elif kind == AnnouncementKind.TERMINATION:
        add(_("What ended"), OUTCOMES.get(f.get("outcome"), ""))
        add(_("Organization"), f.get("organization"))
        add(_("Reason"), f.get("reason"))
        add(_("Payable at termination"), _yuan(f.get("payable")))
    return rows


def _context(request, page, announcement):
    disclosure_url = page.get_url(request)
    return {
        "page": page,
        "announcement": announcement,
        "fact_rows": fact_rows(announcement),
        "links": links(request, announcement, disclosure_url),
        "disclosure_url": disclosure_url,
        "pdf_url": f"{disclosure_url}a/{announcement.pk}/pdf/",
        "kinds": AnnouncementKind,
    }


def detail(request, page, pk, *, pdf=False):
    announcement = get_object_or_404(Announcement, pk=pk)
    context = _context(request, page, announcement)
    if not pdf:
        return render(request, "cms/disclosure/announcement.html", context)
    response = HttpResponse(render_pdf("pdf/announcement.html", context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="announcement-{announcement.pk}.pdf"'
    return response


class AnnouncementFeed(Feed):
    """Atom 1.0: the newest announcements (of one type, or all)."""

    feed_type = Atom1Feed

    def __init__(self, page, kind):
        super().__init__()
        self.page, self.kind = page, kind

    def title(self):
        label = AnnouncementKind(self.kind).label if self.kind else _("Every announcement")
        return f"{label} · {self.page.title}"

    def link(self):
        return self.page.url + (f"?kind={self.kind}" if self.kind else "")

    def subtitle(self):
        return _("Statutory announcements of the district's purchase of community services.")

    def items(self):
        return filtered(self.kind)[:FEED_ITEMS]

    def item_title(self, item):
        return f"{item.get_kind_display()} · {item.title}"

    def item_description(self, item):
        when = timezone.localtime(item.event_at).strftime("%Y-%m-%d %H:%M")
        return " · ".join(part for part in (item.project_ref, item.contract_number, when) if part)

    def item_link(self, item):
        return f"{self.page.url}a/{item.pk}/"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.get_kind_display()]


def feed(request, page, kind):
    if kind and kind not in AnnouncementKind.values:
        raise Http404
    return AnnouncementFeed(page, kind)(request)
