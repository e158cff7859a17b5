"""Milestone reports and lights: the organization's pages
(/org/<org_id>/milestones/…, namespace ``delivery_org``) and the officers'
(/work/delivery/…, namespace ``delivery``).

Access: an organization's pages are for its members (anybody else: 404, an
organization's contracts are not told); the officers' pages for procurement
officers.  Evidence files are served only after ``can_view_evidence`` (the
organization, officers, the milestone's evaluator who declared no conflict),
supervision photos after ``can_read_supervision``.  Views never change state
themselves: every change goes through ``contracts.milestones.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from contracts.milestones import lights
from contracts.milestones.forms.delivery import SAVE, SUBMIT, ReportForm
from contracts.milestones.permissions import delivery as permissions
from contracts.milestones.selectors import delivery as selectors
from contracts.milestones.services import reports as report_services
from marketplace.core.decorators import officer_required
from marketplace.core.errors import DomainError
from marketplace.core.filters import paginate
from marketplace.organizations.models import Organization
from marketplace.organizations.permissions import can_act_for
from marketplace.organizations.services import documents as document_services

PER_PAGE = 30
# The last field of the report form: missing when the body was cut off (marketplace.core.uploads).
COMPLETE_FIELD = "complete"


def optional_url(name, *args):
    """The URL of another domain's page, or None while that page does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def member_organization(request, org_id):
    """The organization ``org_id`` if the user is one of its members, else 404."""
    organization = Organization.objects.filter(pk=org_id).first()
    if organization is None or not can_act_for(request.user, organization):
        raise Http404
    return organization


def serve(item):
    """An evidence file or a photo, as an attachment (sniffed type, sandboxed, not cached)."""
    return document_services.file_response(item)


def _milestone_context(user, milestone, today):
    contract = milestone.contract
    return {
        "milestone": milestone,
        "contract": contract,
        "light": lights.milestone_light(milestone, today),
        "reports": selectors.reports_of(milestone),
        "records": selectors.supervision_of(contract, milestone=milestone),
        "opinions": selectors.opinions_of(milestone),
        "actions": permissions.available_actions(user, milestone),
    }


# --- the organization ------------------------------------------------------------------------------------------


@never_cache
@login_required
def org_index(request, org_id):
    """The organization's deadlines (reds first) and its milestones."""
    organization = member_organization(request, org_id)
    today = timezone.localdate()
    rows = selectors.light_rows(today, organization=organization)
    by_milestone = selectors.lights_by_milestone(rows)
    page = paginate(request, selectors.organization_milestones(organization), PER_PAGE)
    for milestone in page.object_list:
        milestone.light = by_milestone.get(milestone.pk)
    return render(
        request,
        "contracts/milestones/delivery/org_index.html",
        {"organization": organization, "rows": rows, "page_obj": page, "today": today},
    )


def _org_milestone(request, org_id, pk):
    organization = member_organization(request, org_id)
    milestone = selectors.organization_milestone(organization, pk)
    if milestone is None:
        raise Http404
    return organization, milestone


@never_cache
@login_required
def org_milestone(request, org_id, pk):
    organization, milestone = _org_milestone(request, org_id, pk)
    context = _milestone_context(request.user, milestone, timezone.localdate())
    context.update(
        organization=organization,
        draft=report_services.current_draft(milestone),
        contract_url=optional_url("orgcontracts:detail", organization.pk, milestone.contract.number),
    )
    return render(request, "contracts/milestones/delivery/org_milestone.html", context)


def _action(post):
    """Which button was pressed: ``(action, entry ids to remove, file ids to remove)``."""
    remove_entries = [value for value in post.getlist("remove_entry") if value.isdigit()]
    remove_evidence = [value for value in post.getlist("remove_evidence") if value.isdigit()]
    return (SUBMIT if SUBMIT in post else SAVE), remove_entries, remove_evidence


