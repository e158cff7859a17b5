"""The demand list's working pages (/work/…) and the public resident form
(/needs/report/).  Views check who may look, show forms and hand valid input
to ``marketplace.needs.services``; they never change state themselves."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from marketplace.core import extensions
from marketplace.core.decorators import officer_required, user_passes
from marketplace.core.filters import paginate
from marketplace.core.params import id_param
from marketplace.core.permissions import is_officer
from marketplace.core.reauth import reauth_required
from marketplace.core.throttle import Throttle, client_ip
from marketplace.needs import permissions, selectors, services
from marketplace.needs.filters import AssessmentFilterSet, StateFilterSet
from marketplace.needs.forms import (
    AssessForm,
    DecideForm,
    DeclineReportForm,
    NeedForm,
    ResidentReportForm,
)
from marketplace.needs.models import Need, ResidentReport

PER_PAGE = 20

# --- access ---------------------------------------------------------------------------

#: community workers with a community; they see only that community
worker_required = user_passes(permissions.is_worker)
#: workers and officers (each sees what ``permissions.can_view_need`` allows)
worker_or_officer_required = user_passes(permissions.is_worker_or_officer)


def _need_for(user, pk):
    """A need the user may see on the workbench: officers see every need,
    workers those of their own community; anything else is not found."""
    need = selectors.workbench_need(pk)
    if need is None or not permissions.can_view_need(user, need):
        raise Http404
    return need


def _report_for(user, pk):
    report = selectors.resident_report(pk)
    if report is None or not permissions.can_handle_report(user, report):
        raise Http404
    return report


NEED_ACTIONS = {
    "need.file": gettext_lazy("Filed"),
    "need.assess": gettext_lazy("Assessed"),
    "need.accept": gettext_lazy("Accepted"),
    "need.decline": gettext_lazy("Declined"),
    "need.plan": gettext_lazy("Planned"),
    "need.fund_override": gettext_lazy("Accepted above the fund"),
}
# Notes that stay with officers: the assessment is internal.
INTERNAL_NOTES = {"need.assess"}


def _need_history(need, *, is_officer):
    """The need's audit trail in words a community worker understands."""
    rows = []
    for event in selectors.history(need):
        state = Need.State(event.to_state).label if event.to_state in Need.State.values else ""
        rows.append(
            {
                "when": event.created_at,
                "what": NEED_ACTIONS.get(event.action, event.action),
                "state": state,
                "who": event.actor.display_name if event.actor else event.actor_label,
                "note": event.reason if (is_officer or event.action not in INTERNAL_NOTES) else "",
            }
        )
    return rows


# --- community worker -------------------------------------------------------------------


@worker_required
def worker_needs(request):
    community = request.user.community
    filterset = StateFilterSet(
        request.GET, choices=Need.State.choices, selector=partial(selectors.community_needs, community)
    )
    year = timezone.localdate().year
    return render(
        request,
        "marketplace/needs/worker_needs.html",
        {
            "community": community,
            "filter_form": filterset.form,
            "needs_page": paginate(request, filterset.qs, PER_PAGE),
            "querystring_base": filterset.querystring,
            "fund": selectors.fund_status(community, year),
            "new_reports": selectors.community_reports(community, state=ResidentReport.State.NEW).count(),
            "extension_panels": extensions.panels("community_workspace", request.user),
        },
    )


@worker_required
def need_create(request):
    community = request.user.community
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.file_need(by=request.user, community=community, **form.need_data())
        except services.NeedError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Need filed. A procurement officer will assess it."))
            return redirect("work:need", need.pk)
    return render(
        request,
        "marketplace/needs/need_form.html",
        {"form": form, "community": community, "report": None},
    )


@worker_or_officer_required
def need_detail(request, pk):
    user = request.user
    need = _need_for(user, pk)
    officer = is_officer(user)
    return render(
        request,
        "marketplace/needs/need_detail.html",
        {
            "need": need,
            "fund": selectors.fund_status(need.community, need.year),
            "is_officer": officer,
            "actions": permissions.available_actions(user, need),
            "history": _need_history(need, is_officer=officer),
        },
    )


# --- resident reports: triage by the community's workers -----------------------------------


@worker_required
def reports(request):
    community = request.user.community
    filterset = StateFilterSet(
        request.GET, choices=ResidentReport.State.choices, selector=partial(selectors.community_reports, community)
    )
    return render(
        request,
        "marketplace/needs/reports.html",
        {
            "community": community,
            "filter_form": filterset.form,
            "reports_page": paginate(request, filterset.qs, PER_PAGE),
            "querystring_base": filterset.querystring,
        },
    )


@worker_required
def report_detail(request, pk):
    report = _report_for(request.user, pk)
    need = selectors.need_of_report(report)
    return render(
        request,
        "marketplace/needs/report_detail.html",
        {"report": report, "need": need, "actions": permissions.available_actions(request.user, report)},
    )


@worker_required
def report_triage(request, pk):
    report = _report_for(request.user, pk)
    if "triage" not in permissions.available_actions(request.user, report):
        messages.info(request, services.HANDLED_ALREADY)
        return redirect("work:report", report.pk)
    initial = {"title": report.title, "description": report.description}
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.triage_report(report, by=request.user, **form.need_data())
        except services.NeedError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The report is now a need on the demand list."))
            return redirect("work:need", need.pk)
    return render(
        request,
        "marketplace/needs/need_form.html",
        {"form": form, "community": report.community, "report": report},
    )


