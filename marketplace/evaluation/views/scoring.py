"""The evaluators' workspace (/evaluate/): declarations, scoring, the report.

Access: signed in with ``marketplace.evaluate`` (anonymous users go to the
sign-in page, everybody else gets 403).  Every page under /evaluate/<ref>/
needs a seat on that project's committee: without one it is 404 (nothing
says whether the project has a committee or who sits on it).

A member reads bids only after declaring no relationship with any bidder
(回避), and only the qualified ones, through ``marketplace.procurement.selectors.bids``
(``scored_bids``); the other members' scores on a bid only after submitting
his own (``evaluation.member_sheets_visible``).  Every change goes through
``marketplace.evaluation.services.committee`` / ``.evaluation``; a broken rule comes
back as a ``ProjectError`` shown on its field, and nothing changes.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from marketplace.core.models.audit import AuditEvent
from marketplace.core.params import has_control_characters
from marketplace.core.reauth import reauth_required
from marketplace.evaluation.forms import scoring as forms
from marketplace.evaluation.models import CommitteeMember, EvaluationReport, ReportConfirmation, ScoreSheet
from marketplace.evaluation.services import committee as committee_services
from marketplace.evaluation.services import scoring as evaluation
from marketplace.organizations.services import documents as document_services
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.models.projects import Project
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.services.projects import ProjectError
from marketplace.procurement.views.projects import _pdf_response

PER_PAGE = 20
EVALUATE_PERMISSION = committee_services.EVALUATE_PERMISSION
SUBMITTED = ScoreSheet.State.SUBMITTED


# --- access -----------------------------------------------------------------------------------------


def evaluator_required(view):
    """Evaluators only: anonymous users go to the sign-in page, everybody
    else gets 403.  Pages with bid content add ``never_cache``."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm(EVALUATE_PERMISSION):
            raise PermissionDenied
        # A crash report (e-mailed to ADMINS) must not carry scores or reasons.
        request.sensitive_post_parameters = "__ALL__"
        return view(request, *args, **kwargs)

    return wrapped


def _seat(request, ref):
    """The project and the user's seat on its committee (serving or
    withdrawn); 404 without one."""
    if has_control_characters(ref):
        raise Http404
    member = (
        CommitteeMember.objects.filter(committee__project__ref=ref, evaluator__user=request.user)
        .select_related("committee__project__method", "evaluator")
        .first()
    )
    if member is None:
        raise Http404
    return member.committee.project, member


def _reader(request, ref):
    """A serving member who declared no relationship (may read the bids); 404 otherwise."""
    project, member = _seat(request, ref)
    if not member.may_read_bids:
        raise Http404
    return project, member


def _scored_bid(request, project, bid_pk):
    """A qualified bid this member may read, with the version that counts; 404 otherwise."""
    bid = bid_selectors.scored_bids(request.user, project).select_related("organization").filter(pk=bid_pk).first()
    if bid is None:
        raise Http404
    version = bid_selectors.versions_for(request.user, bid).filter(pk=bid.current_version_id).first()
    if version is None:
        raise Http404
    return bid, version


def _project_url(project, anchor=""):
    url = reverse("evaluate:project", args=[project.ref])
    return f"{url}#{anchor}" if anchor else url


def _bid_url(project, bid, anchor=""):
    url = reverse("evaluate:bid", args=[project.ref, bid.pk])
    return f"{url}#{anchor}" if anchor else url


def _posted(request):
    """The posted data (an empty POST too, so a missing tick shows its error)."""
    return request.POST if request.method == "POST" else None


def _refused(request, error):
    messages.error(request, _("Nothing was changed: %(message)s") % {"message": error.message})


# --- my seats ---------------------------------------------------------------------------------------------


class Step:
    DECLARE = "declare"
    QUALIFICATION = "qualification"
    SCORE = "score"
    GENERATE = "generate"
    CONFIRM = "confirm"
    DONE = "done"
    WITHDREW = "withdrew"


