"""Reads of milestone evaluation, surveys and acceptance (issue 15, 10-14)."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from contracts.contracts.models import Contract, Milestone
from contracts.milestones.models import AcceptanceRecord, MilestoneEvaluation, MilestoneReport, SurveyResponse
from contracts.milestones.permissions.evaluation import SURVEY_OPEN


def milestone(pk):
    return (
        Milestone.objects.select_related("contract__organization", "decided_by", "override_approved_by")
        .filter(pk=pk)
        .first()
    )


def contract(pk):
    return Contract.objects.select_related("organization").filter(pk=pk).first()


def evaluation_of(user, pk):
    """The evaluation ``pk`` when it is assigned to ``user``, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        MilestoneEvaluation.objects.select_related("milestone__contract__organization", "evaluator", "report")
        .filter(pk=pk, evaluator__user=user)
        .first()
    )


def evaluations_of(user):
    """The user's milestone evaluations, the open ones first."""
    return (
        MilestoneEvaluation.objects.select_related("milestone__contract__organization", "evaluator")
        .filter(evaluator__user=user)
        .order_by("state", "-assigned_at")
    )


def evaluations_of_milestone(milestone):
    return milestone.evaluations.select_related("evaluator", "report").order_by("assigned_at")


def scores_of(evaluation):
    return {score.criterion_id: score for score in evaluation.scores.all()}


def records_of(milestone):
    return AcceptanceRecord.objects.filter(milestone=milestone).select_related("report").order_by("-created_at")


def record(milestone, pk):
    return AcceptanceRecord.objects.filter(milestone=milestone, pk=pk).first()


def to_evaluate_or_accept():
    """Milestones waiting for an officer: a submitted report without an
    evaluator, an evaluator who recused, or a locked sheet to decide on."""
    latest = MilestoneReport.objects.filter(milestone=OuterRef("pk"), submitted_at__isnull=False).order_by("-round")
    live = MilestoneEvaluation.objects.filter(report_id=OuterRef("latest_report")).exclude(state="recused")
    return (
        Milestone.objects.filter(contract__state="active", state__in=("submitted", "under_evaluation"))
        .select_related("contract__organization")
        .annotate(latest_report=Subquery(latest.values("pk")[:1]))
        .annotate(has_live=Exists(live), locked=Exists(live.filter(state="locked")))
        .filter(Q(state="submitted") | Q(has_live=False) | Q(locked=True))
        .order_by("evaluation_due", "due_on", "pk")
    )


def response(pk):
    return SurveyResponse.objects.filter(pk=pk).first()


def comments_to_moderate():
    return (
        SurveyResponse.objects.filter(moderation=SurveyResponse.Moderation.PENDING)
        .select_related("milestone__contract__organization")
        .order_by("answered_on", "pk")
    )


def survey_milestones_for(user):
    """Milestones of active contracts serving the worker's community whose
    survey is open, with their link and response counts."""
    if getattr(user, "community_id", None) is None:
        return Milestone.objects.none()
    return (
        Milestone.objects.filter(
            contract__state="active", contract__communities=user.community_id, state__in=SURVEY_OPEN
        )
        .select_related("contract__organization")
        .annotate(
            links=Count("survey_tokens", distinct=True),
            responses=Count("survey_responses", distinct=True),
        )
        .order_by("due_on", "pk")
    )
