"""Who may evaluate a milestone, hand out survey links, moderate comments
and decide on acceptance, and when (issue 15, 10-14).

- **Assigning** an evaluator: a procurement officer, on a milestone whose
  report is submitted (or under evaluation after its evaluator recused),
  an active evaluator of the pool who never acted for the organization and
  did not recuse on this report.
- **Declaring**, **scoring**, **locking**: the assigned evaluator only; the
  report and the sheet only after declaring no relationship.
- **Survey links**: a community worker of a community the active contract
  serves, while the milestone is not decided.
- **Moderating** a comment, **deciding** (accept / reject) and
  **approving an override**: procurement officers who never acted for the
  organization; the decision once the expert sheet is locked and the
  minimum responses are in; the override approved by an officer other than
  the one who asked for it.

``can_<verb>(user, obj) -> Decision`` with a ``code``.  The ``Milestone``
transitions (contracts/contracts/models.py) carry the milestone's own
facts (contract in force, a score, the pass mark or an approved override)
and the officer rule; these functions add the evaluation's rules and the
services ask them before taking the transitions.  The
``MilestoneEvaluation`` transitions use ``evaluator_may`` and
``sheet_complete`` from here, so this module imports no model of its own
domain at import time."""

from django.utils.translation import gettext_lazy as _

from contracts.milestones import scoring
from marketplace.core import fsm
from marketplace.core.permissions import ALLOWED, Decision, active, has, is_officer
from marketplace.evaluation.permissions import is_evaluator
from marketplace.needs.permissions import is_worker
from marketplace.organizations.permissions import has_acted_for

# Milestone.State / MilestoneEvaluation.State values
SUBMITTED, UNDER_EVALUATION = "submitted", "under_evaluation"
SURVEY_OPEN = ("pending", "submitted", "under_evaluation", "rejected")
ASSIGNED, DECLARED, RECUSED, LOCKED = "assigned", "declared", "recused", "locked"


class Refusal(Decision):
    """A refused ``Decision`` with a stable ``code``."""

    def __new__(cls, reason, code):
        refusal = super().__new__(cls, False, reason)
        refusal.code = code
        return refusal


def require(decision, error_class, field=None):
    if not decision:
        raise error_class(decision.reason, field, code=getattr(decision, "code", None))


def _first(*checks):
    for check in checks:
        refused = check()
        if refused is not None:
            return refused
    return ALLOWED


def _officer(user):
    if not is_officer(user):
        return Refusal(_("Only procurement officers may do this."), "not_officer")
    return None


def _impartial(user, organization):
    if has_acted_for(user, organization):
        return Refusal(
            _("You have acted for this organization: another officer must do this."), "acted_for_organization"
        )
    return None


def _contract_active(milestone):
    if milestone.contract.state != "active":
        return Refusal(_("The contract is not in force."), "contract_not_active")
    return None


# --- facts read through the aggregate's relations ----------------------------------------------------------


def current_report(milestone):
    """The milestone's latest submitted report, or None."""
    return milestone.reports.filter(submitted_at__isnull=False).order_by("-round").first()


def live_evaluation(milestone, report=None):
    """The evaluation of the current report that is not recused, or None."""
    report = report or current_report(milestone)
    if report is None:
        return None
    return milestone.evaluations.filter(report=report).exclude(state=RECUSED).select_related("evaluator").first()


def survey_counts(milestone):
    """(responses, links handed out)."""
    return milestone.survey_responses.count(), milestone.survey_tokens.count()


def minimum_reached(milestone):
    responses, tokens = survey_counts(milestone)
    contract = milestone.contract
    return scoring.minimum_reached(
        responses,
        tokens,
        min_responses=contract.min_responses,
        min_response_share=contract.min_response_share,
    )


def override_pending(milestone):
    return (
        milestone.state == UNDER_EVALUATION
        and bool(milestone.override_reason.strip())
        and milestone.override_approved_by_id is None
        and milestone.decided_by_id is not None
    )


# --- the MilestoneEvaluation transitions' rules (imported by the model) ------------------------------------


def evaluator_may(evaluation, user):
    """The evaluator the sheet is assigned to."""
    if not active(user) or evaluation.evaluator.user_id != user.pk:
        return Refusal(_("This evaluation is not assigned to you."), "not_assigned")
    return ALLOWED


@fsm.guard(_("Score every criterion, with a reason, and write an overall opinion first."), code="sheet_incomplete")
def sheet_complete(evaluation):
    if not evaluation.opinion.strip():
        return False
    criteria = set(evaluation.milestone.contract.criteria.values_list("pk", flat=True))
    scored = set(evaluation.scores.exclude(reason="").values_list("criterion_id", flat=True))
    return bool(criteria) and criteria <= scored


# --- the evaluator -------------------------------------------------------------------------------------------


def can_view_evaluation(user, evaluation):
    """The assigned evaluator (any state): everybody else is told nothing."""
    if not is_evaluator(user):
        return Refusal(_("Only evaluators may do this."), "not_evaluator")
    return evaluator_may(evaluation, user)


def can_read_report(user, evaluation):
    """The assigned evaluator after declaring no relationship."""
    return _first(
        lambda: None if (decision := can_view_evaluation(user, evaluation)) else decision,
        lambda: (
            None
            if evaluation.state in (DECLARED, LOCKED)
            else Refusal(_("Declare your relationship with the organization first."), "not_declared")
        ),
    )


