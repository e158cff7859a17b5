"""What the public site may read about acceptance and performance (issue
15, 13-14), for the CMS pages: read-only, no personal data, no resident
data (no token, no answer of one resident; comments only once an officer
published them).

- ``acceptance_results(contract)``: per accepted milestone, the score, the
  decision, the number of survey responses and the decision day.
- ``published_comments(contract)``: comments published by an officer.
- ``performance_history(organization)``: the contracts the organization
  won and signed, with their sums, states, final scores and grades."""

from django.utils import timezone

from contracts.contracts.models import Contract, Milestone
from contracts.milestones.models import AcceptanceRecord, SurveyResponse

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
