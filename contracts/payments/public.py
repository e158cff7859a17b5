"""What the public site may read about payments (issue 16, 7): each payment
once it is paid: the day, the amount, the contract and milestone, the
organization; never an account, a bank reference or who paid.  The
payment's announcement is due 2 working days after it was paid (the same
statutory period as the contract's), recorded for the disclosure work."""

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


def paid_payments(contract):
    """The contract's paid payments, oldest first."""
    rows = Payment.objects.filter(contract=contract, state=Payment.State.PAID).select_related("milestone")
    found = []
    for payment in rows.order_by("paid_at", "pk"):
        paid_on = payment.bank_paid_on or timezone.localdate(payment.paid_at)
        found.append(
            PublicPayment(
                milestone_number=payment.milestone.number,
                milestone_title=payment.milestone.title,
                amount=payment.amount,
                paid_on=paid_on,
                announcement_due=workdays.add_days(
                    timezone.localdate(payment.paid_at), ANNOUNCE_WITHIN, workdays.DayCount.WORKING
                ),
            )
        )
    return found
