"""The evaluators' bid pages and steps (/evaluate/<ref>/…): reading and
scoring one qualified bid, the chair's actions on the sheets (reopen,
confirm a deviating score), generating and confirming the report.  The
workspace's own pages (my seats, the project page, the declaration) and the
access rules are ``marketplace.evaluation.views.workspace``.

A member reads a bid only after declaring no relationship with any bidder,
through ``marketplace.procurement.selectors.bids`` (``scored_bids``); the
other members' scores on a bid only after submitting his own.  Every change
goes through ``marketplace.evaluation.services.scoring``; a refusal comes back
as a ``DomainError`` shown on its field, and nothing changes.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from marketplace.core.actions import run_action
from marketplace.core.errors import DomainError
from marketplace.core.reauth import reauth_required
from marketplace.evaluation import permissions
from marketplace.evaluation import selectors as evaluation_selectors
from marketplace.evaluation import workspace_selectors as selectors
from marketplace.evaluation.forms import scoring as forms
from marketplace.evaluation.services import scoring as evaluation
from marketplace.evaluation.views.workspace import (
    evaluator_required,
    project_url,
    reader,
    render_project,
    seat,
)
from marketplace.organizations.services import documents as document_services
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.views.projects import pdf_response

SUBMITTED = selectors.SUBMITTED


def _scored_bid(request, project, bid_pk):
    """A qualified bid this member may read, with the version that counts; 404 otherwise."""
    bid = bid_selectors.scored_bids(request.user, project).select_related("organization").filter(pk=bid_pk).first()
    if bid is None:
        raise Http404
    version = bid_selectors.versions_for(request.user, bid).filter(pk=bid.current_version_id).first()
    if version is None:
        raise Http404
    return bid, version


def _bid_url(project, bid, anchor=""):
    url = reverse("evaluate:bid", args=[project.ref, bid.pk])
    return f"{url}#{anchor}" if anchor else url


def _posted(request):
    """The posted data (an empty POST too, so a missing tick shows its error)."""
    return request.POST if request.method == "POST" else None


# --- one bid ----------------------------------------------------------------------------------------------------


def _sheet_rows(sheet, criteria):
    by_criterion = {score.criterion_id: score for score in sheet.scores.all()}
    return [(criterion, by_criterion.get(criterion.pk)) for criterion in criteria]


def _others(member, bid, criteria):
    return [{"sheet": other, "rows": _sheet_rows(other, criteria)} for other in selectors.others_sheets(member, bid)]


def _bid_context(request, project, member, bid, version, form=None):
    criteria = evaluation.score_criteria(project)
    responses = version.responses if isinstance(version.responses, dict) else {}
    documents = list(bid_selectors.documents_for(request.user, bid).filter(versions=version).order_by("pk"))
    sheet = selectors.sheet_of(member, bid)
    submitted = sheet is not None and sheet.state == SUBMITTED
    scorable = not submitted and bool(permissions.can_score(request.user, project))
    visible = submitted and permissions.member_sheets_visible(member, bid)
    if scorable and form is None:
        form = forms.ScoreForm(initial=forms.ScoreForm.initial_for(sheet), criteria=criteria)
    reopened = sheet is not None and sheet.reopened_count and not submitted
    return {
        "reopen_reason": selectors.last_reopen_reason(sheet) if reopened else "",
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
        "others": _others(member, bid, criteria) if visible else [],
    }


def _render_bid(request, project, member, bid, version, form=None):
    return render(
        request, "marketplace/evaluation/bid.html", _bid_context(request, project, member, bid, version, form=form)
    )


@never_cache
@evaluator_required
def bid(request, ref, bid_pk):
    project, member = reader(request, ref)
    bid, version = _scored_bid(request, project, bid_pk)
    if request.method != "POST":
        return _render_bid(request, project, member, bid, version)
    form = forms.ScoreForm(request.POST, criteria=evaluation.score_criteria(project))
    if not form.is_valid():  # the sheet's own box says what to correct: one message, not three
        return _render_bid(request, project, member, bid, version, form)
    submit = form.submitting
    try:
        evaluation.save_scores(project, bid, by=request.user, values=form.values(), submit=submit)
    except DomainError as error:
        form.add_service_error(error)
        return _render_bid(request, project, member, bid, version, form)
    if submit:
        messages.success(request, _("Your score sheet is submitted and locked."))
    else:
        messages.success(request, _("Draft saved. Nobody else can see it."))
    return redirect(_bid_url(project, bid, "scores"))


@never_cache
@evaluator_required
def bid_document(request, ref, bid_pk, doc_pk):
    project, member = reader(request, ref)
    bid, version = _scored_bid(request, project, bid_pk)
    found = bid_selectors.documents_for(request.user, bid).filter(versions=version, pk=doc_pk).first()
    if found is None:
        raise Http404
    # Bid documents are always PDF (sniffed).  A plain str: WSGI servers refuse str subclasses in headers.
    found.content_type = "application/pdf"
    return document_services.file_response(found)


# --- the chair's actions --------------------------------------------------------------------------------------------


def _project_action(request, project, member, name, form, call, *, success, anchor):
    """One action of the project page (``run_action``): on success back to
    the page; on a refusal the page again with the form's errors."""
    return run_action(
        request,
        form,
        call,
        success=success,
        done=project_url(project, anchor),
        again=lambda form: render_project(request, project, member, {name: form}),
    )


def _chair_action(request, ref, sheet_pk, *, kind, form_class, call, success, anchor):
    project, member = seat(request, ref)
    sheet = selectors.committee_sheet(project, sheet_pk)
    if sheet is None:
        raise Http404
    if request.method != "POST":
        return redirect(project_url(project, anchor))
    form = form_class(request.POST, prefix=f"{kind}-{sheet.pk}")
    return _project_action(
        request, project, member, (kind, sheet.pk), form, lambda form: call(sheet, form), success=success, anchor=anchor
    )


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


# --- the report -------------------------------------------------------------------------------------------------


@never_cache
@evaluator_required
def generate_report(request, ref):
    project, member = seat(request, ref)
    if request.method != "POST":
        return redirect(project_url(project, "report"))
    return _project_action(
        request,
        project,
        member,
        "generate",
        forms.GenerateReportForm(_posted(request), prefix="generate"),
        lambda form: evaluation.generate_report(project, by=request.user),
        success=_("The evaluation report was generated. Every member now confirms it."),
        anchor="report",
    )


@never_cache
@evaluator_required
@reauth_required(reentry_field="confirm-report-password")
def confirm_report(request, ref):
    project, member = seat(request, ref)
    if request.method != "POST":
        return redirect(project_url(project, "report"))
    report = evaluation.current_report(project)
    if report is None or not member.may_read_bids:
        raise Http404

    def call(form):
        evaluation.confirm_report(report, by=request.user, password=form.cleaned_data["password"], request=request)

    return _project_action(
        request,
        project,
        member,
        "confirm_report",
        forms.ConfirmReportForm(_posted(request), prefix="confirm-report"),
        call,
        success=_("Your confirmation of the evaluation report is recorded."),
        anchor="report",
    )


@never_cache
@evaluator_required
def report_pdf(request, ref, number):
    project, member = reader(request, ref)
    report = evaluation_selectors.report_by_number(project, number)
    if report is None or not report.pdf:
        raise Http404
    return pdf_response(report.pdf, f"{project.ref}-评审报告-{report.number}.pdf")


__all__ = ["bid", "bid_document", "confirm_deviation", "confirm_report", "generate_report", "reopen", "report_pdf"]
