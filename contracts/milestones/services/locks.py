"""The one way the milestone services lock a milestone."""

from contracts.contracts.models import Milestone


def lock_milestone(milestone):
    """The milestone row, locked (only its own row: the contract and the
    organization are read, not locked), with its contract and organization.
    Lock order: the milestone first, the audit chain head last."""
    return (
        Milestone.objects.select_for_update(of=("self",)).select_related("contract__organization").get(pk=milestone.pk)
    )
