"""Compare the gateway's records with the ledger and report every difference.

    manage.py reconcile_payments [--gateway stripe]

For Stripe: every transfer must belong to a payment of this platform (its
metadata names it) with the same amount and reference, in ``processing``
or ``paid``; every payment the platform sent to Stripe and holds as
``processing`` with a reference or ``paid`` must have its transfer there;
no payment has two transfers.  Prints one line per difference and exits 1
when there is any (a cron job's failure mail), 0 when the books agree."""

from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError

from contracts.payments import gateways
from contracts.payments.gateways.stripe import minor_units
from contracts.payments.models import Payment


def differences(transfers, payments):
    """Each difference between ``transfers`` (the gateway's: dicts with id,
    amount, metadata, reversed) and ``payments`` (the platform's), as text."""
    found = []
    by_reference = {p.gateway_reference: p for p in payments if p.gateway_reference}
    by_pk = {str(p.pk): p for p in payments}
    per_payment = defaultdict(list)
    for transfer in transfers:
        metadata = transfer.get("metadata") or {}
        payment = by_reference.get(transfer["id"]) or by_pk.get(str(metadata.get("payment", "")))
        if payment is None:
            found.append(f"transfer {transfer['id']}: no payment of this platform")
            continue
        per_payment[payment.pk].append(transfer["id"])
        if transfer["amount"] != minor_units(payment.amount):
            found.append(
                f"transfer {transfer['id']}: {transfer['amount']} minor units, "
                f"payment {payment.pk} has {payment.amount}"
            )
        if payment.gateway_reference != transfer["id"]:
            found.append(
                f"transfer {transfer['id']}: payment {payment.pk} records {payment.gateway_reference or 'none'}"
            )
        if payment.state not in (Payment.State.PROCESSING, Payment.State.PAID):
            found.append(f"transfer {transfer['id']}: payment {payment.pk} is {payment.state}")
        if transfer.get("reversed"):
            found.append(f"transfer {transfer['id']}: reversed at the gateway, payment {payment.pk} is {payment.state}")
    for pk, ids in per_payment.items():
        if len(ids) > 1:
            found.append(f"payment {pk}: {len(ids)} transfers ({', '.join(sorted(ids))})")
    seen = {transfer["id"] for transfer in transfers}
    for payment in payments:
        expected = payment.state == Payment.State.PAID or (
            payment.state == Payment.State.PROCESSING and payment.gateway_reference
        )
        if expected and payment.gateway_reference not in seen:
            found.append(
                f"payment {payment.pk} ({payment.state}): "
                f"transfer {payment.gateway_reference or 'none'} not at the gateway"
            )
    return found


class Command(BaseCommand):
    help = "Compare the payment gateway's records with the ledger; exit 1 on any difference."

    def add_arguments(self, parser):
        parser.add_argument("--gateway", default="stripe", choices=["stripe"])

    def handle(self, *args, gateway, **options):
        try:
            transfers = [t.to_dict() for t in gateways.get(gateway).transfers()]
        except gateways.GatewayError as error:
            raise CommandError(error.message) from error
        payments = list(Payment.objects.filter(gateway=gateway).select_related("contract"))
        found = differences(transfers, payments)
        for line in found:
            self.stdout.write(line)
        if found:
            raise CommandError(f"{len(found)} difference(s) between {gateway} and the ledger")
        self.stdout.write(f"{len(transfers)} transfers and {len(payments)} payments agree.")
