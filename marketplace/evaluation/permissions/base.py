"""The building blocks of the evaluation rules: the refusal with its code,
who is who on a committee, and the actor rules the evaluation models use as
their transitions' ``permission``.  Reads only through the aggregates'
relations (the models import this package)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import fsm
from marketplace.core.permissions import ALLOWED, Decision, active, has, is_officer
from marketplace.procurement.models.projects import Project

EVALUATE_PERMISSION = "marketplace.evaluate"


class Refusal(Decision):
    """A refused ``Decision`` that also carries a stable ``code``."""

    def __new__(cls, reason, code):
        refusal = super().__new__(cls, False, reason)
        refusal.code = code
        return refusal


def require(decision, error_class, field=None):
    """Raise ``error_class(reason, field, code=…)`` when ``decision`` refuses."""
    if not decision:
        raise error_class(decision.reason, field, code=getattr(decision, "code", None))


def _state(bound_transition, message, code):
    """A refusal when the state machine refuses ``bound_transition`` (from
    this state or by a condition), else None."""
    refused = fsm.refusal(bound_transition, state_message=message)
    if refused is None:
        return None
    reason, fsm_code = refused
    return Refusal(reason, code if fsm_code == "state" else fsm_code)


def _when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- who is who ---------------------------------------------------------------------------


def is_evaluator(user):
    """An account with the evaluator role (the /evaluate/ workspace)."""
    return has(user, EVALUATE_PERMISSION)


def committee_of(project):
    return getattr(project, "committee", None) if project.pk else None


def member_for(user, project):
    """The user's serving seat on the project's committee, or None."""
    if not active(user):
        return None
    committee = committee_of(project)
    if committee is None:
        return None
    return (
        committee.members.filter(evaluator__user=user, status="active").select_related("committee", "evaluator").first()
    )


def current_report(project):
    return project.reports.filter(superseded_at__isnull=True).first()


def live_award(project):
    return project.awards.filter(cancelled_at__isnull=True).select_related("bid__organization").first()


def _officer(user):
    if not is_officer(user):
        return Refusal(_("Only procurement officers may do this."), "not_officer")
    return None


def _serving(user, project):
    """(member, None) for a serving member, else (None, refusal)."""
    member = member_for(user, project)
    if member is None:
        return None, Refusal(_("You are not serving on this committee."), "not_member")
    return member, None


def _chair(user, project):
    member, refused = _serving(user, project)
    if refused is None and not member.is_chair:
        refused = Refusal(_("Only the chair of the committee may do this."), "not_chair")
    return member, refused


def _has_committee(project):
    if committee_of(project) is None:
        return Refusal(_("This project has no committee yet."), "no_committee")
    return None


def _evaluating(project, message, code="not_evaluating"):
    if project.state != Project.State.EVALUATING:
        return Refusal(message, code)
    return None


def _allowed_unless(refusal):
    """``refusal`` when there is one, else ALLOWED (a refusal is falsy:
    never write ``refusal or ALLOWED``)."""
    return ALLOWED if refusal is None else refusal


def _first(*checks):
    """The first refusal among ``checks`` (callables, asked in order), else ALLOWED."""
    for check in checks:
        refused = check()
        if refused is not None:
            return refused
    return ALLOWED


# --- transition permissions (the models' ``permission=``) ---------------------------------------


def officer_may(instance, user):
    """A procurement officer (challenge answers and decisions)."""
    return _allowed_unless(_officer(user))


def sheet_member_may(sheet, user):
    """The member whose sheet it is (submitting it)."""
    if not active(user) or sheet.member.evaluator.user_id != user.pk or not sheet.member.active:
        return Refusal(_("You are not serving on this committee."), "not_member")
    return ALLOWED


def sheet_chair_may(sheet, user):
    """The chair of the sheet's committee (reopening it)."""
    return _allowed_unless(_chair(user, sheet.member.committee.project)[1])