@never_cache
@login_required
def org_report(request, org_id, pk):
    """Write the milestone's report: every button saves first."""
    organization, milestone = _org_milestone(request, org_id, pk)
    decision = permissions.can_write_report(request.user, milestone)
    draft = report_services.current_draft(milestone)
    if request.method != "POST":
        initial = {"narrative": draft.narrative, "documented_cost": draft.documented_cost} if draft else {}
        form = ReportForm(initial=initial, contract=milestone.contract)
        return _render_report(request, organization, milestone, draft, form, decision)
    action, remove_entries, remove_evidence = _action(request.POST)
    form = ReportForm(request.POST, request.FILES, contract=milestone.contract, action=action)
    if not decision:
        messages.error(request, _("Nothing was changed: %(message)s") % {"message": decision.reason})
        return _render_report(request, organization, milestone, draft, form, decision)
    valid = form.is_valid()
    if request.POST.get(COMPLETE_FIELD) != "1":
        # The body was cut off (a file over the platform's ceiling): what followed it never arrived.
        form.errors.clear()
        form.add_error("evidence", _("The upload was cut off (a file is too large?): nothing was saved."))
        valid = False
    if not valid:  # the box at the top of the form lists each problem: no flash message repeats it
        return _render_report(request, organization, milestone, draft, form, decision)
    try:
        draft = report_services.save_draft(
            milestone,
            by=request.user,
            narrative=form.cleaned_data["narrative"],
            documented_cost=form.cleaned_data.get("documented_cost"),
            entry=form.entry(),
            files=form.cleaned_data["evidence"],
            evidence_title=form.cleaned_data["evidence_title"],
            remove_entries=remove_entries,
            remove_evidence=remove_evidence,
        )
    except DomainError as error:
        form.add_service_error(error)
        return _render_report(request, organization, milestone, draft, form, decision)
    here = reverse("delivery_org:report", args=[organization.pk, milestone.pk])
    if action != SUBMIT:
        messages.success(request, _("The draft report was saved."))
        return redirect(here)
    try:
        report_services.submit_report(milestone, by=request.user)
    except DomainError as error:
        messages.error(request, _("The draft was saved, but not submitted: %(message)s") % {"message": error.message})
        return redirect(here)
    messages.success(request, _("The report was submitted. The procurement officer has it for evaluation."))
    return redirect(reverse("delivery_org:milestone", args=[organization.pk, milestone.pk]))


def _render_report(request, organization, milestone, draft, form, decision):
    previous = [report for report in selectors.reports_of(milestone) if report.submitted_at is not None]
    if draft is not None:
        draft = next((report for report in selectors.reports_of(milestone) if report.pk == draft.pk), draft)
    return render(
        request,
        "contracts/milestones/delivery/org_report.html",
        {
            "organization": organization,
            "milestone": milestone,
            "contract": milestone.contract,
            "draft": draft,
            "previous": previous,
            "round": draft.round if draft else report_services.next_round(milestone),
            "form": form,
            "problem": None if decision else decision.reason,
            "light": lights.milestone_light(milestone, timezone.localdate()),
        },
    )


@login_required
def org_evidence(request, org_id, pk):
    organization = member_organization(request, org_id)
    item = selectors.evidence(pk)
    if item is None or item.report.milestone.contract.organization_id != organization.pk:
        raise Http404
    return serve(item)


@login_required
def org_photo(request, org_id, pk):
    organization = member_organization(request, org_id)
    item = selectors.photo(pk)
    if item is None or item.record.contract.organization_id != organization.pk:
        raise Http404
    return serve(item)


# --- officers ----------------------------------------------------------------------------------------------------


@never_cache
@officer_required
def officer_index(request):
    """Every running deadline, reds first."""
    today = timezone.localdate()
    rows = selectors.light_rows(today)
    counts = {colour: sum(1 for row in rows if row.light.colour == colour) for colour in lights.SEVERITY}
    page = paginate(request, rows, PER_PAGE)
    return render(
        request,
        "contracts/milestones/delivery/officer_index.html",
        {"page_obj": page, "counts": counts, "today": today},
    )


@never_cache
@officer_required
def officer_milestone(request, pk):
    milestone = selectors.milestone(pk)
    if milestone is None:
        raise Http404
    context = _milestone_context(request.user, milestone, timezone.localdate())
    context["contract_url"] = optional_url("contracts:detail", milestone.contract.number)
    return render(request, "contracts/milestones/delivery/officer_milestone.html", context)


@login_required
def evidence_file(request, pk):
    """An evidence file for officers and the milestone's evaluator (the
    organization has its own route)."""
    item = selectors.evidence(pk)
    if item is None or not permissions.can_view_evidence(request.user, item):
        raise Http404
    return serve(item)


@login_required
def photo_file(request, pk):
    item = selectors.photo(pk)
    if item is None or not permissions.can_view_photo(request.user, item):
        raise Http404
    return serve(item)
