"""What every payment gateway does: disburse one payment, exactly once.

``disburse(payment)`` is called by the release task with the payment row
locked and in ``processing``; it must be safe to call again for the same
payment (a retry after a crash or a failure): the payment's idempotency key
identifies the disbursement at the gateway, so a second call finds the
first instead of paying twice.  It returns a ``GatewayResult``: the
gateway's reference (kept on the payment: no ``paid`` without it) and
whether the money has moved already (``settled``) or will be confirmed
later (a bank reference typed by the finance officer, a webhook).  It
raises ``GatewayError``: ``permanent`` for a refusal that a retry would
repeat (the payment fails, with the gateway's message), else a transient
fault (the task tries again later; the payment stays in ``processing``)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class GatewayResult:
    reference: str
    settled: bool


class GatewayError(Exception):
    def __init__(self, message, *, permanent):
        super().__init__(message)
        self.message = str(message)
        self.permanent = permanent


class Gateway:
    name = ""
    #: the finance officer records the bank's reference to mark a payment paid
    manual_settlement = False

    def disburse(self, payment):  # pragma: no cover - the interface
        raise NotImplementedError
