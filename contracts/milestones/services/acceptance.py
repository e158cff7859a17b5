"""Acceptance (验收) of a milestone on its evaluation (issue 15, 12-13).

A procurement officer who never acted for the organization decides on a
milestone under evaluation once the expert sheet is locked and the minimum
number of residents have answered (``permissions.evaluation.can_decide``):

- the satisfaction score, the milestone score and the payable amount are
  computed (``scoring``) and stored on the milestone as ``Decimal``;
- **accept** (``Milestone.accept``): only at or above the pass mark.  Below
  it, the officer may ask for an override with a reason; the milestone
  stays under evaluation until a *different* officer approves
  (``approve_override``); both are recorded (``decided_by`` /
  ``override_reason``, ``override_approved_by``);
- **reject** (``Milestone.reject``): with reasons; a rectified report is due
  ``RECTIFICATION_WORKING_DAYS`` working days later; nothing is payable.

Each decision writes the acceptance record PDF (``pdfs.acceptance_pdf``)
with its SHA-256, tells the organization, and after the last milestone
completes the contract (``completion``)."""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.contracts.models import Milestone
from contracts.milestones import evaluation_messages as messages
from contracts.milestones import events, pdfs, scoring
from contracts.milestones.models import AcceptanceRecord
from contracts.milestones.permissions import evaluation as rules
from contracts.milestones.services import completion, surveys
from contracts.milestones.services.evaluation import EvaluationError
from contracts.milestones.services.locks import lock_milestone
from marketplace.core import fsm, notifications, workdays
from marketplace.core.audit import record_event
from marketplace.core.permissions import Permission
from marketplace.models import User

RECTIFICATION_WORKING_DAYS = 15


@dataclass
class Facts:
    """What the decision rests on, computed from the rows now."""

    expert: Decimal | None
    responses: int
    tokens: int
    needed: int
    minimum_reached: bool
    satisfaction: Decimal | None
    score: Decimal | None
    amount: Decimal
    payable: Decimal | None
    pass_mark: Decimal
    full_payment_score: Decimal
    #: a subsidy's cap: the documented cost and the most it pays (None for other contracts, or no cost)
    documented_cost: Decimal | None = None
    cost_cap: Decimal | None = None

    @property
    def passes(self):
        return self.score is not None and self.score >= self.pass_mark


def milestone_amount(milestone):
    """The milestone's share of the contract sum (the last takes the remainder)."""
    contract = milestone.contract
    numbered = list(contract.milestones.order_by("number").values_list("number", "share"))
    amounts = scoring.milestone_amounts(contract.amount, [share for _n, share in numbered])
    return dict(zip((number for number, _s in numbered), amounts, strict=True))[milestone.number]


def facts(milestone, *, overridden=False):
    contract = milestone.contract
    evaluation = rules.live_evaluation(milestone)
    expert = evaluation.total if evaluation is not None and evaluation.state == rules.LOCKED else None
    responses, tokens = rules.survey_counts(milestone)
    satisfaction = scoring.satisfaction_score(surveys.all_answers(milestone))
    score = None
    if expert is not None and satisfaction is not None:
        score = scoring.milestone_score(
            expert, satisfaction, expert_weight=contract.expert_weight, resident_weight=contract.resident_weight
        )
    amount = milestone_amount(milestone)
    documented_cost = cost_cap = None
    if contract.cost_share_cap is not None:
        report = rules.current_report(milestone)
        documented_cost = report.documented_cost if report is not None else None
        cost_cap = scoring.cost_cap(documented_cost, contract.cost_share_cap)
    payable = None
    if score is not None:
        payable = scoring.payable(
            amount,
            score,
            pass_mark=contract.pass_mark,
            full_payment_score=contract.full_payment_score,
            overridden=overridden,
        )
        if cost_cap is not None:
            payable = min(payable, cost_cap)
    return Facts(
        expert=expert,
        responses=responses,
        tokens=tokens,
        needed=scoring.responses_needed(
            tokens, min_responses=contract.min_responses, min_response_share=contract.min_response_share
        ),
        minimum_reached=rules.minimum_reached(milestone),
        satisfaction=satisfaction,
        score=score,
        amount=amount,
        payable=payable,
        pass_mark=contract.pass_mark,
        full_payment_score=contract.full_payment_score,
        documented_cost=documented_cost,
        cost_cap=cost_cap,
    )


def _organization_users(contract):
    return [m.user for m in contract.organization.memberships.select_related("user") if m.user.is_active]


def _link(milestone):
    """The officers' page of the milestone."""
    return reverse("acceptance:milestone", args=[milestone.pk])


def _organization_link(milestone):
    """The organization's page of the milestone (delivery's workspace)."""
    return reverse("delivery_org:milestone", kwargs={"org_id": milestone.contract.organization_id, "pk": milestone.pk})


def _write_record(milestone, *, facts_now, accepted, reason):
    evaluation = rules.live_evaluation(milestone)
    content = pdfs.acceptance_pdf(milestone, facts=facts_now, evaluation=evaluation, accepted=accepted, reason=reason)
    record = AcceptanceRecord(
        milestone=milestone,
        report=evaluation.report,
        accepted=accepted,
        score=facts_now.score,
        responses=facts_now.responses,
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=timezone.now(),
    )
    record.file.save("acceptance.pdf", ContentFile(content), save=False)
    record.save()
    record_event(
        "acceptance.record_written",
        obj=record,
        details={"milestone": milestone.pk, "sha256": record.sha256, "accepted": accepted},
    )
    return record