def can_declare(user, evaluation):
    return _first(
        lambda: None if (decision := can_view_evaluation(user, evaluation)) else decision,
        lambda: None if evaluation.state == ASSIGNED else Refusal(_("You have already declared."), "already_declared"),
    )


def can_score(user, evaluation):
    return _first(
        lambda: None if (decision := can_view_evaluation(user, evaluation)) else decision,
        lambda: (
            None
            if evaluation.state == DECLARED
            else Refusal(
                _("The sheet can be scored after declaring no relationship, and until it is locked."), "not_scorable"
            )
        ),
        lambda: (
            None
            if evaluation.milestone.state == UNDER_EVALUATION
            else Refusal(_("The milestone is not under evaluation."), "not_under_evaluation")
        ),
    )


def can_lock(user, evaluation):
    refused = can_score(user, evaluation)
    if not refused:
        return refused
    problem = fsm.refusal(evaluation.lock, user)
    return ALLOWED if problem is None else Refusal(*problem)


# --- the officer: assigning ---------------------------------------------------------------------------------


def evaluator_refusal(evaluator, milestone, report=None):
    """Why ``evaluator`` may not evaluate ``milestone``, or None."""
    if not evaluator.active or not is_evaluator(evaluator.user):
        return Refusal(_("This evaluator is not in the pool."), "evaluator_inactive")
    if has_acted_for(evaluator.user, milestone.contract.organization):
        return Refusal(
            _("This evaluator belongs or belonged to the organization and cannot evaluate its contract."),
            "evaluator_is_party",
        )
    report = report or current_report(milestone)
    if report is not None and milestone.evaluations.filter(report=report, evaluator=evaluator, state=RECUSED).exists():
        return Refusal(_("This evaluator declared a conflict with the organization."), "evaluator_recused")
    return None


def can_assign(user, milestone, evaluator=None):
    def state():
        if milestone.state == SUBMITTED:
            return None
        if milestone.state == UNDER_EVALUATION and live_evaluation(milestone) is None:
            return None
        return Refusal(
            _("An evaluator is assigned once the report is submitted, or again after the evaluator recused."),
            "not_assignable",
        )

    return _first(
        lambda: _officer(user),
        lambda: _contract_active(milestone),
        state,
        lambda: None if current_report(milestone) is not None else Refusal(_("No report was submitted."), "no_report"),
        lambda: evaluator_refusal(evaluator, milestone) if evaluator is not None else None,
        lambda: (
            Refusal(_("You cannot assign yourself."), "self")
            if evaluator is not None and evaluator.user_id == user.pk
            else None
        ),
    )


# --- community workers: survey links -------------------------------------------------------------------


def serves_worker(user, contract):
    return is_worker(user) and contract.communities.filter(pk=user.community_id).exists()


def can_make_links(user, milestone):
    return _first(
        lambda: (
            None
            if serves_worker(user, milestone.contract)
            else Refusal(_("Only community workers of a community this contract serves may do this."), "not_served")
        ),
        lambda: _contract_active(milestone),
        lambda: (
            None
            if milestone.state in SURVEY_OPEN
            else Refusal(_("The survey of this milestone is closed: it was decided."), "survey_closed")
        ),
    )


def survey_open(milestone):
    return milestone.state in SURVEY_OPEN and milestone.contract.state == "active"


# --- officers: moderation, decision, override ------------------------------------------------------------


def can_moderate(user, response):
    return _first(
        lambda: _officer(user),
        lambda: _impartial(user, response.milestone.contract.organization),
        lambda: (
            None if response.moderation == "pending" else Refusal(_("This comment was moderated already."), "moderated")
        ),
    )


def can_decide(user, milestone):
    """Accept or reject the milestone on its evaluation (the pass mark and an
    override are the transition's and the service's questions)."""

    def sheet():
        evaluation = live_evaluation(milestone)
        if evaluation is None or evaluation.state != LOCKED:
            return Refusal(_("The evaluator has not locked the score sheet yet."), "sheet_not_locked")
        return None

    return _first(
        lambda: _officer(user),
        lambda: _contract_active(milestone),
        lambda: (
            None
            if milestone.state == UNDER_EVALUATION
            else Refusal(_("The milestone is not under evaluation."), "not_under_evaluation")
        ),
        lambda: _impartial(user, milestone.contract.organization),
        sheet,
        lambda: (
            None
            if minimum_reached(milestone)
            else Refusal(_("Too few residents have answered the survey yet."), "too_few_responses")
        ),
    )


def can_approve_override(user, milestone):
    return _first(
        lambda: _officer(user),
        lambda: (
            None
            if override_pending(milestone)
            else Refusal(_("No acceptance below the pass mark awaits approval."), "no_override")
        ),
        lambda: (
            Refusal(
                _("Another officer must approve an acceptance below the pass mark: not the one who asked for it."),
                "four_eyes",
            )
            if milestone.decided_by_id == user.pk
            else None
        ),
        lambda: None if (decision := can_decide(user, milestone)) else decision,
    )


MILESTONE_ACTIONS = {
    "assign": can_assign,
    "make_links": can_make_links,
    "decide": can_decide,
    "approve_override": can_approve_override,
}


def available_actions(user, milestone, names=None):
    """The evaluation steps ``user`` may take on ``milestone`` now."""
    return {name for name in names or MILESTONE_ACTIONS if MILESTONE_ACTIONS[name](user, milestone)}


def is_worker_or_officer(user):
    return is_officer(user) or has(user, "marketplace.file_community_need")
