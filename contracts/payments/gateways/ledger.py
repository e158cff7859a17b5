"""The offline treasury gateway (the default): a release writes the
disbursement instruction, numbered from the payment (so a second call
writes nothing new), and its voucher PDF (拨付凭证) with the payee's full
account; the treasury pays from the voucher and the finance officer
records the bank's transaction reference and date to mark it paid, or
that the bank returned it (退票: the account was wrong or closed): the
payment fails, and its next attempt writes a new instruction and voucher."""

from contracts.payments.gateways.base import Gateway, GatewayResult


def instruction_number(payment):
    """BF-<year>-<payment>, and -<attempt> from the second attempt (a payment the bank returned)."""
    number = f"BF-{payment.requested_at:%Y}-{payment.pk:06d}"
    return number if payment.attempts <= 1 else f"{number}-{payment.attempts}"


class LedgerGateway(Gateway):
    name = "ledger"
    manual_settlement = True

    def disburse(self, payment):
        from contracts.payments.pdfs import write_voucher

        reference = payment.gateway_reference or instruction_number(payment)
        if not payment.voucher:
            write_voucher(payment, reference)
        return GatewayResult(reference=reference, settled=False)
