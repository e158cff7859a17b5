"""Who may form and manage the committee, declare, review the
qualification, score, act on the sheets and make the report."""

from django.utils.translation import gettext as _

from marketplace.evaluation.permissions.base import (
    Refusal,
    _chair,
    _evaluating,
    _first,
    _has_committee,
    _officer,
    _serving,
    _state,
    committee_of,
    current_report,
)
from marketplace.procurement.models.projects import Project

# --- the committee ---------------------------------------------------------------------------------


def can_form_committee(user, project):
    return _first(
        lambda: _officer(user),
        lambda: _state(
            project.start_evaluation,
            _("A committee is formed after the opening, once, for a project whose bids count."),
            "not_closed",
        ),
        lambda: (
            Refusal(_("This project already has a committee."), "committee_exists")
            if committee_of(project) is not None
            else None
        ),
    )


def can_appoint_member(user, project):
    """Fill a vacant seat by name, during the evaluation."""

    def vacant():
        committee = committee_of(project)
        if committee.members.filter(status="active").count() >= committee.size:
            return Refusal(_("The committee is complete."), "committee_complete")
        return None

    return _first(
        lambda: _officer(user),
        lambda: _has_committee(project),
        lambda: _evaluating(project, _("Members can be appointed only during the evaluation.")),
        vacant,
    )


def can_set_chair(user, project):
    return _first(
        lambda: _officer(user),
        lambda: _has_committee(project),
        lambda: _evaluating(project, _("The chair can change only during the evaluation.")),
    )


def can_declare(user, project):
    """A serving member declares once, during the evaluation."""
    member = None

    def serving():
        nonlocal member
        member, refused = _serving(user, project)
        return refused

    return _first(
        lambda: _has_committee(project),
        serving,
        lambda: _evaluating(project, _("Declarations are made during the evaluation.")),
        lambda: Refusal(_("You have already declared."), "already_declared") if member.declared_at else None,
    )


# --- qualification and scoring ----------------------------------------------------------------------


def can_review_qualification(user, project):
    return _first(
        lambda: _officer(user),
        lambda: _has_committee(project),
        lambda: _evaluating(project, _("The qualification review takes place during the evaluation.")),
        lambda: (
            Refusal(_("The evaluation report is out: the qualification review is closed."), "report_out")
            if current_report(project) is not None
            else None
        ),
    )


def can_score(user, project):
    """An evaluator serving on the committee who declared no conflict, once
    the qualification review is finished, during the evaluation."""
    member = None

    def serving():
        nonlocal member
        member, refused = _serving(user, project)
        return refused

    return _first(
        lambda: _has_committee(project),
        serving,
        lambda: _evaluating(project, _("Scoring takes place during the evaluation.")),
        lambda: (
            Refusal(_("Declare your interests before you read or score any bid."), "not_declared")
            if member.declared_at is None
            else None
        ),
        lambda: (
            Refusal(_("The qualification review is not finished yet."), "qualification_pending")
            if member.committee.qualification_done_at is None
            else None
        ),
    )


def can_reopen_sheet(user, sheet):
    """The chair reopens a submitted sheet of the committee, during the evaluation."""
    project = sheet.member.committee.project
    return _first(
        lambda: _chair(user, project)[1],
        lambda: _evaluating(project, _("Score sheets can be reopened only during the evaluation.")),
        lambda: _state(sheet.reopen, _("Only a submitted sheet can be reopened."), "not_submitted"),
    )


def may_confirm_deviation(member, sheet):
    """The chair confirms a flagged sheet; the chair's own flagged sheet is
    confirmed by another serving member.  Either way the confirming member
    has submitted his own sheet on that bid (and so may read this one)."""
    if member is None or not member.active or sheet.member_id == member.pk:
        return False
    if not (member.is_chair or sheet.member.is_chair):
        return False
    return member_sheets_visible(member, sheet.bid)


def member_sheets_visible(member, bid):
    """A member sees the others' scores on a bid only after submitting his own."""
    return member.sheets.filter(bid=bid, state="submitted").exists()


def can_confirm_deviation(user, sheet):
    project = sheet.member.committee.project
    member = None

    def serving():
        nonlocal member
        member, refused = _serving(user, project)
        return refused

    return _first(
        serving,
        lambda: _evaluating(project, _("Deviating scores are confirmed during the evaluation.")),
        lambda: (
            Refusal(_("Only a flagged, submitted sheet needs this confirmation."), "not_flagged")
            if not sheet.flagged or sheet.state != sheet.State.SUBMITTED
            else None
        ),
        lambda: (
            Refusal(
                _(
                    "The chair confirms a deviating score, after submitting his own sheet on the bid; the chair's "
                    "own deviating score is confirmed by another member."
                ),
                "not_confirmer",
            )
            if not may_confirm_deviation(member, sheet)
            else None
        ),
    )


# --- the report -----------------------------------------------------------------------------------------


def can_generate_report(user, project):
    """The chair, during the evaluation, when no current report exists (the
    service also asks that every sheet is in: ``scoring.progress``)."""
    return _first(
        lambda: _has_committee(project),
        lambda: _chair(user, project)[1],
        lambda: _evaluating(project, _("The report is generated during the evaluation.")),
        lambda: (
            Refusal(_("The report is already generated; reopen a score sheet to change it."), "report_exists")
            if current_report(project) is not None
            else None
        ),
    )


def can_confirm_report(user, report):
    """A serving member confirms the current report once."""
    project = report.project
    member = None

    def serving():
        nonlocal member
        member, refused = _serving(user, project)
        return refused

    return _first(
        serving,
        lambda: (
            Refusal(_("This report is no longer current."), "report_not_current")
            if report.superseded_at is not None or project.state != Project.State.EVALUATING
            else None
        ),
        lambda: (
            Refusal(_("You have already confirmed this report."), "already_confirmed")
            if report.confirmations.filter(member=member).exists()
            else None
        ),
    )
