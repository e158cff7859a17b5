"""Fixtures of milestone evaluation: a submitted report written directly
(the report service is delivery's), an evaluator who declared and locked a
sheet, survey answers written as rows."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from contracts.contracts.models import Milestone
from contracts.milestones.models import (
    CriterionScore,
    MilestoneEvaluation,
    MilestoneReport,
    ServiceLogEntry,
    SurveyResponse,
    SurveyToken,
)
from contracts.milestones.services import surveys


def zh(message, **values):
    with translation.override("zh-hans"):
        text = translation.gettext(message) if isinstance(message, str) else str(message)
    return text % values if values else text


def submit_report(milestone, by, *, round=1):
    """A submitted report of ``milestone`` (round ``round``), the milestone submitted."""
    report = MilestoneReport.objects.create(
        milestone=milestone,
        round=round,
        narrative="本阶段为 40 户老人提供上门服务 320 人次。",
        submitted_by=by,
        submitted_at=timezone.now(),
    )
    ServiceLogEntry.objects.create(
        report=report,
        day=timezone.localdate() - datetime.timedelta(days=3),
        community=milestone.contract.communities.first(),
        place="和平社区活动室",
        activity="助餐服务",
        residents_served=40,
        volunteers=3,
    )
    Milestone.objects.filter(pk=milestone.pk).update(state=Milestone.State.SUBMITTED)
    milestone.refresh_from_db()
    return report


def answer_rows(milestone, values, *, tokens=None, comment=""):
    """Survey answers written as rows: each value answers every question;
    ``tokens`` links are handed out (used as answered)."""
    questions = list(milestone.contract.survey_questions.values_list("pk", flat=True))
    tokens = len(values) if tokens is None else tokens
    SurveyToken.objects.bulk_create(
        [
            SurveyToken(
                milestone=milestone,
                token_hash=surveys.token_hash(f"t-{milestone.pk}-{SurveyToken.objects.count()}-{n}"),
                created_by=milestone.contract.drafted_by,
                used=n < len(values),
            )
            for n in range(tokens)
        ]
    )
    SurveyResponse.objects.bulk_create(
        [
            SurveyResponse(
                milestone=milestone,
                answered_on=timezone.localdate(),
                overall=value,
                answers={str(pk): value for pk in questions},
                comment=comment,
                moderation=SurveyResponse.Moderation.PENDING if comment else SurveyResponse.Moderation.NONE,
            )
            for value in values
        ]
    )


def locked_sheet(milestone, evaluator, officer, *, points):
    """An evaluation of the current report, declared and locked with the
    criteria scored in proportion to ``points`` (out of 100)."""
    report = milestone.reports.filter(submitted_at__isnull=False).order_by("-round").first()
    Milestone.objects.filter(pk=milestone.pk).update(state=Milestone.State.UNDER_EVALUATION)
    evaluation = MilestoneEvaluation.objects.create(
        milestone=milestone,
        report=report,
        evaluator=evaluator,
        assigned_by=officer,
        assigned_at=timezone.now(),
        relationship="none",
        declared_at=timezone.now(),
        opinion="服务记录完整。",
        locked_at=timezone.now(),
    )
    total = Decimal("0")
    for criterion in milestone.contract.criteria.all():
        score = (criterion.max_score * Decimal(points) / 100).quantize(Decimal("0.01"))
        CriterionScore.objects.create(evaluation=evaluation, criterion=criterion, score=score, reason="符合要求")
        total += score
    MilestoneEvaluation.objects.filter(pk=evaluation.pk).update(state="locked", total=total)
    Milestone.objects.filter(pk=milestone.pk).update(expert_score=total)
    milestone.refresh_from_db()
    evaluation.refresh_from_db()
    return evaluation


@pytest.fixture
def contract(active_contract):
    return active_contract


@pytest.fixture
def first(contract):
    return contract.milestones.get(number=1)


@pytest.fixture
def submitted(first, award_over):
    submit_report(first, award_over.org_admin)
    first.refresh_from_db()
    return first


@pytest.fixture
def expert(pool):
    return pool[0]


@pytest.fixture
def worker_here(make_user, contract):
    return make_user("community_worker", username="survey_worker", community=contract.communities.first())
