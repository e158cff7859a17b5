"""The treasury payment voucher (拨付凭证) of a payment released through the
ledger gateway: payer, payee organization with its full registered account
(the one page that shows it), the amount in figures and in Chinese
capitals, the contract and milestone, who approved and who released.
Written once when the payment is released; its SHA-256 is kept and the
file never changes (a retry finds it)."""

import hashlib

from django.core.files.base import ContentFile
from django.utils import timezone

from contracts.payments.models import PayeeAccount
from marketplace.core.money import cny_capitals
from marketplace.core.pdf import render_pdf


def voucher_context(payment, reference):
    contract = payment.contract
    return {
        "payment": payment,
        "contract": contract,
        "milestone": payment.milestone,
        "account": PayeeAccount.objects.get(organization_id=contract.organization_id),
        "reference": reference,
        "capitals": cny_capitals(payment.amount),
        "written_at": timezone.localtime(),
    }


def write_voucher(payment, reference):
    pdf = render_pdf("pdf/payment_voucher.html", voucher_context(payment, reference))
    payment.voucher.save(f"{reference}.pdf", ContentFile(pdf), save=False)
    payment.voucher_sha256 = hashlib.sha256(pdf).hexdigest()
    return pdf