def _count(queryset):
    """A correlated COUNT(*) of ``queryset`` (for an annotation)."""
    counted = queryset.order_by().annotate(_group=Value(1)).values("_group").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _seats(user):
    """The user's seats, newest first, with what each needs from him (a
    fixed number of queries, however many seats)."""
    project = OuterRef("committee__project_id")
    current = EvaluationReport.objects.filter(project=project, superseded_at__isnull=True)
    return (
        CommitteeMember.objects.filter(evaluator__user=user)
        .select_related("committee__project")
        .annotate(
            qualified_count=_count(Bid.objects.filter(project=project, state__in=bid_selectors.SCORED_STATES)),
            submitted_count=_count(
                ScoreSheet.objects.filter(
                    member=OuterRef("pk"), state=SUBMITTED, bid__state__in=bid_selectors.SCORED_STATES
                )
            ),
            has_report=Exists(current),
            has_confirmed=Exists(
                ReportConfirmation.objects.filter(
                    member=OuterRef("pk"), report__project=project, report__superseded_at__isnull=True
                )
            ),
        )
        .order_by("-joined_at", "-pk")
    )


def next_step(member):
    """What is asked of the member now (from the ``_seats`` annotations)."""
    project = member.committee.project
    if not member.active:
        return Step.WITHDREW
    if project.state != Project.State.EVALUATING:
        return Step.DONE
    if member.declared_at is None:
        return Step.DECLARE
    if member.committee.qualification_done_at is None:
        return Step.QUALIFICATION
    if member.submitted_count < member.qualified_count:
        return Step.SCORE
    if not member.has_report:
        return Step.GENERATE if member.is_chair else Step.DONE
    if not member.has_confirmed:
        return Step.CONFIRM
    return Step.DONE


def _step_text(member, step):
    if step == Step.SCORE:
        return _("Score the bids: %(done)s of %(total)s submitted") % {
            "done": member.submitted_count,
            "total": member.qualified_count,
        }
    return {
        Step.DECLARE: _("Declare your interests"),
        Step.QUALIFICATION: _("Wait for the qualification review"),
        Step.GENERATE: _("Follow the committee's progress; generate the report once every sheet is in"),
        Step.CONFIRM: _("Confirm the evaluation report"),
        Step.DONE: _("Nothing to do"),
        Step.WITHDREW: _("You withdrew (conflict of interest)"),
    }[step]


