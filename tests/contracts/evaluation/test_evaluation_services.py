"""The expert evaluation of a milestone through its services: assignment
(submitted → under_evaluation), the declaration before anything is seen,
recusal and reassignment, the sheet with reasons, locking; every refused
user from their side."""

from decimal import Decimal

import pytest

from contracts.milestones.models import CriterionScore, MilestoneEvaluation
from contracts.milestones.services import evaluation as services
from contracts.milestones.services.evaluation import EvaluationError
from marketplace.models import AuditEvent, Membership, Notice

pytestmark = pytest.mark.django_db


def full_sheet(contract, fraction=Decimal("0.9")):
    return {c.pk: ((c.max_score * fraction).quantize(Decimal("0.01")), "记录完整") for c in contract.criteria.all()}


def test_assigning_starts_the_evaluation_and_tells_the_evaluator(submitted, expert, officer):
    evaluation = services.assign(submitted, by=officer, evaluator=expert)
    submitted.refresh_from_db()
    assert submitted.state == "under_evaluation"
    assert submitted.evaluation_due is not None and submitted.evaluation_due > evaluation.assigned_at.date()
    assert evaluation.state == "assigned" and evaluation.report.round == 1
    assert AuditEvent.objects.filter(action="milestone.start_evaluation", object_id=str(submitted.pk)).exists()
    assert Notice.objects.filter(user=expert.user).exists()


def test_only_officers_assign(submitted, expert, award_over, make_user):
    for user in (award_over.org_admin, expert.user, make_user("community_worker")):
        with pytest.raises(EvaluationError) as refused:
            services.assign(submitted, by=user, evaluator=expert)
        assert refused.value.code == "not_officer"
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    assert not MilestoneEvaluation.objects.exists()


def test_a_pending_milestone_has_nothing_to_evaluate(first, expert, officer):
    with pytest.raises(EvaluationError) as refused:
        services.assign(first, by=officer, evaluator=expert)
    assert refused.value.code == "not_assignable"


def test_an_organization_member_cannot_be_assigned_to_evaluate_its_own_contract(
    submitted, make_evaluator, officer, contract
):
    insider = make_evaluator("内部专家")
    Membership.objects.create(organization=contract.organization, user=insider.user)
    with pytest.raises(EvaluationError) as refused:
        services.assign(submitted, by=officer, evaluator=insider)
    assert refused.value.code == "evaluator_is_party"
    assert not MilestoneEvaluation.objects.exists()


def test_an_inactive_evaluator_is_refused(submitted, expert, officer):
    expert.active = False
    expert.save()
    with pytest.raises(EvaluationError) as refused:
        services.assign(submitted, by=officer, evaluator=expert)
    assert refused.value.code == "evaluator_inactive"


def test_a_member_who_became_evaluator_after_assignment_cannot_declare_none(submitted, expert, officer, contract):
    evaluation = services.assign(submitted, by=officer, evaluator=expert)
    Membership.objects.create(organization=contract.organization, user=expert.user)
    with pytest.raises(EvaluationError) as refused:
        services.declare(evaluation, by=expert.user, relationship="none")
    assert refused.value.code == "evaluator_is_party"
    evaluation.refresh_from_db()
    assert evaluation.state == "assigned"


def test_a_conflict_recuses_the_evaluator_and_another_is_assigned(submitted, pool, officer):
    evaluation = services.assign(submitted, by=officer, evaluator=pool[0])
    with pytest.raises(EvaluationError) as refused:
        services.declare(evaluation, by=pool[0].user, relationship="employment", detail="")
    assert refused.value.code == "detail_required"
    services.declare(evaluation, by=pool[0].user, relationship="employment", detail="2024 年曾在该机构任职")
    evaluation.refresh_from_db()
    assert evaluation.state == "recused"
    assert Notice.objects.filter(user=officer).exists()
    # the recused evaluator cannot score, and cannot be assigned again to this report
    with pytest.raises(EvaluationError):
        services.save_sheet(evaluation, by=pool[0].user, scores={}, opinion="x")
    with pytest.raises(EvaluationError) as again:
        services.assign(submitted, by=officer, evaluator=pool[0])
    assert again.value.code == "evaluator_recused"
    second = services.assign(submitted, by=officer, evaluator=pool[1])
    assert second.state == "assigned"


def test_another_evaluator_cannot_declare_or_score(submitted, pool, officer, contract):
    evaluation = services.assign(submitted, by=officer, evaluator=pool[0])
    with pytest.raises(EvaluationError) as refused:
        services.declare(evaluation, by=pool[1].user, relationship="none")
    assert refused.value.code == "not_assigned"
    services.declare(evaluation, by=pool[0].user, relationship="none")
    with pytest.raises(EvaluationError) as refused:
        services.save_sheet(evaluation, by=pool[1].user, scores=full_sheet(contract), opinion="好")
    assert refused.value.code == "not_assigned"


def test_scores_need_a_reason_and_stay_within_the_maximum(submitted, expert, officer, contract):
    evaluation = services.assign(submitted, by=officer, evaluator=expert)
    services.declare(evaluation, by=expert.user, relationship="none")
    criteria = list(contract.criteria.order_by("order"))
    bad_sheets = [
        ({**full_sheet(contract), criteria[0].pk: (criteria[0].max_score + 1, "超出")}, "score_out_of_range"),
        ({**full_sheet(contract), criteria[1].pk: (Decimal("-1"), "负分")}, "score_out_of_range"),
        ({**full_sheet(contract), criteria[2].pk: (Decimal("10"), "  ")}, "reason_required"),
        ({c.pk: v for c, v in zip(criteria[:2], full_sheet(contract).values(), strict=False)}, "criterion_missing"),
    ]
    for scores, code in bad_sheets:
        with pytest.raises(EvaluationError) as refused:
            services.save_sheet(evaluation, by=expert.user, scores=scores, opinion="好")
        assert refused.value.code == code
    with pytest.raises(EvaluationError) as refused:
        services.save_sheet(evaluation, by=expert.user, scores=full_sheet(contract), opinion=" ")
    assert refused.value.code == "opinion_required"
    assert not CriterionScore.objects.exists()


def test_locking_makes_the_total_the_expert_score_and_nothing_changes_after(submitted, expert, officer, contract):
    evaluation = services.assign(submitted, by=officer, evaluator=expert)
    with pytest.raises(EvaluationError):
        services.lock(evaluation, by=expert.user)  # not declared
    services.declare(evaluation, by=expert.user, relationship="none")
    with pytest.raises(EvaluationError) as refused:
        services.lock(evaluation, by=expert.user)  # nothing scored
    assert refused.value.code == "sheet_incomplete"
    services.save_sheet(evaluation, by=expert.user, scores=full_sheet(contract), opinion="服务扎实")
    services.lock(evaluation, by=expert.user)
    evaluation.refresh_from_db()
    submitted.refresh_from_db()
    assert evaluation.state == "locked" and evaluation.total == Decimal("90.00")
    assert submitted.expert_score == Decimal("90.00")
    assert AuditEvent.objects.filter(action="milestoneevaluation.lock").exists()
    with pytest.raises(EvaluationError):
        services.save_sheet(evaluation, by=expert.user, scores=full_sheet(contract, Decimal("1")), opinion="改")
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("90.00")
