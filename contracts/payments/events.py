"""The payments domain's public events.

``payment_paid(sender=Payment, payment=...)``: the payment is paid (the
bank's day recorded, or the gateway settled it); its announcement (资金拨付)
is due.  Sent inside the transaction; receivers that publish do so after
it commits (``transaction.on_commit``), so a publication failure can never
roll a payment back."""

from django.dispatch import Signal

payment_paid = Signal()
