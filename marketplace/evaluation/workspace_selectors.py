"""Reads for the evaluators' workspace (/evaluate/): a member's seats, his
sheets, the others' sheets he may see, the sheets the chair acts on.  Bid
content itself is read through ``marketplace.procurement.selectors.bids``."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from marketplace.core.models.audit import AuditEvent
from marketplace.evaluation.models import CommitteeMember, EvaluationReport, ReportConfirmation, ScoreSheet
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.selectors import bids as bid_selectors

SUBMITTED = ScoreSheet.State.SUBMITTED


def seat_for(user, ref):
    """The user's seat (serving or withdrawn) on the committee of project
    ``ref``, with its committee and project, or None."""
    return (
        CommitteeMember.objects.filter(committee__project__ref=ref, evaluator__user=user)
        .select_related("committee__project__method", "evaluator")
        .first()
    )


def _count(queryset):
    """A correlated COUNT(*) of ``queryset`` (for an annotation)."""
    counted = queryset.order_by().annotate(_group=Value(1)).values("_group").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def seats_of(user):
    """The user's seats, newest first, with what each needs from him (a
    fixed number of queries, however many seats)."""
    project = OuterRef("committee__project_id")
    current = EvaluationReport.objects.filter(project=project, superseded_at__isnull=True)
    return (
        CommitteeMember.objects.filter(evaluator__user=user)
        .select_related("committee__project")
        .annotate(
            qualified_count=_count(Bid.objects.filter(project=project, state__in=bid_selectors.SCORED_STATES)),
            submitted_count=_count(
                ScoreSheet.objects.filter(
                    member=OuterRef("pk"), state=SUBMITTED, bid__state__in=bid_selectors.SCORED_STATES
                )
            ),
            has_report=Exists(current),
            has_confirmed=Exists(
                ReportConfirmation.objects.filter(
                    member=OuterRef("pk"), report__project=project, report__superseded_at__isnull=True
                )
            ),
        )
        .order_by("-joined_at", "-pk")
    )


def member_sheets(member, bids):
    """{bid pk: the member's sheet} for ``bids``."""
    return {s.bid_id: s for s in ScoreSheet.objects.filter(member=member, bid__in=[b.pk for b in bids])}


def sheet_scores(sheets):
    """{sheet pk: its scores, with their criteria} for ``sheets``."""
    if not sheets:
        return {}
    found = ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets]).prefetch_related("scores__criterion")
    return {sheet.pk: list(sheet.scores.all()) for sheet in found}


def sheet_of(member, bid):
    """The member's sheet on ``bid`` with its scores, or None."""
    return ScoreSheet.objects.filter(member=member, bid=bid).prefetch_related("scores").first()


def others_sheets(member, bid):
    """The other serving members' submitted sheets on ``bid``, with their scores."""
    return (
        ScoreSheet.objects.filter(
            bid=bid, state=SUBMITTED, member__committee=member.committee, member__status=CommitteeMember.Status.ACTIVE
        )
        .exclude(member=member)
        .select_related("member__evaluator")
        .prefetch_related("scores")
        .order_by("member__joined_at", "member__pk")
    )


def last_reopen_reason(sheet):
    """Why the sheet was last reopened ("" when never)."""
    last = (
        AuditEvent.objects.filter(object_type="marketplace.scoresheet", object_id=str(sheet.pk))
        .filter(action__in=("scoresheet.reopen",))
        .order_by("-pk")
        .first()
    )
    return last.reason if last else ""


def committee_sheet(project, sheet_pk):
    """A sheet of the project's committee, or None."""
    return (
        ScoreSheet.objects.filter(pk=sheet_pk, member__committee__project=project)
        .select_related("bid__project", "member")
        .first()
    )


def earlier_reports(project, exclude=None):
    reports = EvaluationReport.objects.filter(project=project).order_by("-number")
    if exclude is not None:
        reports = reports.exclude(pk=exclude.pk)
    return list(reports)
