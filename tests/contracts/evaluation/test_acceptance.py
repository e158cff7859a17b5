"""Acceptance on the evaluation: the minimum responses, the computed
score and payable amount, accepting below the pass mark refused unless a
different officer approves an override, rejection and rectification, the
acceptance record PDF (no resident data), completion with the grade, and
the grade's effect on the entry standards."""

import hashlib
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts.milestones import pdfs, public
from contracts.milestones.models import AcceptanceRecord
from contracts.milestones.permissions import evaluation as rules
from contracts.milestones.services import acceptance
from contracts.milestones.services.evaluation import EvaluationError
from marketplace.models import AuditEvent, EntryStandard, Membership, Notice
from marketplace.organizations.services import entry_standards
from tests.contracts.evaluation.conftest import answer_rows, locked_sheet, submit_report

pytestmark = pytest.mark.django_db


def ready(milestone, expert, officer, *, points, answers, tokens=None, comment=""):
    locked_sheet(milestone, expert, officer, points=points)
    answer_rows(milestone, answers, tokens=tokens, comment=comment)
    milestone.refresh_from_db()
    return milestone


def test_a_decision_waits_for_the_locked_sheet_and_the_minimum_responses(submitted, expert, officer, contract):
    with pytest.raises(EvaluationError) as refused:
        acceptance.decide(submitted, by=officer, accept=True, reason="好")
    assert refused.value.code == "not_under_evaluation"
    locked_sheet(submitted, expert, officer, points=90)
    # 5 of 100 links answered: neither 20 responses nor 30 % (30) reached
    answer_rows(submitted, [5] * 5, tokens=100)
    with pytest.raises(EvaluationError) as refused:
        acceptance.decide(submitted, by=officer, accept=True, reason="好")
    assert refused.value.code == "too_few_responses"
    # 15 of 50 links: 30 % reached although fewer than 20
    submitted.survey_tokens.filter(used=False).delete()  # 5 links left, all answered
    answer_rows(submitted, [5] * 9, tokens=44)  # 49 links, 14 answers: ceil(14.7) = 15 needed
    assert acceptance.facts(submitted).needed == 15
    assert not acceptance.facts(submitted).minimum_reached
    answer_rows(submitted, [5], tokens=1)  # 50 links, 15 answers
    assert acceptance.facts(submitted).minimum_reached
    assert acceptance.decide(submitted, by=officer, accept=True, reason="好").state == "accepted"


def test_accepting_at_the_pass_mark_stores_the_score_and_the_payable_amount(submitted, expert, officer, award_over):
    # expert 60, every answer 4 → satisfaction 75; score = 0.3 × 60 + 0.7 × 75 = 70.5
    ready(submitted, expert, officer, points=60, answers=[4] * 20)
    decided = acceptance.decide(submitted, by=officer, accept=True, reason="达到验收标准")
    assert decided.state == "accepted"
    assert decided.expert_score == Decimal("60.00")
    assert decided.satisfaction_score == Decimal("75.00")
    assert decided.score == Decimal("70.50")
    share = (submitted.contract.amount * Decimal("0.4")).quantize(Decimal("0.01"))
    assert decided.payable == (share * Decimal("70.50") / 80).quantize(Decimal("0.01"))
    assert isinstance(decided.payable, Decimal)
    record = AcceptanceRecord.objects.get(milestone=submitted)
    content = record.file.read()
    assert content.startswith(b"%PDF") and record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.accepted and record.score == Decimal("70.50") and record.responses == 20
    notice = Notice.objects.filter(user=award_over.org_admin).latest("pk")
    assert notice.link == f"/org/{submitted.contract.organization_id}/milestones/{submitted.pk}/"
    assert AuditEvent.objects.filter(action="milestone.accept", object_id=str(submitted.pk)).exists()
    results = public.acceptance_results(submitted.contract)
    assert results == [
        {
            "number": 1,
            "title": submitted.title,
            "share": submitted.share,
            "score": Decimal("70.50"),
            "expert_score": Decimal("60.00"),
            "satisfaction_score": Decimal("75.00"),
            "decision": "accepted",
            "responses": 20,
            "decided_on": timezone.localdate(decided.decided_at),  # Beijing's day, not UTC's
            "by_exception": False,
        }
    ]


def test_accepting_below_the_pass_mark_is_refused(submitted, expert, officer):
    # expert 50, answers 3 → 50; score 50
    ready(submitted, expert, officer, points=50, answers=[3] * 20)
    with pytest.raises(EvaluationError) as refused:
        acceptance.decide(submitted, by=officer, accept=True, reason="基本完成")
    assert refused.value.code == "below_pass_mark"
    submitted.refresh_from_db()
    assert submitted.state == "under_evaluation" and submitted.payable is None
    assert not AcceptanceRecord.objects.exists()


def test_an_override_needs_a_reason_and_a_different_officer(submitted, expert, officer, second_officer):
    ready(submitted, expert, officer, points=50, answers=[3] * 20)
    pending = acceptance.decide(
        submitted, by=officer, accept=True, reason="基本完成", override_reason="疫情封控期间服务中断两周"
    )
    assert pending.state == "under_evaluation" and pending.override_reason
    assert AuditEvent.objects.filter(action="milestone.override_requested").exists()
    assert Notice.objects.filter(user=second_officer).exists()
    with pytest.raises(EvaluationError) as refused:
        acceptance.approve_override(submitted, by=officer)
    assert refused.value.code == "four_eyes"
    submitted.refresh_from_db()
    assert submitted.state == "under_evaluation"
    accepted = acceptance.approve_override(submitted, by=second_officer)
    assert accepted.state == "accepted"
    assert accepted.decided_by == officer and accepted.override_approved_by == second_officer
    assert accepted.override_reason == "疫情封控期间服务中断两周"
    share = (submitted.contract.amount * Decimal("0.4")).quantize(Decimal("0.01"))
    assert accepted.payable == (share * Decimal("50") / 80).quantize(Decimal("0.01"))


