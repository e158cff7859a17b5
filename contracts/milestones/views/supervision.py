"""Community supervision (过程监管): the community workers' pages
(/community/contracts/…, namespace ``supervision``) and the organization's
answer to a record (/org/<org_id>/milestones/supervision/<pk>/respond/).

A worker sees the contracts in force that serve their community; a contract
elsewhere is not found (404).  Views never change state themselves: every
change goes through ``contracts.milestones.services.supervision``."""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from contracts.milestones import lights
from contracts.milestones.forms.delivery import OpinionForm, ResponseForm, SupervisionForm
from contracts.milestones.models import CommitteeOpinion
from contracts.milestones.permissions import delivery as permissions
from contracts.milestones.permissions import evaluation as survey_rules
from contracts.milestones.selectors import delivery as selectors
from contracts.milestones.services import supervision as services
from contracts.milestones.views.delivery import member_organization, serve
from marketplace.core.actions import run_action
from marketplace.core.decorators import user_passes
from marketplace.needs.permissions import is_worker

# The last field of the record form: missing when the body was cut off (marketplace.core.uploads).
COMPLETE_FIELD = "complete"
#: community workers attached to a community
worker_required = user_passes(is_worker)


def _contract(request, pk):
    contract = selectors.community_contract(request.user.community, pk)
    if contract is None:
        raise Http404
    return contract


@never_cache
@worker_required
def index(request):
    """The contracts in force serving the worker's community, with their lights, reds first."""
    community = request.user.community
    today = timezone.localdate()
    rows = selectors.light_rows(today, community=community)
    worst = {}
    for row in rows:
        worst.setdefault(row.contract.pk, row.light)
    contracts = list(selectors.community_contracts(community))
    for contract in contracts:
        contract.light = worst.get(contract.pk)
    contracts.sort(key=lambda c: (c.light.sort_key() if c.light else (9, today), c.number))
    return render(
        request,
        "contracts/milestones/supervision/index.html",
        {"community": community, "contracts": contracts, "rows": rows},
    )


@never_cache
@worker_required
def contract_page(request, pk):
    contract = _contract(request, pk)
    today = timezone.localdate()
    milestones = list(contract.milestones.all())
    opinions = {}
    for milestone in milestones:
        milestone.contract = contract
        milestone.light = lights.milestone_light(milestone, today)
    all_opinions = list(_opinions(milestones))
    for opinion in all_opinions:
        opinions.setdefault(opinion.milestone_id, []).append(opinion)
    for milestone in milestones:
        milestone.opinion_list = opinions.get(milestone.pk, [])
        milestone.ours = any(o.community_id == request.user.community_id for o in milestone.opinion_list)
        milestone.may_survey = bool(survey_rules.can_make_links(request.user, milestone))
    return render(
        request,
        "contracts/milestones/supervision/contract.html",
        {
            "contract": contract,
            "milestones": milestones,
            "records": selectors.supervision_of(contract),
            "opinions": all_opinions,
            "may_supervise": bool(permissions.can_supervise(request.user, contract)),
        },
    )


def _opinions(milestones):
    return CommitteeOpinion.objects.filter(milestone__in=milestones).select_related("community")


@never_cache
@worker_required
def record_new(request, pk):
    contract = _contract(request, pk)
    form = SupervisionForm(request.POST or None, request.FILES or None, contract=contract)
    again = partial(_render_record, request, contract)
    if request.method != "POST":
        return again(form)
    if request.POST.get(COMPLETE_FIELD) != "1":
        # The body was cut off (a photo over the platform's ceiling): what followed it never arrived.
        form.is_valid()
        form.errors.clear()
        form.add_error("photos", _("The upload was cut off (a file is too large?): nothing was saved."))
        return again(form)

    def call(form):
        data = form.cleaned_data
        services.add_record(
            contract,
            by=request.user,
            visited_on=data["visited_on"],
            observed=data["observed"],
            attendance=data["attendance"],
            issues=data["issues"],
            milestone=data["milestone"],
            photos=data["photos"],
        )

    return run_action(
        request,
        form,
        call,
        success=_("The supervision record was saved. The organization has been told."),
        done=reverse("supervision:contract", args=[contract.pk]),
        again=again,
        summary_on_page=True,
    )


def _render_record(request, contract, form):
    return render(request, "contracts/milestones/supervision/record_form.html", {"contract": contract, "form": form})


@never_cache
@worker_required
def opinion(request, pk, milestone_pk):
    contract = _contract(request, pk)
    milestone = contract.milestones.filter(pk=milestone_pk).first()
    if milestone is None:
        raise Http404
    form = OpinionForm(request.POST or None)
    again = partial(_render_opinion, request, contract, milestone)
    if request.method != "POST":
        return again(form)

    def call(form):
        services.add_opinion(
            milestone, by=request.user, opinion=form.cleaned_data["opinion"], satisfied=form.cleaned_data["satisfied"]
        )

    return run_action(
        request,
        form,
        call,
        success=_("The residents' committee's opinion was recorded."),
        done=reverse("supervision:contract", args=[contract.pk]),
        again=again,
    )


def _render_opinion(request, contract, milestone, form):
    return render(
        request,
        "contracts/milestones/supervision/opinion_form.html",
        {
            "contract": contract,
            "milestone": milestone,
            "form": form,
            "given": selectors.opinions_of(milestone),
        },
    )


@worker_required
def photo(request, pk):
    item = selectors.photo(pk)
    if item is None or not permissions.can_view_photo(request.user, item):
        raise Http404
    return serve(item)


# --- the organization answers ------------------------------------------------------------------------------------


@never_cache
@login_required
def respond(request, org_id, pk):
    """The organization's one answer to a supervision record."""
    organization = member_organization(request, org_id)
    record = selectors.record(pk)
    if record is None or record.contract.organization_id != organization.pk:
        raise Http404
    decision = permissions.can_respond(request.user, record)
    form = ResponseForm(request.POST or None)
    again = partial(_render_respond, request, organization, record, decision)
    if request.method != "POST":
        return again(form)
    done = (
        reverse("delivery_org:milestone", args=[organization.pk, record.milestone_id])
        if record.milestone_id
        else reverse("delivery_org:index", args=[organization.pk])
    )
    return run_action(
        request,
        form,
        lambda form: services.respond(record, by=request.user, response=form.cleaned_data["response"]),
        success=_("Your answer was saved. The community worker has been told."),
        done=done,
        again=again,
    )


def _render_respond(request, organization, record, decision, form):
    return render(
        request,
        "contracts/milestones/supervision/respond.html",
        {
            "organization": organization,
            "record": record,
            "form": form,
            "problem": None if decision else decision.reason,
        },
    )
