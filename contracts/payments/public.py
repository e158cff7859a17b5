"""What the public site may read about payments (issue 16, 7): each payment
once it is paid: the day, the amount, the contract and milestone, the
organization; never an account, a bank reference or who paid.

Timeliness: the announcement is due 2 working days after the bank paid
(the same statutory period as the contract's).  The public page reads the
payments live, so a payment is announced the moment it is recorded as paid
(``paid_at``): a bank payment recorded late is announced late, and says so."""

from dataclasses import dataclass

from django.utils import timezone

from contracts.payments.models import Payment
from marketplace.core import workdays
from marketplace.core.filters import changed_between, disclosure_scope

#: working days after the payment within which it is announced
ANNOUNCE_WITHIN = 2


@dataclass(frozen=True)
class PublicPayment:
    milestone_number: int
    milestone_title: str
    amount: object
    paid_on: object
    announcement_due: object
    announced_at: object
    contract_number: str = ""

    @property
    def late(self):
        return timezone.localdate(self.announced_at) > self.announcement_due


def _public(payment):
    paid_on = payment.bank_paid_on or timezone.localdate(payment.paid_at)
    return PublicPayment(
        milestone_number=payment.milestone.number,
        milestone_title=payment.milestone.title,
        amount=payment.amount,
        paid_on=paid_on,
        announcement_due=workdays.add_days(paid_on, ANNOUNCE_WITHIN, workdays.DayCount.WORKING),
        announced_at=payment.paid_at,
        contract_number=payment.contract.number,
    )


def paid_payments(contract):
    """The contract's paid payments, oldest first."""
    rows = Payment.objects.filter(contract=contract, state=Payment.State.PAID).select_related("milestone", "contract")
    return [_public(payment) for payment in rows.order_by("paid_at", "pk")]


def announcements(year):
    """The announcements of the payments paid under the contracts of fund year ``year``, late ones first."""
    rows = Payment.objects.filter(state=Payment.State.PAID, contract__project__year=year).select_related(
        "milestone", "contract"
    )
    found = [_public(payment) for payment in rows]
    return sorted(found, key=lambda p: (not p.late, p.announcement_due, p.contract_number, p.milestone_number))


def sum_committed_at_signing(contract_id):
    """The contract sum committed in the ledger when the contract came into
    force (its first sum, before any amendment), or None when nothing was
    committed (for the open-data feed's contract release)."""
    from contracts.payments.models import LedgerEntry

    return (
        LedgerEntry.objects.filter(contract_id=contract_id, kind=LedgerEntry.Kind.COMMITMENT)
        .order_by("pk")
        .values_list("amount", flat=True)
        .first()
    )


def paid_transactions(contract_id):
    """The contract's paid payments for the open-data feed, oldest first:
    ``[{"key", "milestone_number", "amount", "paid_on", "paid_at"}]``, where
    ``key`` is stable (the payment's number on the platform); never an
    account, a bank reference or who paid."""
    rows = Payment.objects.filter(contract_id=contract_id, state=Payment.State.PAID).select_related("milestone")
    return [
        {
            "key": payment.pk,
            "milestone_number": payment.milestone.number,
            "amount": payment.amount,
            "paid_on": payment.bank_paid_on or timezone.localdate(payment.paid_at),
            "paid_at": payment.paid_at,
        }
        for payment in rows.order_by("paid_at", "pk")
    ]


def disclosure_events(project_ref=None, project_ids=None):
    """The payment announcements (资金拨付) owed, one per paid payment (the
    shape of ``marketplace.procurement.public.disclosure_events``): the event
    is the bank's payment day, public on the contract's page from the moment
    it was recorded as paid.  No account, no bank reference, no person."""
    import datetime

    scope = disclosure_scope("contract__project__ref", "contract__project_id", project_ref, project_ids)
    rows = Payment.objects.filter(state=Payment.State.PAID, **scope).select_related(
        "milestone", "contract__project", "contract__organization"
    )
    found = []
    for payment in rows:
        paid_on = payment.bank_paid_on or timezone.localdate(payment.paid_at)
        event_at = timezone.make_aware(datetime.datetime.combine(paid_on, datetime.time(12, 0)))
        found.append(
            {
                "kind": "payment",
                "key": str(payment.pk),
                "title": payment.contract.project.title,
                "project_ref": payment.contract.project.ref,
                "contract_number": payment.contract.number,
                "event_at": min(event_at, payment.paid_at),
                "published_at": payment.paid_at,
                "facts": {
                    "milestone": payment.milestone.number,
                    "milestone_title": payment.milestone.title,
                    "organization": payment.contract.organization.name,
                    "organization_id": payment.contract.organization_id,
                    "amount": str(payment.amount),
                    "paid_on": paid_on.isoformat(),
                },
            }
        )
    return found


def projects_paid_since(since, until=None):
    """The ids of the projects with a payment recorded as paid in ``(since,
    until]`` (``until=None``: after ``since``)."""
    rows = Payment.objects.filter(changed_between(("paid_at",), since, until), state=Payment.State.PAID)
    return set(rows.values_list("contract__project_id", flat=True))
