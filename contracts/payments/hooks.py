"""The payments domain follows the domains it builds on through their
events (they never import it): an accepted milestone gets its payment
request in the same transaction; a contract in force gets its sum
committed in the ledger, an amended sum adjusts the commitment, and a
contract that completes or is terminated gives back what it will not pay
(both inside the contracts domain's transaction)."""

from django.db import transaction

from contracts.contracts.events import contract_activated, contract_closed, contract_sum_changed
from contracts.contracts.models import Contract, Milestone
from contracts.milestones.events import milestone_accepted
from marketplace.core import extensions


def request_payment(sender, milestone, by, **kwargs):
    from contracts.payments import services

    services.request_for_milestone(milestone, by=by)


def commit_contract_sum(sender, contract, **kwargs):
    from contracts.payments import services

    with transaction.atomic():
        services.ensure_commitment(Contract.objects.get(pk=contract.pk))


def release_what_is_left(sender, contract, by, **kwargs):
    from contracts.payments import services

    services.release_commitment(contract, by=by)


def follow_the_sum(sender, contract, previous, amendment, by, **kwargs):
    from contracts.payments import services

    services.adjust_commitment(contract, previous=previous, amendment=amendment, by=by)


milestone_accepted.connect(request_payment, sender=Milestone, dispatch_uid="payments.request_payment")
contract_activated.connect(commit_contract_sum, sender=Contract, dispatch_uid="payments.commit_contract_sum")
contract_closed.connect(release_what_is_left, sender=Contract, dispatch_uid="payments.release_what_is_left")
contract_sum_changed.connect(follow_the_sum, sender=Contract, dispatch_uid="payments.follow_the_sum")


# --- where finance officers work, and the organization's payments on its workspace ---------------------------


def finance_workspace(user):
    from django.urls import reverse

    from contracts.payments.permissions import is_finance

    return reverse("payments:index") if is_finance(user) else None


def organization_panel(user, organization):
    """The organization's payments and the account it is paid into, on its workspace."""
    from contracts.payments import selectors
    from marketplace.organizations.permissions import can_act_for

    if not can_act_for(user, organization) or not organization.contracts.exists():
        return None
    payments = list(selectors.organization_payments(organization)[:5])
    return extensions.Panel(
        "contracts/payments/panel_organization.html",
        {
            "organization": organization,
            "payments": payments,
            "account": selectors.payee_account(organization),
        },
        rank=60,
    )


extensions.register("workspace", finance_workspace)
extensions.register("organization_workspace", organization_panel)
