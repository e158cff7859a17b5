"""What the contract services share: the domain's error, the locks (the
project first, then the contract: the audit chain's lock order), the legal
signing clock and the people a contract's messages go to."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from contracts.contracts.models import Contract
from marketplace.core import notifications
from marketplace.core.errors import DomainError
from marketplace.core.models.users import User
from marketplace.core.permissions import Permission
from marketplace.procurement.models.projects import Project

#: the contract should be signed within this many days of the award notice
SIGNING_DAYS = 30


class ContractError(DomainError):
    """A contract rule was broken (message for the user)."""

    default_code = "contract"


class TermsError(ContractError):
    """The drafted terms break one rule or more; ``problems`` lists them all
    (each a ``ContractError`` naming its field), so a form shows every one."""

    def __init__(self, problems):
        first = problems[0]
        super().__init__(first.message, first.field, first.code)
        self.problems = list(problems)


def lock(contract):
    """Lock the contract's project, then the contract; the fresh contract."""
    Project.objects.select_for_update().get(pk=contract.project_id)
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("kind", "organization", "award")
        .get(pk=contract.pk)
    )


# --- the legal clock -------------------------------------------------------------------------------


def signing_deadline(award):
    """The day by which the contract should be signed: 30 days after the
    award notice (Beijing dates)."""
    return signing_deadline_of(award.awarded_at)


def signing_deadline_of(awarded_at):
    """The same from the award notice's time: the one rule every page, light
    and to-do item asks (its last minute is 23:59 that day)."""
    return timezone.localdate(awarded_at) + datetime.timedelta(days=SIGNING_DAYS)


def signing_days_left(award, today=None):
    """Days left to sign (0 on the last day; negative once overdue)."""
    today = today or timezone.localdate()
    return (signing_deadline(award) - today).days


# --- recipients ------------------------------------------------------------------------------------


def officers(exclude=()):
    found = User.objects.with_perm(str(Permission.MANAGE_PROCUREMENT), is_active=True, include_superusers=False)
    return list(found.exclude(pk__in=[u.pk if hasattr(u, "pk") else u for u in exclude]).order_by("pk"))


def organization_admins(contract):
    return list(
        User.objects.filter(
            memberships__organization_id=contract.organization_id, memberships__role="admin", is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def organization_members(contract):
    return list(
        User.objects.filter(memberships__organization_id=contract.organization_id, is_active=True)
        .distinct()
        .order_by("pk")
    )


def officer_url(contract):
    return reverse("contracts:detail", args=[contract.number])


def organization_url(contract):
    return reverse("orgcontracts:detail", args=[contract.organization_id, contract.number])


def context_of(contract, **extra):
    return {
        "number": contract.number,
        "title": contract.project.title,
        "organization": contract.organization.name,
        **extra,
    }


def tell(message_type, users, contract, link, **extra):
    """Send ``message_type`` to ``users`` once the transaction commits."""
    users = list(users)
    context = context_of(contract, **extra)
    if users:
        transaction.on_commit(lambda: notifications.send(message_type, users, context, link=link))


def tell_parties(message_type, contract, *, exclude=(), officers_too=True, **extra):
    """The organization's members (on its pages) and the officers (on theirs)."""
    skip = {getattr(u, "pk", u) for u in exclude}
    tell(
        message_type,
        [u for u in organization_members(contract) if u.pk not in skip],
        contract,
        organization_url(contract),
        **extra,
    )
    if officers_too:
        tell(message_type, [u for u in officers() if u.pk not in skip], contract, officer_url(contract), **extra)
