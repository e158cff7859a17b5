"""Public read questions about results (结果公告): what one project's result
announcement shows, and the list of results.

A result is public once the project has been awarded; it stays public
(showing the cancellation) when an upheld challenge cancels the award.  The
page shows the award, the frozen ranking of the evaluation report, which
bidders did not pass the qualification review (their names only, never the
reasons), the serving committee members' public names and the number of
challenges.  Each member's total per bidder is shown only when
``settings.RESULTS_PUBLISH_MEMBER_SCORES`` says so.  Nothing personal ever
reaches these values: no contact details, user names, declarations,
appointment reasons or qualification reasons.  Every function runs a fixed
number of queries."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.filters import changed_between, disclosure_scope
from marketplace.core.models.audit import AuditEvent
from marketplace.evaluation.models import (
    Award,
    Challenge,
    ChallengeDocument,
    Committee,
    CommitteeMember,
    EvaluationReport,
    Evaluator,
    Qualification,
    ScoreSheet,
)
from marketplace.procurement.models.projects import Project
from marketplace.procurement.selectors.projects import is_public, normalise_query


class ResultState(models.TextChoices):
    AWARDED = "awarded", _("Awarded")
    CONTRACTED = "contracted", _("Contracted")
    CANCELLED = "award_cancelled", _("Award cancelled")


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return Decimal("0.00")


def _state(project_state, award):
    if award.cancelled_at is not None:
        return ResultState.CANCELLED
    if project_state == Project.State.CONTRACTED:
        return ResultState.CONTRACTED
    return ResultState.AWARDED


def shown_award(project):
    """The live award, else the most recently cancelled one, else None."""
    return (
        Award.objects.filter(project=project)
        .select_related("bid__organization", "report")
        .only(
            "pk",
            "project",
            "bid",
            "bid__organization",
            "bid__organization__name",
            "report",
            "report__number",
            "report__ranking",
            "report__generated_at",
            "report__confirmed_at",
            "rank",
            "reason",
            "price",
            "awarded_at",
            "challenge_deadline",
            "cancelled_at",
            "cancel_reason",
        )
        .order_by(F("cancelled_at").desc(nulls_first=True), "-awarded_at", "-pk")
        .first()
    )


def has_result(project):
    return is_public(project) and Award.objects.filter(project=project).exists()


@dataclass(frozen=True)
class RankingRow:
    rank: int
    bid_id: int
    organization: str
    price: Decimal
    price_score: Decimal
    non_price: Decimal
    total: Decimal
    winner: bool
    qualified: bool


def _ranking_rows(award, not_qualified):
    rows = []
    for row in award.report.ranking or []:
        rows.append(
            RankingRow(
                rank=int(row.get("rank") or 0),
                bid_id=row.get("bid"),
                organization=row.get("organization", ""),
                price=_decimal(row.get("price")),
                price_score=_decimal(row.get("price_score")),
                non_price=_decimal(row.get("non_price")),
                total=_decimal(row.get("total")),
                winner=row.get("bid") == award.bid_id,
                qualified=row.get("bid") not in not_qualified,
            )
        )
    return sorted(rows, key=lambda r: r.rank)


def _member_scores(project, members, rows):
    """Each serving member's non-price total per ranked bid (submitted sheets)."""
    ranked = {row.bid_id: row for row in rows}
    totals = {
        (member_id, bid_id): total
        for member_id, bid_id, total in ScoreSheet.objects.filter(
            member__committee__project=project,
            member__status=CommitteeMember.Status.ACTIVE,
            state=ScoreSheet.State.SUBMITTED,
            bid_id__in=list(ranked),
        ).values_list("member_id", "bid_id", "total")
    }
    flat = []
    table = []
    for member in members:
        cells = []
        for row in rows:
            total = totals.get((member["pk"], row.bid_id))
            cells.append(total)
            if total is not None:
                flat.append({"member": member["name"], "organization": row.organization, "total": total})
        table.append({"member": member["name"], "chair": member["chair"], "totals": cells})
    return flat, table