def _store_scores(milestone, facts_now):
    milestone.expert_score = facts_now.expert
    milestone.satisfaction_score = facts_now.satisfaction
    milestone.score = facts_now.score


SAVED = [
    "state",
    "expert_score",
    "satisfaction_score",
    "score",
    "payable",
    "decided_by",
    "decided_at",
    "decision_reason",
    "override_reason",
    "override_approved_by",
    "rectification_due",
]


def _accept(milestone, *, by, reason, overridden):
    facts_now = facts(milestone, overridden=overridden)
    _store_scores(milestone, facts_now)
    milestone.payable = facts_now.payable
    fsm.require(milestone.accept, by, EvaluationError)
    milestone.accept(by=by, reason=reason)
    milestone.decided_at = timezone.now()
    milestone.rectification_due = None
    milestone.save(update_fields=SAVED)
    _write_record(milestone, facts_now=facts_now, accepted=True, reason=reason)
    # the payments domain creates the payment request in this transaction
    events.milestone_accepted.send(sender=Milestone, milestone=milestone, by=by)
    users = _organization_users(milestone.contract)
    if users:
        notifications.send(
            messages.MILESTONE_ACCEPTED,
            users,
            {
                "number": milestone.number,
                "title": milestone.title,
                "contract": milestone.contract.number,
                "score": milestone.score,
                "payable": f"{milestone.payable:,.2f}",
            },
            link=_organization_link(milestone),
        )
    completion.complete_if_done(milestone.contract, by=by)
    return milestone


def decide(milestone, *, by, accept, reason, override_reason=""):
    """Accept or reject; below the pass mark an acceptance needs
    ``override_reason`` and waits for a second officer.  Returns the
    milestone (``state`` says what happened)."""
    reason, override_reason = (reason or "").strip(), (override_reason or "").strip()
    with transaction.atomic():
        milestone = lock_milestone(milestone)
        rules.require(rules.can_decide(by, milestone), EvaluationError)
        if not reason:
            raise EvaluationError(_("Give the reasons for the decision."), "reason", "reason_required")
        facts_now = facts(milestone)
        if facts_now.score is None:
            raise EvaluationError(_("The milestone cannot be scored yet."), None, "not_scored")
        milestone.decided_by = by
        milestone.decision_reason = reason
        milestone.override_approved_by = None
        if not accept:
            _store_scores(milestone, facts_now)
            milestone.payable = None
            milestone.override_reason = ""
            fsm.require(milestone.reject, by, EvaluationError)
            milestone.reject(by=by, reason=reason)
            milestone.decided_at = timezone.now()
            milestone.rectification_due = workdays.add_days(
                timezone.localdate(), RECTIFICATION_WORKING_DAYS, workdays.DayCount.WORKING
            )
            milestone.save(update_fields=SAVED)
            _write_record(milestone, facts_now=facts_now, accepted=False, reason=reason)
            users = _organization_users(milestone.contract)
            if users:
                notifications.send(
                    messages.MILESTONE_REJECTED,
                    users,
                    {
                        "number": milestone.number,
                        "title": milestone.title,
                        "contract": milestone.contract.number,
                        "score": milestone.score,
                        "reason": reason,
                        "due": milestone.rectification_due.isoformat(),
                    },
                    link=_organization_link(milestone),
                )
            return milestone
        if facts_now.passes:
            milestone.override_reason = ""
            return _accept(milestone, by=by, reason=reason, overridden=False)
        if not override_reason:
            raise EvaluationError(
                _(
                    "The score %(score)s is below the pass mark %(pass_mark)s: it can be accepted only with a reason "
                    "for the override, approved by a second officer."
                )
                % {"score": facts_now.score, "pass_mark": facts_now.pass_mark},
                "override_reason",
                "below_pass_mark",
            )
        # Below the pass mark: the request waits for a second officer.
        _store_scores(milestone, facts_now)
        milestone.override_reason = override_reason
        milestone.save(update_fields=SAVED)
        record_event(
            "milestone.override_requested",
            actor=by,
            obj=milestone,
            reason=override_reason,
            details={"score": str(facts_now.score), "pass_mark": str(facts_now.pass_mark)},
        )
        others = User.objects.with_perm(
            str(Permission.MANAGE_PROCUREMENT), is_active=True, include_superusers=False
        ).exclude(pk=by.pk)
        others = list(others)
        if others:
            notifications.send(
                messages.OVERRIDE_REQUESTED,
                others,
                {
                    "number": milestone.number,
                    "contract": milestone.contract.number,
                    "officer": by.public_label,
                    "score": facts_now.score,
                    "pass_mark": facts_now.pass_mark,
                    "reason": override_reason,
                },
                link=_link(milestone),
            )
        return milestone


def approve_override(milestone, *, by):
    """A second officer approves the acceptance below the pass mark."""
    with transaction.atomic():
        milestone = lock_milestone(milestone)
        rules.require(rules.can_approve_override(by, milestone), EvaluationError)
        milestone.override_approved_by = by
        return _accept(milestone, by=by, reason=milestone.decision_reason, overridden=True)
