"""Completion and grade (issue 15, 14): once every milestone of an active
contract is accepted, the contract completes (``Contract.complete``) with
its final score (the milestone scores weighted by their shares) and grade
(A 优秀 ≥ 90, B 良好 ≥ 80, C 合格 ≥ 60, D 不合格), and the organization is
told.  The grade reaches the entry standards' minimum-grade rule through
the grade source registered in ``evaluation_hooks``."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.contracts import events
from contracts.contracts.models import Contract, Milestone
from contracts.milestones import evaluation_messages as messages
from contracts.milestones import scoring
from marketplace.core import fsm, notifications
from marketplace.core.errors import DomainError

DONE = (Milestone.State.ACCEPTED, Milestone.State.PAID)


class CompletionError(DomainError):
    default_code = "completion_refused"


def complete_if_done(contract, *, by):
    """In the caller's transaction (after its milestone lock): complete the
    contract when its last milestone is accepted; returns the contract, or
    None while a milestone is open."""
    contract = Contract.objects.select_for_update().select_related("organization").get(pk=contract.pk)
    if contract.state != Contract.State.ACTIVE:
        return None
    milestones = list(contract.milestones.order_by("number"))
    if not milestones or any(m.state not in DONE or m.score is None for m in milestones):
        return None
    contract.final_score = scoring.final_score([(m.share, m.score) for m in milestones])
    contract.grade = scoring.grade(contract.final_score)
    fsm.require(contract.complete, by, CompletionError)
    contract.complete(
        by=by, reason=str(_("Every milestone accepted: final score %(score)s") % {"score": contract.final_score})
    )
    contract.completed_at = timezone.now()
    contract.save(update_fields=["state", "final_score", "grade", "completed_at"])
    events.contract_closed.send(sender=Contract, contract=contract, by=by)
    users = [m.user for m in contract.organization.memberships.select_related("user") if m.user.is_active]
    if users:
        notifications.send(
            messages.CONTRACT_COMPLETED,
            users,
            {"contract": contract.number, "score": contract.final_score, "grade": contract.get_grade_display()},
            link=reverse("orgcontracts:detail", kwargs={"pk": contract.organization_id, "number": contract.number}),
        )
    return contract