def test_an_officer_who_acted_for_the_organization_cannot_decide(submitted, expert, officer, second_officer):
    ready(submitted, expert, officer, points=90, answers=[5] * 20)
    Membership.objects.create(organization=submitted.contract.organization, user=second_officer)
    with pytest.raises(EvaluationError) as refused:
        acceptance.decide(submitted, by=second_officer, accept=True, reason="好")
    assert refused.value.code == "acted_for_organization"


def test_rejection_asks_for_a_rectified_report_and_a_new_round_is_evaluated(
    submitted, expert, pool, officer, award_over
):
    ready(submitted, expert, officer, points=40, answers=[2] * 20)
    rejected = acceptance.decide(submitted, by=officer, accept=False, reason="服务记录不全")
    assert rejected.state == "rejected" and rejected.payable is None
    assert rejected.rectification_due is not None
    assert not AcceptanceRecord.objects.get(milestone=submitted).accepted
    submit_report(submitted, award_over.org_admin, round=2)
    ready(submitted, pool[1], officer, points=90, answers=[5] * 20)
    accepted = acceptance.decide(submitted, by=officer, accept=True, reason="整改到位")
    assert accepted.state == "accepted"
    assert AcceptanceRecord.objects.filter(milestone=submitted).count() == 2


def test_the_last_acceptance_completes_the_contract_with_its_grade(contract, expert, officer, award_over):
    first, second = contract.milestones.order_by("number")
    for milestone, points, answers in ((first, 100, [5] * 20), (second, 80, [4] * 20)):
        submit_report(milestone, award_over.org_admin)
        ready(milestone, expert, officer, points=points, answers=answers)
        acceptance.decide(milestone, by=officer, accept=True, reason="合格")
        contract.refresh_from_db()
    # first: 0.3 × 100 + 0.7 × 100 = 100; second: 0.3 × 80 + 0.7 × 75 = 76.5; final 0.4 × 100 + 0.6 × 76.5 = 85.9
    assert contract.state == "completed"
    assert contract.final_score == Decimal("85.90") and contract.grade == "B"
    assert contract.completed_at is not None
    history = public.performance_history(contract.organization)
    assert history[0]["grade"] == "B" and history[0]["amount"] == contract.amount


def test_a_fail_grade_makes_the_organization_ineligible_where_c_is_required(
    contract, expert, officer, second_officer, award_over
):
    standard = EntryStandard.objects.create(name="至少合格", min_performance_grade="C")
    performance = next(
        r for r in entry_standards.check(standard, contract.organization).results if r.code == "performance"
    )
    assert performance.passed
    first, second = contract.milestones.order_by("number")
    for milestone in (first, second):
        submit_report(milestone, award_over.org_admin)
        ready(milestone, expert, officer, points=40, answers=[2] * 20)  # 0.3 × 40 + 0.7 × 25 = 29.5
        acceptance.decide(milestone, by=officer, accept=True, reason="勉强", override_reason="服务已完成，居民反馈不佳")
        acceptance.approve_override(milestone, by=second_officer)
    contract.refresh_from_db()
    assert contract.grade == "D" and contract.final_score == Decimal("29.50")
    eligibility = entry_standards.check(standard, contract.organization)
    assert not eligibility.eligible
    assert "performance" in {r.code for r in eligibility.failures}


def test_the_acceptance_pdf_carries_no_resident_data(submitted, expert, officer, worker_here):
    ready(submitted, expert, officer, points=90, answers=[5] * 19, comment="王阿姨说很好，电话 13812345678")
    from contracts.milestones.services import surveys

    token = surveys.make_links(submitted, by=worker_here, count=1)[0]
    questions = submitted.contract.survey_questions.values_list("pk", flat=True)
    surveys.answer(token, overall=4, answers=dict.fromkeys(questions, 4), comment="谢谢社工")
    facts = acceptance.facts(submitted)
    evaluation = rules.live_evaluation(submitted)
    content = pdfs.acceptance_pdf(submitted, facts=facts, evaluation=evaluation, accepted=True, reason="达到标准")
    text = _pdf_text(content)
    assert "13812345678" not in text and "王阿姨" not in text and "谢谢社工" not in text and token not in text
    assert "达到标准" in text and "符合要求" in text  # the decision and the expert's reasons
    sheet = _pdf_text(pdfs.survey_links_pdf(submitted, [token]))
    assert "13812345678" not in sheet and "王阿姨" not in sheet


def _pdf_text(content):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    ).stdout.decode()


@pytest.mark.parametrize(("level", "resident"), [("community", Decimal("69.99")), ("street", Decimal("49.99"))])
def test_the_database_refuses_weights_below_the_residents_floor(contract, level, resident):
    with pytest.raises(IntegrityError), transaction.atomic():
        type(contract).objects.filter(pk=contract.pk).update(
            level=level, resident_weight=resident, expert_weight=Decimal("100") - resident
        )
