"""The payments domain follows the domains it builds on through their
events (they never import it): an accepted milestone gets its payment
request in the same transaction; a contract in force gets its sum
committed in the ledger."""

from django.db import transaction

from contracts.contracts.events import contract_activated
from contracts.contracts.models import Contract, Milestone
from contracts.milestones.events import milestone_accepted


def request_payment(sender, milestone, by, **kwargs):
    from contracts.payments import services

    services.request_for_milestone(milestone, by=by)


def commit_contract_sum(sender, contract, **kwargs):
    from contracts.payments import services

    with transaction.atomic():
        services.ensure_commitment(Contract.objects.get(pk=contract.pk))


milestone_accepted.connect(request_payment, sender=Milestone, dispatch_uid="payments.request_payment")
contract_activated.connect(commit_contract_sum, sender=Contract, dispatch_uid="payments.commit_contract_sum")
