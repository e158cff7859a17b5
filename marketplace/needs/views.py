"""The demand list's working pages (/work/…) and the public resident form
(/needs/report/).  Views check who may look, show forms and hand valid input
to ``marketplace.needs.services``; they never change state themselves."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from marketplace.core.models.audit import AuditEvent
from marketplace.core.models.places import Community
from marketplace.core.params import id_param
from marketplace.core.reauth import reauth_required
from marketplace.core.throttle import Throttle, client_ip
from marketplace.needs import selectors, services
from marketplace.needs.filters import StateFilterForm
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


def worker_required(view):
    """Community workers with a community; they see only that community."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.has_perm(services.FILE_PERMISSION) or user.community_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def officer_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm(services.OFFICER_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _querystring(**kept):
    kept = {k: v for k, v in kept.items() if v not in (None, "")}
    return urlencode(kept) + "&" if kept else ""


def _need_for(user, pk):
    """A need the user may see on the workbench: officers see every need,
    workers those of their own community; anything else is not found."""
    need = Need.objects.select_related("community", "catalogue_item__category__parent", "filed_by").filter(pk=pk)
    need = need.first()
    if need is None:
        raise Http404
    if user.has_perm(services.OFFICER_PERMISSION) or services.can_file_for(user, need.community):
        return need
    raise Http404


def _report_for(user, pk):
    report = ResidentReport.objects.select_related("community", "handled_by").filter(pk=pk).first()
    if report is None or not services.can_file_for(user, report.community):
        raise Http404
    return report


def _history(obj):
    return AuditEvent.objects.filter(
        object_type=f"{obj._meta.app_label}.{obj._meta.model_name}", object_id=str(obj.pk)
    ).order_by("id")


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
    for event in _history(need).select_related("actor"):
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
    form = StateFilterForm(request.GET or None, choices=Need.State.choices)
    state = form.selected_state() if form.is_bound else None
    year = timezone.localdate().year
    return render(
        request,
        "marketplace/needs/worker_needs.html",
        {
            "community": community,
            "filter_form": form,
            "needs_page": _page(request, selectors.community_needs(community, state=state)),
            "querystring_base": _querystring(state=state),
            "fund": selectors.fund_status(community, year),
            "new_reports": selectors.community_reports(community, state=ResidentReport.State.NEW).count(),
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
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Need filed. A procurement officer will assess it."))
            return redirect("work:need", need.pk)
    return render(
        request,
        "marketplace/needs/need_form.html",
        {"form": form, "community": community, "report": None},
    )


@login_required
def need_detail(request, pk):
    user = request.user
    if not (user.has_perm(services.OFFICER_PERMISSION) or user.has_perm(services.FILE_PERMISSION)):
        raise PermissionDenied
    need = _need_for(user, pk)
    return render(
        request,
        "marketplace/needs/need_detail.html",
        {
            "need": need,
            "fund": selectors.fund_status(need.community, need.year),
            "is_officer": user.has_perm(services.OFFICER_PERMISSION),
            "history": _need_history(need, is_officer=user.has_perm(services.OFFICER_PERMISSION)),
        },
    )


# --- resident reports: triage by the community's workers -----------------------------------


@worker_required
def reports(request):
    community = request.user.community
    form = StateFilterForm(request.GET or None, choices=ResidentReport.State.choices)
    state = form.selected_state() if form.is_bound else None
    return render(
        request,
        "marketplace/needs/reports.html",
        {
            "community": community,
            "filter_form": form,
            "reports_page": _page(request, selectors.community_reports(community, state=state)),
            "querystring_base": _querystring(state=state),
        },
    )


@worker_required
def report_detail(request, pk):
    report = _report_for(request.user, pk)
    need = Need.objects.filter(resident_report=report).first()
    return render(request, "marketplace/needs/report_detail.html", {"report": report, "need": need})


@worker_required
def report_triage(request, pk):
    report = _report_for(request.user, pk)
    if report.state != ResidentReport.State.NEW:
        messages.info(request, _("This report has been handled already."))
        return redirect("work:report", report.pk)
    initial = {"title": report.title, "description": report.description}
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.triage_report(report, by=request.user, **form.need_data())
        except services.NeedError as exc:
            form.add_error(None, str(exc))
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
    if report.state != ResidentReport.State.NEW:
        messages.info(request, _("This report has been handled already."))
        return redirect("work:report", report.pk)
    form = DeclineReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_report(report, by=request.user, reason=form.cleaned_data["reason"])
        except services.NeedError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The report was declined."))
            return redirect("work:reports")
    return render(request, "marketplace/needs/report_decline.html", {"form": form, "report": report})


# --- procurement officers: assessment (需求评估) --------------------------------------------


@officer_required
def assessment_queue(request):
    form = StateFilterForm(request.GET or None, choices=Need.State.choices)
    state = form.selected_state() if form.is_bound else None
    community = None
    community_id = id_param(request.GET.get("community"))
    if community_id is not None:
        community = Community.objects.filter(pk=community_id).first()
    needs_page = _page(request, selectors.assessment_queue(state=state, community=community))
    funds = selectors.fund_statuses((n.community_id, n.year) for n in needs_page)
    rows = [(need, funds[(need.community_id, need.year)]) for need in needs_page]
    return render(
        request,
        "marketplace/needs/assessment_queue.html",
        {
            "filter_form": form,
            "communities": Community.objects.all(),
            "community": community,
            "needs_page": needs_page,
            "rows": rows,
            "querystring_base": _querystring(state=state, community=community.pk if community else None),
        },
    )


@officer_required
def assess(request, pk):
    need = _need_for(request.user, pk)
    if need.state != Need.State.SUBMITTED:
        messages.info(request, _("This need has been assessed already."))
        return redirect("work:need", need.pk)
    form = AssessForm(request.POST or None, initial={"assessed_cost": need.estimated_budget})
    if request.method == "POST" and form.is_valid():
        try:
            services.assess_need(need, by=request.user, **form.cleaned_data)
        except services.NeedError as exc:
            form.add_error(None, str(exc))
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
    if need.state != Need.State.ASSESSED:
        messages.info(request, _("Only an assessed need can be accepted or declined."))
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
            form.add_error(None, str(exc))
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

    throttle, ip = _report_throttle(), client_ip(request)
    if throttle.blocked(ip):
        return render(
            request,
            "marketplace/needs/report_form.html",
            {
                "form": ResidentReportForm(),
                "refusal": _("Too many reports were sent from your network. Please try again in an hour."),
            },
            status=429,
        )
    throttle.hit(ip)

    form = ResidentReportForm(request.POST)
    if form.is_spam_trap_filled:
        # A bot filled the invisible field: look successful, keep nothing.
        return redirect("resident_report_thanks")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.report_need(
                community=data["community"],
                title=data["title"],
                description=data["description"],
                name=data["name"],
                phone=data["phone"],
                token=data["token"],
            )
        except services.NeedError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("resident_report_thanks")
    # Hand out a fresh token with the errors, so the resident can resend.
    form.data = form.data.copy()
    form.data["token"] = ResidentReportForm().initial["token"]
    return render(request, "marketplace/needs/report_form.html", {"form": form})


@never_cache  # follows the report (with its one-time token): never kept by a browser or a proxy
def resident_report_thanks(request):
    return render(request, "marketplace/needs/report_thanks.html")
