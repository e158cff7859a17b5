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
