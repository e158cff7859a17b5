"""The expert / third-party evaluation of a milestone (issue 15, 10).

1. ``assign``: a procurement officer assigns an evaluator of the pool to a
   milestone whose report is submitted (``Milestone.start_evaluation``:
   submitted → under_evaluation) or, after a recusal, another one; the
   evaluation is due ``EVALUATION_WORKING_DAYS`` working days later.
2. ``declare``: the evaluator declares a relationship with the organization
   before seeing anything (the committee's answers): none → ``declared``;
   any other → ``recused`` (the officer assigns another one).  An evaluator
   who acted for the organization cannot declare none.
3. ``save_sheet``: scores per criterion (0..max, a reason each) and an
   overall opinion, saved again as often as needed.
4. ``lock``: irreversible (the view asks for the password again): the
   total becomes the milestone's expert score.

Each step: one transaction, the milestone locked first, the rules asked
(``permissions.evaluation``), the transition taken (audited by the
``post_transition`` receiver), notifications after commit."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.contracts.models import Milestone
from contracts.milestones import evaluation_messages as messages
from contracts.milestones.models import CriterionScore, MilestoneEvaluation
from contracts.milestones.permissions import evaluation as rules
from contracts.milestones.services.locks import lock_milestone
from marketplace.core import fsm, notifications, workdays
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.organizations.permissions import has_acted_for

#: working days the evaluator has, from the assignment
EVALUATION_WORKING_DAYS = 10
ZERO = Decimal("0")


class EvaluationError(DomainError):
    """A refused step of milestone evaluation, surveys or acceptance."""

    default_code = "evaluation_refused"


def _notify(message_type, users, context, link):
    users = [user for user in users if user is not None]
    if users:
        notifications.send(message_type, users, context, link=link)


def _context(milestone, **extra):
    return {
        "number": milestone.number,
        "title": milestone.title,
        "contract": milestone.contract.number,
        "organization": milestone.contract.organization.name,
        **extra,
    }


def assign(milestone, *, by, evaluator):
    with transaction.atomic():
        milestone = lock_milestone(milestone)
        rules.require(rules.can_assign(by, milestone, evaluator), EvaluationError, "evaluator")
        report = rules.current_report(milestone)
        now = timezone.now()
        if milestone.state == Milestone.State.SUBMITTED:
            fsm.require(milestone.start_evaluation, by, EvaluationError)
            milestone.start_evaluation(by=by, reason=str(_("Evaluator assigned")))
        milestone.evaluation_due = workdays.add_days(
            timezone.localdate(now), EVALUATION_WORKING_DAYS, workdays.DayCount.WORKING
        )
        milestone.save(update_fields=["state", "evaluation_due"])
        evaluation = MilestoneEvaluation.objects.create(
            milestone=milestone, report=report, evaluator=evaluator, assigned_by=by, assigned_at=now
        )
        record_event(
            "milestone_evaluation.assigned",
            actor=by,
            obj=evaluation,
            details={"milestone": milestone.pk, "report": report.pk, "evaluator": evaluator.pk},
        )
        _notify(
            messages.EVALUATOR_ASSIGNED,
            [evaluator.user],
            _context(milestone, due=milestone.evaluation_due.isoformat()),
            reverse("milestone_evaluate:sheet", args=[evaluation.pk]),
        )
        return evaluation


def lock_evaluation(evaluation):
    milestone = lock_milestone(evaluation.milestone)
    evaluation = (
        MilestoneEvaluation.objects.select_for_update()
        .select_related("evaluator__user", "report")
        .get(pk=evaluation.pk)
    )
    evaluation.milestone = milestone
    return evaluation


def declare(evaluation, *, by, relationship, detail=""):
    detail = (detail or "").strip()
    with transaction.atomic():
        evaluation = lock_evaluation(evaluation)
        rules.require(rules.can_declare(by, evaluation), EvaluationError)
        milestone = evaluation.milestone
        if relationship not in MilestoneEvaluation.Relationship.values:
            raise EvaluationError(_("Choose your relationship with the organization."), "relationship", "relationship")
        if relationship == MilestoneEvaluation.Relationship.NONE:
            if has_acted_for(by, milestone.contract.organization):
                raise EvaluationError(
                    _("You belong or belonged to this organization: declare that relationship."),
                    "relationship",
                    "evaluator_is_party",
                )
        elif not detail:
            raise EvaluationError(_("Describe your relationship with the organization."), "detail", "detail_required")
        evaluation.relationship = relationship
        evaluation.declaration_detail = detail
        evaluation.declared_at = timezone.now()
        if relationship == MilestoneEvaluation.Relationship.NONE:
            fsm.require(evaluation.declare_no_conflict, by, EvaluationError)
            evaluation.declare_no_conflict(by=by)
        else:
            fsm.require(evaluation.recuse, by, EvaluationError)
            evaluation.recuse(by=by, reason=str(_("Declared a relationship with the organization (回避).")))
            _notify(
                messages.EVALUATOR_RECUSED,
                [evaluation.assigned_by],
                _context(milestone, evaluator=evaluation.evaluator.name),
                reverse("acceptance:milestone", args=[milestone.pk]),
            )
        evaluation.save(update_fields=["relationship", "declaration_detail", "declared_at", "state"])
        return evaluation


def _decimal(value, field):
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise EvaluationError(_("Enter a number."), field, "score_invalid") from None
    if not number.is_finite():
        raise EvaluationError(_("Enter a number."), field, "score_invalid")
    return number


def save_sheet(evaluation, *, by, scores, opinion):
    """``scores``: ``{criterion pk: (score, reason)}`` for every criterion of
    the contract's rubric."""
    opinion = (opinion or "").strip()
    with transaction.atomic():
        evaluation = lock_evaluation(evaluation)
        rules.require(rules.can_score(by, evaluation), EvaluationError)
        criteria = list(evaluation.milestone.contract.criteria.order_by("order"))
        cleaned = []
        for criterion in criteria:
            field = f"score_{criterion.pk}"
            if criterion.pk not in scores:
                raise EvaluationError(_("Score every criterion."), field, "criterion_missing")
            value, reason = scores[criterion.pk]
            value = _decimal(value, field)
            if not ZERO <= value <= criterion.max_score or value != value.quantize(Decimal("0.01")):
                raise EvaluationError(
                    _("A score from 0 to %(max)s, with at most two decimals.") % {"max": criterion.max_score},
                    field,
                    "score_out_of_range",
                )
            reason = (reason or "").strip()
            if not reason:
                raise EvaluationError(_("Give the reason for this score."), f"reason_{criterion.pk}", "reason_required")
            cleaned.append((criterion, value, reason))
        if not opinion:
            raise EvaluationError(_("Write an overall opinion."), "opinion", "opinion_required")
        for criterion, value, reason in cleaned:
            CriterionScore.objects.update_or_create(
                evaluation=evaluation, criterion=criterion, defaults={"score": value, "reason": reason}
            )
        evaluation.total = sum((value for _c, value, _r in cleaned), ZERO)
        evaluation.opinion = opinion
        evaluation.save(update_fields=["total", "opinion"])
        return evaluation


def lock(evaluation, *, by):
    with transaction.atomic():
        evaluation = lock_evaluation(evaluation)
        rules.require(rules.can_score(by, evaluation), EvaluationError)
        fsm.require(evaluation.lock, by, EvaluationError)
        milestone = evaluation.milestone
        evaluation.total = sum((score.score for score in evaluation.scores.all()), ZERO)
        evaluation.locked_at = timezone.now()
        evaluation.lock(by=by, reason=str(_("Score sheet locked")))
        evaluation.save(update_fields=["state", "total", "locked_at"])
        milestone.expert_score = evaluation.total
        milestone.save(update_fields=["expert_score"])
        _notify(
            messages.SHEET_LOCKED,
            [evaluation.assigned_by],
            _context(milestone, evaluator=evaluation.evaluator.name, total=evaluation.total),
            reverse("acceptance:milestone", args=[milestone.pk]),
        )
        return evaluation