@worker_required
def report_decline(request, pk):
    report = _report_for(request.user, pk)
    if "decline" not in permissions.available_actions(request.user, report):
        messages.info(request, services.HANDLED_ALREADY)
        return redirect("work:report", report.pk)
    form = DeclineReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_report(report, by=request.user, reason=form.cleaned_data["reason"])
        except services.NeedError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The report was declined."))
            return redirect("work:reports")
    return render(request, "marketplace/needs/report_decline.html", {"form": form, "report": report})


# --- procurement officers: assessment (需求评估) --------------------------------------------


@officer_required
def assessment_queue(request):
    filterset = AssessmentFilterSet(request.GET)
    needs_page = paginate(request, filterset.qs, PER_PAGE)
    funds = selectors.fund_statuses((n.community_id, n.year) for n in needs_page)
    rows = [
        (need, funds[(need.community_id, need.year)], permissions.available_actions(request.user, need))
        for need in needs_page
    ]
    return render(
        request,
        "marketplace/needs/assessment_queue.html",
        {
            "filter_form": filterset.form,
            "needs_page": needs_page,
            "rows": rows,
            "querystring_base": filterset.querystring,
        },
    )


@officer_required
def assess(request, pk):
    need = _need_for(request.user, pk)
    if "assess" not in permissions.available_actions(request.user, need):
        messages.info(request, _("This need has been assessed already."))
        return redirect("work:need", need.pk)
    form = AssessForm(request.POST or None, initial={"assessed_cost": need.estimated_budget})
    if request.method == "POST" and form.is_valid():
        try:
            services.assess_need(need, by=request.user, **form.cleaned_data)
        except services.NeedError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Assessment saved. Now accept or decline the need."))
            return redirect("work:decide", need.pk)
    return render(
        request,
        "marketplace/needs/assess.html",
        {"form": form, "need": need, "fund": selectors.fund_status(need.community, need.year)},
    )


@officer_required
@reauth_required
def decide(request, pk):
    need = _need_for(request.user, pk)
    if "decide" not in permissions.available_actions(request.user, need):
        messages.info(request, services.DECIDE_STATE_MESSAGE)
        return redirect("work:need", need.pk)
    fund = selectors.fund_status(need.community, need.year)
    after = fund.committed + need.cost
    form = DecideForm(request.POST or None, initial={"public_answer": need.public_answer})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == DecideForm.ACCEPT:
                services.accept_need(
                    need, by=request.user, public_answer=data["public_answer"], override_reason=data["override_reason"]
                )
                messages.success(request, _("The need was accepted."))
            else:
                services.decline_need(need, by=request.user, public_answer=data["public_answer"])
                messages.success(request, _("The need was declined."))
        except services.NeedError as exc:
            form.add_service_error(exc)
        else:
            return redirect("work:assessment")
    return render(
        request,
        "marketplace/needs/decide.html",
        {
            "form": form,
            "need": need,
            "fund": fund,
            "after": after,
            "would_exceed": after > fund.amount,
        },
    )


# --- the public resident form (自报项目) -------------------------------------------------------


def _report_throttle():
    return Throttle(
        "needs-report",
        limit=getattr(settings, "NEEDS_REPORT_RATE_LIMIT", 10),
        window_seconds=getattr(settings, "NEEDS_REPORT_RATE_WINDOW", 3600),
    )


def _throttled(request):
    """Count this report against the sender's address; True when over the limit."""
    throttle, ip = _report_throttle(), client_ip(request)
    if throttle.blocked(ip):
        return True
    throttle.hit(ip)
    return False


@never_cache
def resident_report(request):
    """Any resident may report a need.  Spam protection without outside
    services: a honeypot field, a signed token that must be at least a few
    seconds old, and a per-address limit of submissions per hour."""
    if request.method != "POST":
        initial = {}
        community_id = id_param(request.GET.get("community"))
        if community_id is not None:
            initial["community"] = community_id
        return render(request, "marketplace/needs/report_form.html", {"form": ResidentReportForm(initial=initial)})
    if _throttled(request):
        return render(
            request,
            "marketplace/needs/report_form.html",
            {
                "form": ResidentReportForm(),
                "refusal": _("Too many reports were sent from your network. Please try again in an hour."),
            },
            status=429,
        )
    form = ResidentReportForm(request.POST)
    if form.is_spam_trap_filled:
        # A bot filled the invisible field: look successful, keep nothing.
        return redirect("resident_report_thanks")
    if form.is_valid():
        data = form.cleaned_data
        fields = ("community", "title", "description", "name", "phone", "token")
        try:
            services.report_need(**{field: data[field] for field in fields})
        except services.NeedError as exc:
            form.add_service_error(exc)
        else:
            return redirect("resident_report_thanks")
    # Hand out a fresh token with the errors, so the resident can resend.
    form.data = form.data.copy()
    form.data["token"] = ResidentReportForm().initial["token"]
    return render(request, "marketplace/needs/report_form.html", {"form": form})


@never_cache  # follows the report (with its one-time token): never kept by a browser or a proxy
def resident_report_thanks(request):
    return render(request, "marketplace/needs/report_thanks.html")
