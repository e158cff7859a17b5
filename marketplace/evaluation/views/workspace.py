"""The evaluators' workspace (/evaluate/): my seats, one project's page
(declaration, my bids, the chair's overview, the report) and the
declaration; the bid pages, the chair's actions and the report's steps are
``marketplace.evaluation.views.scoring``.

Access: signed in with ``marketplace.evaluate`` (anonymous users go to the
sign-in page, everybody else gets 403).  Every page under /evaluate/<ref>/
needs a seat on that project's committee: without one it is 404 (nothing
says whether the project has a committee or who sits on it).

A member reads bids only after declaring no relationship with any bidder
(回避), and only the qualified ones, through ``marketplace.procurement.selectors.bids``
(``scored_bids``); the other members' scores on a bid only after submitting
his own (``permissions.member_sheets_visible``).  Every change goes through
``marketplace.evaluation.services.committee`` / ``.scoring``; which forms
show is ``marketplace.evaluation.permissions`` (the rules the services
apply); a refusal comes back as a ``DomainError`` shown on its field, and
nothing changes.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from marketplace.core import extensions
from marketplace.core.decorators import user_passes
from marketplace.core.errors import DomainError
from marketplace.core.params import has_control_characters
from marketplace.core.reauth import reauth_required
from marketplace.evaluation import permissions
from marketplace.evaluation import workspace_selectors as selectors
from marketplace.evaluation.forms import scoring as forms
from marketplace.evaluation.services import committee as committee_services
from marketplace.evaluation.services import scoring as evaluation
from marketplace.procurement.models.projects import Project
from marketplace.procurement.selectors import bids as bid_selectors

PER_PAGE = 20
SUBMITTED = selectors.SUBMITTED


# --- access -----------------------------------------------------------------------------------------


def evaluator_required(view):
    """Evaluators only (``permissions.is_evaluator``): anonymous users go to
    the sign-in page, everybody else gets 403.  A crash report (e-mailed to
    ADMINS) carries no scores or reasons.  Pages with bid content add
    ``never_cache``."""
    return user_passes(permissions.is_evaluator)(sensitive_post_parameters()(view))


def seat(request, ref):
    """The project and the user's seat on its committee (serving or
    withdrawn); 404 without one."""
    if has_control_characters(ref):
        raise Http404
    member = selectors.seat_for(request.user, ref)
    if member is None:
        raise Http404
    return member.committee.project, member


def reader(request, ref):
    """A serving member who declared no relationship (may read the bids); 404 otherwise."""
    project, member = seat(request, ref)
    if not member.may_read_bids:
        raise Http404
    return project, member


def project_url(project, anchor=""):
    url = reverse("evaluate:project", args=[project.ref])
    return f"{url}#{anchor}" if anchor else url


def refused(request, error):
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


def next_step(member):
    """What is asked of the member now (from the ``seats_of`` annotations)."""
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
    page = Paginator(selectors.seats_of(request.user), PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for member in page:
        step = next_step(member)
        rows.append(
            {"member": member, "project": member.committee.project, "step": step, "step_text": _step_text(member, step)}
        )
    return render(
        request,
        "marketplace/evaluation/index.html",
        {"page_obj": page, "rows": rows, "extension_panels": extensions.panels("evaluator_workspace", request.user)},
    )


# --- one project --------------------------------------------------------------------------------------------


def _chair_context(request, project, member, bound):
    """The chair's view: what is missing, the sheets' states, the flagged
    scores (their content only once the chair submitted on that bid), the
    reopen and report forms."""
    state = evaluation.progress(project)
    # can_reopen_sheet depends on the user, the project and the sheet's state
    # only: asked once per state, not once per cell.
    may_reopen = {}

    def reopenable(sheet):
        sheet.member.committee = member.committee
        if sheet.state not in may_reopen:
            may_reopen[sheet.state] = bool(permissions.can_reopen_sheet(request.user, sheet))
        return may_reopen[sheet.state]

    rows = []
    for serving in state.serving:
        cells = []
        for bid in state.qualified:
            sheet = state.sheets.get((serving.pk, bid.pk))
            form = None
            if sheet is not None and reopenable(sheet):
                form = bound.get(("reopen", sheet.pk)) or forms.ReopenForm(prefix=f"reopen-{sheet.pk}")
            cells.append({"bid": bid, "sheet": sheet, "reopen_form": form})
        rows.append({"member": serving, "cells": cells})
    generate_form = None
    if permissions.can_generate_report(request.user, project) and (state.ready or "generate" in bound):
        generate_form = bound.get("generate") or forms.GenerateReportForm(prefix="generate")
    return {
        "progress": state,
        "sheet_rows": rows,
        "flagged": flagged_rows(request.user, member, state, bound),
        "generate_form": generate_form,
    }


def flagged_rows(user, member, state, bound, *, only_chair=False):
    """Flagged sheets with their scores (shown only to a member who has
    submitted on that bid) and, where ``user`` may confirm them, a form."""
    flagged_sheets = [s for s in state.sheets.values() if s.flagged and s.state == SUBMITTED]
    if only_chair:
        flagged_sheets = [s for s in flagged_sheets if s.member.is_chair]
    scores = selectors.sheet_scores(flagged_sheets)
    bids = {bid.pk: bid for bid in state.qualified}
    visible = {}
    flagged = []
    for sheet in sorted(flagged_sheets, key=lambda s: (s.bid_id, s.member_id)):
        if sheet.bid_id not in visible:
            visible[sheet.bid_id] = permissions.member_sheets_visible(member, bids[sheet.bid_id])
        form = None
        sheet.member.committee = member.committee
        if sheet.flag_confirmed_at is None and permissions.can_confirm_deviation(user, sheet):
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
        return {"report": None, "earlier_reports": selectors.earlier_reports(project)}
    confirmations = list(report.confirmations.select_related("member__evaluator").order_by("confirmed_at", "pk"))
    form = None
    if permissions.can_confirm_report(request.user, report):
        form = bound.get("confirm_report") or forms.ConfirmReportForm(prefix="confirm-report")
    return {
        "report": report,
        "confirmations": confirmations,
        "serving_count": len(committee_services.active_members(member.committee)),
        "i_confirmed": any(c.member_id == member.pk for c in confirmations),
        "confirm_report_form": form,
        "earlier_reports": selectors.earlier_reports(project, exclude=report),
    }


def _project_context(request, project, member, bound=None):
    bound = bound or {}
    committee = member.committee
    context = {"project": project, "member": member, "committee": committee}
    if not member.active:
        return context
    if member.declared_at is None:
        bids = committee_services.bidders_to_declare(project)
        context["declaration_form"] = bound.get("declare") or forms.DeclarationForm(bids=bids)
        context["can_declare"] = bool(permissions.can_declare(request.user, project))
        return context
    context["qualification_done"] = committee.qualification_done_at is not None
    if context["qualification_done"]:
        bids = list(bid_selectors.scored_bids(request.user, project).select_related("organization", "current_version"))
        sheets = selectors.member_sheets(member, bids)
        context["bid_rows"] = [{"bid": bid, "sheet": sheets.get(bid.pk)} for bid in bids]
        context["submitted_count"] = sum(1 for s in sheets.values() if s.state == SUBMITTED)
    if member.is_chair:
        context.update(_chair_context(request, project, member, bound))
    elif context["qualification_done"]:
        # The chair's own deviating score is confirmed by another member.
        state = evaluation.progress(project)
        context["flagged"] = flagged_rows(request.user, member, state, bound, only_chair=True)
    context.update(_report_context(request, project, member, bound))
    return context


def render_project(request, project, member, bound=None):
    return render(request, "marketplace/evaluation/project.html", _project_context(request, project, member, bound))


@never_cache
@evaluator_required
def project(request, ref):
    project, member = seat(request, ref)
    return render_project(request, project, member)


@never_cache
@evaluator_required
@reauth_required
def declare(request, ref):
    project, member = seat(request, ref)
    if request.method != "POST" or not member.active or member.declared_at is not None:
        return redirect(project_url(project))
    form = forms.DeclarationForm(request.POST, bids=committee_services.bidders_to_declare(project))
    if not form.is_valid():
        messages.error(request, _("Nothing was recorded: correct the declaration below."))
        return render_project(request, project, member, {"declare": form})
    try:
        declared = committee_services.declare(project, by=request.user, answers=form.answers())
    except DomainError as error:
        form.add_service_error(error)
        refused(request, error)
        return render_project(request, project, member, {"declare": form})
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
    return redirect(project_url(project))
