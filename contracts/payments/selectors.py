"""Reading payments and the ledger (the one source of the money figures)."""

from decimal import Decimal

from django.db.models import Q, Sum

from contracts.payments.models import LedgerEntry, PayeeAccount, Payment

WAITING = (Payment.State.REQUESTED, Payment.State.APPROVED, Payment.State.PROCESSING, Payment.State.FAILED)


def payments():
    return Payment.objects.select_related(
        "contract", "contract__organization", "contract__organization__payee_account", "contract__project", "milestone"
    )


def filtered(state="", q=""):
    found = payments()
    if state == "waiting":
        found = found.filter(state__in=WAITING)
    elif state:
        found = found.filter(state=state)
    if q:
        found = found.filter(
            Q(contract__number__icontains=q)
            | Q(contract__organization__name__icontains=q)
            | Q(contract__project__title__icontains=q)
        )
    return found.order_by("-requested_at", "-pk")


def organization_payments(organization):
    return payments().filter(contract__organization=organization).order_by("-requested_at", "-pk")


def payee_account(organization):
    return PayeeAccount.objects.filter(organization=organization).first()


def ledger_of(contract):
    return list(LedgerEntry.objects.filter(contract=contract).select_related("payment").order_by("created_at", "pk"))


def balances(contract):
    """``{account: balance}`` of a contract from its ledger entries (debits in, credits out)."""
    totals = {account: Decimal("0") for account in LedgerEntry.Account.values}
    rows = LedgerEntry.objects.filter(contract=contract)
    for row in rows.values("debit").annotate(total=Sum("amount")):
        totals[row["debit"]] += row["total"]
    for row in rows.values("credit").annotate(total=Sum("amount")):
        totals[row["credit"]] -= row["total"]
    return totals
