"""Who may award, record a decline or a disqualification, make the
contract, and file, answer and decide a challenge."""

from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.permissions import active
from marketplace.evaluation.permissions.base import (
    Refusal,
    _allowed_unless,
    _evaluating,
    _first,
    _officer,
    _state,
    _when,
    current_report,
    live_award,
)
from marketplace.procurement.models.projects import Project

# --- the award ----------------------------------------------------------------------------------------------


def confirmed_report(project):
    """The current report when every member confirmed it, else None."""
    report = current_report(project)
    return report if report is not None and report.confirmed_at is not None else None


def _report_confirmed(project):
    if confirmed_report(project) is None:
        return Refusal(
            _("The evaluation report must be confirmed by every member before the award."), "report_unconfirmed"
        )
    return None


def can_award(user, project):
    """THE rule of who may award ``project`` now: a procurement officer,
    during the evaluation, on the report every member confirmed, while a
    ranked bid is still available (which one: ``EvaluationReport.next_in_line``)."""
    return _first(
        lambda: _officer(user),
        lambda: _state(
            project.award,
            _("This project cannot be awarded now (it is %(state)s).") % {"state": project.get_state_display()},
            "not_evaluating",
        ),
        lambda: _report_confirmed(project),
        lambda: (
            Refusal(_("No ranked bid is left to award: cancel or re-tender the project."), "none_left")
            if confirmed_report(project).next_in_line()[1] is None
            else None
        ),
    )


def can_record_decline(user, bid):
    """Before the award any qualified ranked bid that has not declined may
    decline; after it, only the awarded one (before the contract)."""
    project = bid.project

    def before_award():
        if project.state == Project.State.AWARDED:
            live = live_award(project)
            if live is None or live.bid_id != bid.pk:
                return Refusal(_("After the award only the awarded organization can decline."), "not_winner")
            return None
        refused = _report_confirmed(project)
        if refused is None and (bid.state != bid.State.QUALIFIED or bid.declined_at is not None):
            refused = Refusal(_("Only a qualified bid that has not declined can decline."), "not_available")
        return refused

    return _first(
        lambda: _officer(user),
        lambda: (
            Refusal(_("A decline is recorded before the contract is made."), "not_evaluating")
            if project.state not in (Project.State.EVALUATING, Project.State.AWARDED)
            else None
        ),
        before_award,
    )


def can_disqualify_ranked(user, bid):
    project = bid.project
    return _first(
        lambda: _officer(user),
        lambda: _evaluating(project, _("A bid can be disqualified before the award only.")),
        lambda: _report_confirmed(project),
        lambda: (
            Refusal(_("Only a qualified bid can be disqualified."), "not_qualified")
            if bid.state != bid.State.QUALIFIED
            else None
        ),
    )


def can_mark_contracted(user, project):
    """The contract is made only after the challenge period, with no open
    challenge (``Project.contract``'s condition asks the evaluation rule
    handed in at start-up)."""
    blocked = None

    def not_blocked():
        nonlocal blocked
        blocked = project.contract_blocked_reason()
        return Refusal(blocked, "contract_blocked") if blocked else None

    return _first(
        lambda: _officer(user),
        lambda: (
            Refusal(_("Only an awarded project can be contracted."), "not_awarded")
            if project.state != Project.State.AWARDED
            else None
        ),
        not_blocked,
    )


# --- challenges ------------------------------------------------------------------------------------------------


def challengeable(project, bid):
    """May this bid's organization challenge the live award now?  Returns
    (award, refusal or None)."""
    live = live_award(project)
    if project.state != Project.State.AWARDED or live is None:
        return None, Refusal(_("There is no published result to challenge."), "no_result")
    if bid.pk == live.bid_id:
        return live, Refusal(_("The awarded organization cannot challenge its own award."), "own_award")
    if bid.state not in (bid.State.NOT_AWARDED, bid.State.DISQUALIFIED):
        return live, Refusal(_("Only unsuccessful bidders may challenge."), "not_unsuccessful")
    if timezone.now() > live.challenge_deadline:
        return live, Refusal(
            _("The challenge period ended on %(deadline)s.") % {"deadline": _when(live.challenge_deadline)},
            "period_over",
        )
    if live.challenges.filter(organization_id=bid.organization_id).exists():
        return live, Refusal(_("Your organization has already filed a challenge against this result."), "already_filed")
    return live, None


def can_file_challenge(user, bid):
    """A member of the bidding organization, while its bid may challenge."""
    if not active(user) or not bid.organization.memberships.filter(user=user).exists():
        return Refusal(_("Only members of this organization may do this."), "not_member")
    return _allowed_unless(challengeable(bid.project, bid)[1])


def can_answer_challenge(user, challenge):
    return _first(
        lambda: _officer(user),
        lambda: _state(challenge.mark_answered, _("This challenge has already been answered."), "answered"),
    )


def can_decide_challenge(user, challenge):
    return _first(
        lambda: _officer(user),
        lambda: _state(challenge.dismiss, _("Answer the challenge before deciding on it."), "not_answered"),
    )
