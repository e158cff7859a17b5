"""What the public site may read about acceptance and performance (issue
15, 13-14), for the CMS pages: read-only, no personal data, no resident
data (no token, no answer of one resident; comments only once an officer
published them).

- ``acceptance_results(contract)``: per accepted milestone, the score, the
  decision, the number of survey responses and the decision day.
- ``published_comments(contract)``: comments published by an officer.
- ``performance_history(organization)``: the contracts the organization
  won and signed, with their sums, states, final scores and grades.
- ``organization_acceptance_record(organization)``: how many of its
  milestones were accepted, and the mean resident satisfaction and
  milestone score over them."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q
from django.utils import timezone

from contracts.contracts.models import Contract, Milestone
from contracts.milestones.models import AcceptanceRecord, SurveyResponse
from marketplace.core.filters import disclosure_scope

SIGNED = (Contract.State.ACTIVE, Contract.State.COMPLETED, Contract.State.TERMINATED)
DECIDED = (Milestone.State.ACCEPTED, Milestone.State.PAID)


def acceptance_results(contract):
    """``[{number, title, share, score, expert_score, satisfaction_score,
    decision, responses, decided_on}]`` for the accepted milestones."""
    if contract.state not in SIGNED:
        return []
    results = []
    milestones = contract.milestones.filter(state__in=DECIDED).order_by("number")
    for milestone in milestones:
        record = AcceptanceRecord.objects.filter(milestone=milestone, accepted=True).order_by("-created_at").first()
        results.append(
            {
                "number": milestone.number,
                "title": milestone.title,
                "share": milestone.share,
                "score": milestone.score,
                "expert_score": milestone.expert_score,
                "satisfaction_score": milestone.satisfaction_score,
                "decision": "accepted",
                "responses": record.responses if record else milestone.survey_responses.count(),
                "decided_on": timezone.localdate(milestone.decided_at) if milestone.decided_at else None,
                "by_exception": bool(milestone.override_approved_by_id),
            }
        )
    return results


def published_comments(contract):
    """``[{milestone, day, comment}]``: only comments an officer published."""
    if contract.state not in SIGNED:
        return []
    return [
        {"milestone": number, "day": day, "comment": comment}
        for number, day, comment in SurveyResponse.objects.filter(
            milestone__contract=contract, moderation=SurveyResponse.Moderation.PUBLISHED
        )
        .order_by("milestone__number", "answered_on", "pk")
        .values_list("milestone__number", "answered_on", "comment")
    ]


def performance_history(organization):
    """The organization's signed contracts, newest first: ``[{number,
    project, project_title, purchaser, amount, state, state_label,
    signed_on, completed_on, final_score, grade, grade_label}]``."""
    rows = []
    contracts = (
        Contract.objects.filter(organization=organization, state__in=SIGNED)
        .select_related("project")
        .order_by("-activated_at", "-pk")
    )
    for contract in contracts:
        rows.append(
            {
                "number": contract.number,
                "project": contract.project.ref,
                "project_title": contract.project.title,
                "purchaser": contract.purchaser,
                "amount": contract.amount,
                "state": contract.state,
                "state_label": contract.get_state_display(),
                "signed_on": timezone.localdate(contract.activated_at) if contract.activated_at else None,
                "completed_on": timezone.localdate(contract.completed_at) if contract.completed_at else None,
                "final_score": contract.final_score,
                "grade": contract.grade,
                "grade_label": contract.get_grade_display() if contract.grade else "",
            }
        )
    return rows


def organization_acceptance_record(organization):
    """``{"accepted": n, "satisfaction": Decimal | None, "score": Decimal |
    None, "surveyed": n}`` over the accepted (or paid) milestones of the
    organization's signed contracts: the mean resident satisfaction score
    (over the ``surveyed`` milestones that have one) and the mean milestone
    score, rounded to two places.  One query."""
    row = Milestone.objects.filter(
        contract__organization=organization, contract__state__in=SIGNED, state__in=DECIDED
    ).aggregate(
        accepted=Count("pk"),
        surveyed=Count("pk", filter=Q(satisfaction_score__isnull=False)),
        satisfaction=Avg("satisfaction_score"),
        score=Avg("score"),
    )
    for key in ("satisfaction", "score"):
        if row[key] is not None:
            row[key] = Decimal(str(row[key])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return row


def acceptance_documents(contract_id):
    """{milestone number: (sha256, created_at)} of the acceptance report PDF
    behind each accepted milestone of a signed contract (the latest accepted
    record), for the open-data feed: only the file's digest and time, never
    its content."""
    found = {}
    records = AcceptanceRecord.objects.filter(
        milestone__contract_id=contract_id, milestone__contract__state__in=SIGNED, accepted=True
    ).order_by("created_at", "pk")
    for number, sha256, created_at in records.values_list("milestone__number", "sha256", "created_at"):
        found[number] = (sha256, created_at)
    return found


def disclosure_events(project_ref=None, project_ids=None):
    """The acceptance results (验收结果) owed, one per accepted milestone of a
    signed contract (the shape of
    ``marketplace.procurement.public.disclosure_events``); public on the
    contract's page from the decision."""
    scope = disclosure_scope("contract__project__ref", "contract__project_id", project_ref, project_ids)
    rows = Milestone.objects.filter(
        contract__state__in=SIGNED, state__in=DECIDED, decided_at__isnull=False, **scope
    ).select_related("contract__project", "contract__organization")
    return [
        {
            "kind": "acceptance",
            "key": f"{m.contract.number}-{m.number}",
            "title": m.contract.project.title,
            "project_ref": m.contract.project.ref,
            "contract_number": m.contract.number,
            "event_at": m.decided_at,
            "published_at": m.decided_at,
            "facts": {
                "milestone": m.number,
                "milestone_title": m.title,
                "organization": m.contract.organization.name,
                "organization_id": m.contract.organization_id,
                "score": str(m.score) if m.score is not None else "",
                "by_exception": bool(m.override_approved_by_id),
            },
        }
        for m in rows
    ]