def result_facts(project):
    """What the result announcement and its index show, or None when the
    project was never awarded (or is not public)."""
    if not is_public(project):
        return None
    award = shown_award(project)
    if award is None:
        return None
    cancelled = award.cancelled_at is not None
    not_qualified_rows = list(
        Qualification.objects.filter(bid__project=project, passed=False)
        .order_by("bid_id")
        .values_list("bid_id", "bid__organization__name")
    )
    not_qualified = {bid_id for bid_id, _name in not_qualified_rows}
    rows = _ranking_rows(award, not_qualified)
    ranked = {row.bid_id for row in rows}
    members = []
    withdrawn = 0
    for pk, name, chair, status in (
        CommitteeMember.objects.filter(committee__project=project)
        .order_by("-is_chair", "joined_at", "pk")
        .values_list("pk", "evaluator__name", "is_chair", "status")
    ):
        if status == CommitteeMember.Status.ACTIVE:
            members.append({"pk": pk, "name": name, "chair": chair})
        else:
            withdrawn += 1
    counts = Challenge.objects.filter(award=award).aggregate(
        filed=Count("pk"),
        upheld=Count("pk", filter=Q(state=Challenge.State.UPHELD)),
        dismissed=Count("pk", filter=Q(state=Challenge.State.DISMISSED)),
    )
    counts["open"] = counts["filed"] - counts["upheld"] - counts["dismissed"]
    # Member scores only for a live award: after a cancellation the
    # committee may be scoring again, and a new sheet is no result yet.
    publish_scores = bool(settings.RESULTS_PUBLISH_MEMBER_SCORES) and not cancelled
    member_scores, score_table = _member_scores(project, members, rows) if publish_scores else ([], [])
    return {
        "project": project,
        "award": award,
        "cancelled": cancelled,
        "cancelled_at": award.cancelled_at,
        "cancel_reason": award.cancel_reason if cancelled else "",
        "state": _state(project.state, award),
        "winner": award.bid.organization.name,
        "price": award.price,
        # Why the committee's recommended bid was not awarded (a decline or a
        # disqualification after the report), published with the result.
        "award_reason": award.reason,
        "award_rank": award.rank,
        "awarded_at": award.awarded_at,
        "challenge_deadline": award.challenge_deadline,
        "period_over": timezone.now() > award.challenge_deadline,
        "report": award.report,
        "rows": rows,
        "not_qualified": [
            {"organization": name, "qualified": False} for bid_id, name in not_qualified_rows if bid_id not in ranked
        ],
        "members": [{"name": m["name"], "chair": m["chair"]} for m in members],
        "withdrawn_count": withdrawn,
        "challenges": counts,
        "publish_member_scores": publish_scores,
        "member_scores": member_scores,
        "score_table": score_table,
        "score_columns": [row.organization for row in rows] if publish_scores else [],
    }


# --- the list of results --------------------------------------------------------------


@dataclass(frozen=True)
class ResultListRow:
    ref: str
    title: str
    winner: str
    price: Decimal
    awarded_at: datetime.datetime
    state: str
    state_label: str


def public_results(query=""):
    """For every public project ever awarded, its shown award (the live
    one, else the latest cancelled one), newest first; ``query`` matches
    the reference, the title or the winner's name.

    Written so that PostgreSQL walks the ``award_recent`` index and stops at
    the page's last row (issue 18): a live award passes on its own column; a
    cancelled one asks one correlated question, "has its project a live or a
    later award?", answered by the project's few awards (``project_id``
    index).  Asked as two NOT EXISTS, the live half became a hashed subplan
    that read every live award as soon as one cancelled award was on the
    page.  The project's public state is read on the project already joined
    for the row, not in a second ``IN`` over the projects."""
    preferred = Award.objects.filter(project_id=OuterRef("project_id")).filter(
        Q(cancelled_at__isnull=True) | Q(pk__gt=OuterRef("pk"))
    )
    awards = (
        Award.objects.filter(
            Q(cancelled_at__isnull=True) | ~Exists(preferred),
            PUBLIC_Q_FOR_PROJECT,
        )
        .select_related("project", "bid__organization")
        .only(
            "pk",
            "project",
            "bid",
            "bid__organization",
            "project__ref",
            "project__title",
            "project__state",
            "bid__organization__name",
            "price",
            "awarded_at",
            "cancelled_at",
        )
    )
    query = normalise_query(query)
    if query:
        awards = awards.filter(
            Q(project__ref__icontains=query)
            | Q(project__title__icontains=query)
            | Q(bid__organization__name__icontains=query)
        )
    return awards.order_by("-awarded_at", "-pk")


def result_rows(awards):
    rows = []
    for award in awards:
        state = _state(award.project.state, award)
        rows.append(
            ResultListRow(
                ref=award.project.ref,
                title=award.project.title,
                winner=award.bid.organization.name,
                price=award.price,
                awarded_at=award.awarded_at,
                state=state.value,
                state_label=str(state.label),
            )
        )
    return rows