@never_cache
@evaluator_required
def index(request):
    page = Paginator(_seats(request.user), PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for member in page:
        step = next_step(member)
        rows.append(
            {"member": member, "project": member.committee.project, "step": step, "step_text": _step_text(member, step)}
        )
    return render(request, "marketplace/evaluation/index.html", {"page_obj": page, "rows": rows})


# --- one project --------------------------------------------------------------------------------------------


def _chair_context(request, project, member, bound):
    """The chair's view: what is missing, the sheets' states, the flagged
    scores (their content only once the chair submitted on that bid), the
    reopen and report forms."""
    state = evaluation.progress(project)
    report = evaluation.current_report(project)
    evaluating = project.state == Project.State.EVALUATING
    rows = []
    for seat in state.serving:
        cells = []
        for bid in state.qualified:
            sheet = state.sheets.get((seat.pk, bid.pk))
            form = None
            if evaluating and sheet is not None and sheet.state == SUBMITTED:
                form = bound.get(("reopen", sheet.pk)) or forms.ReopenForm(prefix=f"reopen-{sheet.pk}")
            cells.append({"bid": bid, "sheet": sheet, "reopen_form": form})
        rows.append({"member": seat, "cells": cells})
    flagged = _flagged(member, state, bound, evaluating)
    generate_form = None
    if evaluating and report is None and (state.ready or "generate" in bound):
        generate_form = bound.get("generate") or forms.GenerateReportForm(prefix="generate")
    return {
        "progress": state,
        "sheet_rows": rows,
        "flagged": flagged,
        "generate_form": generate_form,
    }


def _flagged(member, state, bound, evaluating, *, only_chair=False):
    """Flagged sheets with their scores (shown only to a member who has
    submitted on that bid) and, where ``member`` may confirm them, a form."""
    flagged = []
    visible = {}
    flagged_sheets = [s for s in state.sheets.values() if s.flagged and s.state == SUBMITTED]
    if only_chair:
        flagged_sheets = [s for s in flagged_sheets if s.member.is_chair]
    scores = {}
    if flagged_sheets:
        for sheet in ScoreSheet.objects.filter(pk__in=[s.pk for s in flagged_sheets]).prefetch_related(
            "scores__criterion"
        ):
            scores[sheet.pk] = list(sheet.scores.all())
    bids = {bid.pk: bid for bid in state.qualified}
    for sheet in sorted(flagged_sheets, key=lambda s: (s.bid_id, s.member_id)):
        if sheet.bid_id not in visible:
            visible[sheet.bid_id] = evaluation.member_sheets_visible(member, bids[sheet.bid_id])
        form = None
        if evaluating and sheet.flag_confirmed_at is None and evaluation.may_confirm_deviation(member, sheet):
            form = bound.get(("deviation", sheet.pk)) or forms.DeviationForm(prefix=f"deviation-{sheet.pk}")
        flagged.append(
            {
                "sheet": sheet,
                "bid": bids[sheet.bid_id],
                "visible": visible[sheet.bid_id],
                "scores": scores.get(sheet.pk, []) if visible[sheet.bid_id] else [],
                "form": form,
            }
        )
    return flagged


def _report_context(request, project, member, bound):
    report = evaluation.current_report(project)
    if report is None:
        return {"report": None, "earlier_reports": _earlier_reports(project)}
    confirmations = list(report.confirmations.select_related("member__evaluator").order_by("confirmed_at", "pk"))
    confirmed = any(c.member_id == member.pk for c in confirmations)
    form = None
    if not confirmed and project.state == Project.State.EVALUATING:
        form = bound.get("confirm_report") or forms.ConfirmReportForm(prefix="confirm-report")
    return {
        "report": report,
        "confirmations": confirmations,
        "serving_count": len(committee_services.active_members(member.committee)),
        "i_confirmed": confirmed,
        "confirm_report_form": form,
        "earlier_reports": _earlier_reports(project, exclude=report),
    }


def _earlier_reports(project, exclude=None):
    reports = EvaluationReport.objects.filter(project=project).order_by("-number")
    if exclude is not None:
        reports = reports.exclude(pk=exclude.pk)
    return list(reports)


def _project_context(request, project, member, bound=None):
    bound = bound or {}
    committee = member.committee
    context = {"project": project, "member": member, "committee": committee}
    if not member.active:
        return context
    if member.declared_at is None:
        bids = committee_services.bidders_to_declare(project)
        context["declaration_form"] = bound.get("declare") or forms.DeclarationForm(bids=bids)
        context["can_declare"] = project.state == Project.State.EVALUATING
        return context
    context["qualification_done"] = committee.qualification_done_at is not None
    if context["qualification_done"]:
        bids = list(bid_selectors.scored_bids(request.user, project).select_related("organization", "current_version"))
        sheets = {s.bid_id: s for s in ScoreSheet.objects.filter(member=member, bid__in=[b.pk for b in bids])}
        context["bid_rows"] = [{"bid": bid, "sheet": sheets.get(bid.pk)} for bid in bids]
        context["submitted_count"] = sum(1 for s in sheets.values() if s.state == SUBMITTED)
    if member.is_chair:
        context.update(_chair_context(request, project, member, bound))
    elif context["qualification_done"]:
        # The chair's own deviating score is confirmed by another member.
        evaluating = project.state == Project.State.EVALUATING
        context["flagged"] = _flagged(member, evaluation.progress(project), bound, evaluating, only_chair=True)
    context.update(_report_context(request, project, member, bound))
    return context


def _render_project(request, project, member, bound=None):
    return render(
        request,
        "marketplace/evaluation/project.html",
        _project_context(request, project, member, bound),
    )


@never_cache
@evaluator_required
def project(request, ref):
    project, member = _seat(request, ref)
    return _render_project(request, project, member)


@never_cache
@evaluator_required
@reauth_required
def declare(request, ref):
    project, member = _seat(request, ref)
    if request.method != "POST" or not member.active or member.declared_at is not None:
        return redirect(_project_url(project))
    form = forms.DeclarationForm(request.POST, bids=committee_services.bidders_to_declare(project))
    if form.is_valid():
        try:
            declared = committee_services.declare(project, by=request.user, answers=form.answers())
        except ProjectError as error:
            form.add_service_error(error)
            _refused(request, error)
        else:
            if declared.active:
                messages.success(request, _("Your declaration is recorded. You can now read and score the bids."))
            else:
                messages.success(
                    request,
                    _(
                        "Your declaration is recorded. Because you declared a relationship, you have withdrawn "
                        "from this committee and a replacement is drawn."
                    ),
                )
            return redirect(_project_url(project))
    else:
        messages.error(request, _("Nothing was recorded: correct the declaration below."))
    return _render_project(request, project, member, {"declare": form})


# --- one bid ----------------------------------------------------------------------------------------------------


def _sheet_rows(sheet, criteria):
    by_criterion = {score.criterion_id: score for score in sheet.scores.all()}
    return [(criterion, by_criterion.get(criterion.pk)) for criterion in criteria]


def _bid_context(request, project, member, bid, version, form=None):
    criteria = evaluation.score_criteria(project)
    responses = version.responses if isinstance(version.responses, dict) else {}
    documents = list(bid_selectors.documents_for(request.user, bid).filter(versions=version).order_by("pk"))
    sheet = ScoreSheet.objects.filter(member=member, bid=bid).prefetch_related("scores").first()
    submitted = sheet is not None and sheet.state == SUBMITTED
    scorable = project.state == Project.State.EVALUATING and not submitted
    others = []
    visible = submitted and evaluation.member_sheets_visible(member, bid)
    if visible:
        for other in (
            ScoreSheet.objects.filter(
                bid=bid,
                state=SUBMITTED,
                member__committee=member.committee,
                member__status=CommitteeMember.Status.ACTIVE,
            )
            .exclude(member=member)
            .select_related("member__evaluator")
            .prefetch_related("scores")
            .order_by("member__joined_at", "member__pk")
        ):
            others.append({"sheet": other, "rows": _sheet_rows(other, criteria)})
    if scorable and form is None:
        form = forms.ScoreForm(initial=forms.ScoreForm.initial_for(sheet), criteria=criteria)
    reopen_reason = ""
    if sheet is not None and sheet.reopened_count and not submitted:
        last = (
            AuditEvent.objects.filter(object_type="marketplace.scoresheet", object_id=str(sheet.pk))
            .filter(action__in=("scoresheet.reopen",))
            .order_by("-pk")
            .first()
        )
        reopen_reason = last.reason if last else ""
    return {
        "reopen_reason": reopen_reason,
        "project": project,
        "member": member,
        "bid": bid,
        "version": version,
        "responses": [(criterion, responses.get(str(criterion.pk), "")) for criterion in criteria],
        "documents": documents,
        "sheet": sheet,
        "submitted": submitted,
        "my_rows": _sheet_rows(sheet, criteria) if submitted else [],
        "score_form": form if scorable else None,
        "others_visible": visible,
        "others": others,
    }


@never_cache
@evaluator_required
def bid(request, ref, bid_pk):
    project, member = _reader(request, ref)
    bid, version = _scored_bid(request, project, bid_pk)
    if request.method != "POST":
        return render(request, "marketplace/evaluation/bid.html", _bid_context(request, project, member, bid, version))
    form = forms.ScoreForm(request.POST, criteria=evaluation.score_criteria(project))
    if form.is_valid():
        submit = form.submitting
        try:
            evaluation.save_scores(project, bid, by=request.user, values=form.values(), submit=submit)
        except ProjectError as error:
            form.add_service_error(error)
            _refused(request, error)
        else:
            if submit:
                messages.success(request, _("Your score sheet is submitted and locked."))
            else:
                messages.success(request, _("Draft saved. Nobody else can see it."))
            return redirect(_bid_url(project, bid, "scores"))
    else:
        messages.error(request, _("Nothing was changed: correct the form below."))
    return render(
        request, "marketplace/evaluation/bid.html", _bid_context(request, project, member, bid, version, form=form)
    )


@never_cache
@evaluator_required
def bid_document(request, ref, bid_pk, doc_pk):
    project, member = _reader(request, ref)
    bid, version = _scored_bid(request, project, bid_pk)
    found = bid_selectors.documents_for(request.user, bid).filter(versions=version, pk=doc_pk).first()
    if found is None:
        raise Http404
    # Bid documents are always PDF (sniffed).  A plain str: WSGI servers refuse str subclasses in headers.
    found.content_type = "application/pdf"
    return document_services.file_response(found)


# --- the chair's actions --------------------------------------------------------------------------------------------


def _committee_sheet(project, sheet_pk):
    sheet = (
        ScoreSheet.objects.filter(pk=sheet_pk, member__committee__project=project)
        .select_related("bid__project", "member")
        .first()
    )
    if sheet is None:
        raise Http404
    return sheet


def _chair_action(request, ref, sheet_pk, *, kind, form_class, call, success, anchor):
    project, member = _seat(request, ref)
    sheet = _committee_sheet(project, sheet_pk)
    if request.method != "POST":
        return redirect(_project_url(project, anchor))
    form = form_class(request.POST, prefix=f"{kind}-{sheet.pk}")
    if form.is_valid():
        try:
            call(sheet, form)
        except ProjectError as error:
            form.add_service_error(error)
            _refused(request, error)
        else:
            messages.success(request, success)
            return redirect(_project_url(project, anchor))
    else:
        messages.error(request, _("Nothing was changed: correct the form below."))
    return _render_project(request, project, member, {(kind, sheet.pk): form})


@never_cache
@evaluator_required
def reopen(request, ref, sheet_pk):
    def call(sheet, form):
        evaluation.reopen_sheet(sheet, by=request.user, reason=form.cleaned_data["reason"])

    return _chair_action(
        request,
        ref,
        sheet_pk,
        kind="reopen",
        form_class=forms.ReopenForm,
        call=call,
        success=_("The score sheet was reopened; the member was told why."),
        anchor="sheets",
    )


@never_cache
@evaluator_required
def confirm_deviation(request, ref, sheet_pk):
    def call(sheet, form):
        evaluation.confirm_deviation(sheet, by=request.user, note=form.cleaned_data["note"])

    return _chair_action(
        request,
        ref,
        sheet_pk,
        kind="deviation",
        form_class=forms.DeviationForm,
        call=call,
        success=_("The deviating score is confirmed."),
        anchor="deviations",
    )


@never_cache
@evaluator_required
def generate_report(request, ref):
    project, member = _seat(request, ref)
    if request.method != "POST":
        return redirect(_project_url(project, "report"))
    form = forms.GenerateReportForm(_posted(request), prefix="generate")
    if form.is_valid():
        try:
            evaluation.generate_report(project, by=request.user)
        except ProjectError as error:
            form.add_service_error(error)
            _refused(request, error)
        else:
            messages.success(request, _("The evaluation report was generated. Every member now confirms it."))
            return redirect(_project_url(project, "report"))
    else:
        messages.error(request, _("Nothing was changed: correct the form below."))
    return _render_project(request, project, member, {"generate": form})


@never_cache
@evaluator_required
@reauth_required(reentry_field="confirm-report-password")
def confirm_report(request, ref):
    project, member = _seat(request, ref)
    if request.method != "POST":
        return redirect(_project_url(project, "report"))
    report = evaluation.current_report(project)
    if report is None or not member.may_read_bids:
        raise Http404
    form = forms.ConfirmReportForm(_posted(request), prefix="confirm-report")
    if form.is_valid():
        try:
            evaluation.confirm_report(
                report, by=request.user, password=form.cleaned_data["password"], request=request
            )
        except ProjectError as error:
            form.add_service_error(error)
            _refused(request, error)
        else:
            messages.success(request, _("Your confirmation of the evaluation report is recorded."))
            return redirect(_project_url(project, "report"))
    else:
        messages.error(request, _("Nothing was changed: correct the form below."))
    return _render_project(request, project, member, {"confirm_report": form})


@never_cache
@evaluator_required
def report_pdf(request, ref, number):
    project, member = _reader(request, ref)
    report = EvaluationReport.objects.filter(project=project, number=number).first()
    if report is None or not report.pdf:
        raise Http404
    return _pdf_response(report.pdf, f"{project.ref}-评审报告-{report.number}.pdf")


__all__ = [
    "bid",
    "bid_document",
    "confirm_deviation",
    "confirm_report",
    "declare",
    "generate_report",
    "index",
    "project",
    "reopen",
    "report_pdf",
]
