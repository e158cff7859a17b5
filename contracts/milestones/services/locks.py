"""The one way the milestone services lock a milestone."""

from contracts.contracts.models import Contract, Milestone


def lock_milestone(milestone):
    """The milestone row, locked, with its contract and organization.  The
    contract row is locked first, as amendments and termination lock it, so
    a milestone is never decided on a contract being terminated or amended
    at the same moment.  Lock order: contract, milestone, audit chain head."""
    Contract.objects.select_for_update().filter(pk=milestone.contract_id).first()
    return (
        Milestone.objects.select_for_update(of=("self",)).select_related("contract__organization").get(pk=milestone.pk)
    )