# --- the officers' evaluation and challenge pages ------------------------------------------------

#: the audit actions of the committee's draws
DRAW_ACTIONS = ("committee.formed", "committee.replacement_drawn", "committee.replacement_unavailable")


def committee_for(project):
    return Committee.objects.filter(project=project).select_related("formed_by").first()


def committee_members(committee):
    """Every member (serving or withdrawn), the chair first."""
    return list(committee.members.select_related("evaluator").order_by("-is_chair", "joined_at", "pk"))


def serving_members(project):
    return CommitteeMember.objects.filter(
        committee__project=project, status=CommitteeMember.Status.ACTIVE
    ).select_related("evaluator")


def committee_expertise(committee):
    return list(committee.expertise.all())


def draw_events(committee):
    """The committee's recorded draws, oldest first, and the names of the
    evaluators they drew ({pk: name})."""
    events = list(
        AuditEvent.objects.filter(
            object_type="marketplace.committee", object_id=str(committee.pk), action__in=DRAW_ACTIONS
        ).order_by("created_at", "pk")
    )
    ids = {pk for event in events for pk in (event.details or {}).get("drawn", [])}
    return events, {e.pk: e.name for e in Evaluator.objects.filter(pk__in=ids)}


def reports_for(project):
    """Every evaluation report of the project, the newest first."""
    return list(EvaluationReport.objects.filter(project=project).select_related("generated_by").order_by("-number"))


def report_by_number(project, number):
    return EvaluationReport.objects.filter(project=project, number=number).first()


def report_confirmations(report):
    return list(report.confirmations.select_related("member__evaluator").order_by("confirmed_at", "pk"))


def qualifications_for(bids):
    """{bid pk: its qualification review} for ``bids``."""
    return {q.bid_id: q for q in Qualification.objects.filter(bid_id__in=[b.pk for b in bids])}


def awards_for(project):
    """Every award of the project (live and cancelled), the newest first."""
    return list(project.awards.select_related("bid__organization", "awarded_by", "report").order_by("-awarded_at"))


def challenges_for(project):
    return list(project.challenges.select_related("organization").order_by("filed_at", "pk"))


def challenge_for(project, pk):
    """One challenge of ``project`` with what its page shows, or None."""
    challenge = (
        Challenge.objects.filter(project=project, pk=pk)
        .select_related("organization", "award__bid__organization", "filed_by", "answered_by", "decided_by")
        .first()
    )
    if challenge is not None:
        challenge.project = project
    return challenge


def challenge_documents(challenge):
    return list(challenge.documents.all())


def challenge_document(challenge, pk):
    return ChallengeDocument.objects.filter(challenge=challenge, pk=pk).first()


def challenge_events(challenge):
    """The audit events of one challenge, oldest first, with their actors."""
    events = AuditEvent.objects.filter(object_type="marketplace.challenge", object_id=str(challenge.pk))
    return list(events.select_related("actor").order_by("created_at", "pk"))


def open_challenges():
    """Open challenges on every project, the oldest answer due first."""
    return (
        Challenge.objects.filter(state__in=Challenge.OPEN_STATES)
        .select_related("project", "organization")
        .order_by("answer_due", "pk")
    )


# --- an organization's result page ---------------------------------------------------------------------


def latest_award(project):
    """The most recent award of ``project`` (live or cancelled), or None."""
    awards = Award.objects.filter(project=project).select_related("bid__organization", "report")
    return awards.order_by("-awarded_at", "-pk").first()


def organization_challenges(project, organization):
    """The organization's challenges on ``project``, with their documents."""
    return list(
        Challenge.objects.filter(project=project, organization=organization)
        .prefetch_related("documents")
        .order_by("filed_at", "pk")
    )


def organization_challenge_document(project, organization, pk):
    return ChallengeDocument.objects.filter(
        pk=pk, challenge__project=project, challenge__organization=organization
    ).first()


# --- the officers' to-do page (marketplace/workspace) ------------------------------------------------


def committees_to_form():
    """Projects whose bids are opened and that have no committee yet, the longest waiting first."""
    projects = Project.objects.filter(state=Project.State.CLOSED, committee__isnull=True)
    return projects.order_by("opened_at", "pk")


