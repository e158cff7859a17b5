"""The offline treasury gateway (the default): a release writes the
disbursement instruction, numbered from the payment (so a second call
writes nothing new), and its voucher PDF (拨付凭证) with the payee's full
account; the treasury pays from the voucher and the finance officer
records the bank's transaction reference and date to mark it paid."""

from contracts.payments.gateways.base import Gateway, GatewayResult


def instruction_number(payment):
    return f"BF-{payment.requested_at:%Y}-{payment.pk:06d}"


class LedgerGateway(Gateway):
    name = "ledger"
    manual_settlement = True

    def disburse(self, payment):
        from contracts.payments.pdfs import write_voucher

        reference = payment.gateway_reference or instruction_number(payment)
        if not payment.voucher:
            write_voucher(payment, reference)
        return GatewayResult(reference=reference, settled=False)