def reports_awaiting_confirmation():
    """Current evaluation reports not yet confirmed by every member, the oldest first."""
    reports = EvaluationReport.objects.filter(
        superseded_at__isnull=True, confirmed_at__isnull=True, project__state=Project.State.EVALUATING
    )
    return reports.select_related("project").order_by("generated_at", "pk")


def ready_to_award():
    """Evaluating projects with a confirmed current report and no live award, the longest waiting first."""
    reports = EvaluationReport.objects.filter(
        superseded_at__isnull=True, confirmed_at__isnull=False, project__state=Project.State.EVALUATING
    ).exclude(Exists(Award.objects.filter(project=OuterRef("project"), cancelled_at__isnull=True)))
    return reports.select_related("project").order_by("confirmed_at", "pk")


# --- announcements (cms.announcements) ------------------------------------------------------------

PUBLIC_Q_FOR_PROJECT = Q(project__state__in=Project.PUBLIC_STATES, project__published_at__isnull=False)


def disclosure_events(project_ref=None, project_ids=None):
    """The announcements the evaluation domain owes (see
    ``marketplace.procurement.public.disclosure_events`` for the shape): each
    award's result (结果公告) and each decided challenge (质疑处理结果: the
    officer's neutral summary of the grounds, the decision and the remedy;
    never the challenger, its letter or the reasons addressed to it)."""
    scope = disclosure_scope("project__ref", "project_id", project_ref, project_ids)
    found = []
    awards = Award.objects.filter(PUBLIC_Q_FOR_PROJECT, **scope).select_related("project", "bid__organization")
    for award in awards:
        project = award.project
        found.append(
            {
                "kind": "result",
                "key": f"{project.ref}-{award.pk}",
                "title": project.title,
                "project_ref": project.ref,
                "event_at": award.awarded_at,
                "published_at": award.awarded_at,
                "facts": {
                    "organization": award.bid.organization.name,
                    "organization_id": award.bid.organization_id,
                    "price": str(award.price),
                    "challenge_deadline": award.challenge_deadline.isoformat(),
                },
            }
        )
        if award.cancelled_at is not None:
            # The cancellation is announced in its own right (the award's
            # announcement keeps what it announced).
            found.append(
                {
                    "kind": "result",
                    "key": f"{project.ref}-{award.pk}-cancelled",
                    "title": project.title,
                    "project_ref": project.ref,
                    "event_at": award.cancelled_at,
                    "published_at": award.cancelled_at,
                    "facts": {
                        "organization": award.bid.organization.name,
                        "organization_id": award.bid.organization_id,
                        "price": str(award.price),
                        "cancelled_at": award.cancelled_at.isoformat(),
                    },
                }
            )
    decided = Challenge.objects.filter(
        state__in=(Challenge.State.UPHELD, Challenge.State.DISMISSED), decided_at__isnull=False, **scope
    ).select_related("project")
    for challenge in decided:
        project = challenge.project
        found.append(
            {
                "kind": "challenge",
                "key": f"{project.ref}-{challenge.pk}",
                "title": project.title,
                "project_ref": project.ref,
                "event_at": challenge.decided_at,
                # Nothing showed the decision in public before its announcement.
                "published_at": None,
                "facts": {
                    "summary": challenge.public_summary,
                    "outcome": challenge.state,
                    "remedy": challenge.remedy,
                    "filed_on": timezone.localdate(challenge.filed_at).isoformat(),
                },
            }
        )
    return found


# --- open data (OCDS 1.1.5, cms/ocds) ------------------------------------------------------------


def projects_awarded_since(since, until=None):
    """The ids of the projects with an award made or cancelled in ``(since,
    until]`` (``until=None``: after ``since``; the open-data change feed reads
    only the projects that changed)."""
    awards = Award.objects.filter(changed_between(("awarded_at", "cancelled_at"), since, until))
    return set(awards.values_list("project_id", flat=True))


def projects_with_challenges_decided_since(since, until=None):
    """The ids of the projects with a challenge decided in ``(since, until]``."""
    rows = Challenge.objects.filter(changed_between(("decided_at",), since, until))
    return set(rows.values_list("project_id", flat=True))


def next_challenge_deadline_after(now):
    """The nearest end after ``now`` of a live award's challenge period: the
    moment its result page says the period is over (the public page cache, issue 18)."""
    return (
        Award.objects.filter(cancelled_at__isnull=True, challenge_deadline__gt=now)
        .order_by("challenge_deadline")
        .values_list("challenge_deadline", flat=True)
        .first()
    )
