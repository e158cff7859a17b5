"""The account an organization is paid into: its bank account (the
treasury's voucher) and, with the Stripe gateway, its connected account.

Changing either changes the account's fingerprint: a payment approved
before is not released until a finance officer approves it again
(``Payment.reapprove``), so a session left open cannot redirect money
that was approved for another account."""

from django.db import transaction
from django.utils import timezone

from contracts.payments import permissions
from contracts.payments.gateways import stripe as stripe_gateway
from contracts.payments.models import PayeeAccount
from contracts.payments.services import PaymentError
from marketplace.core.audit import record_event


def _require_admin(by, organization):
    from marketplace.organizations.permissions import can_administer

    permissions.require(can_administer(by, organization), PaymentError)


def save_payee_account(organization, *, by, bank_name, account_name, account_number):
    """The organization's administrator registers (or changes) the account it
    is paid into.  A payment already released keeps the voucher it has."""
    _require_admin(by, organization)
    with transaction.atomic():
        account = PayeeAccount.objects.select_for_update().filter(organization=organization).first()
        created = account is None or not account.has_bank_account
        account = account or PayeeAccount(organization=organization)
        account.bank_name, account.account_name = bank_name.strip(), account_name.strip()
        account.account_number, account.updated_by = account_number, by
        account.save()
        record_event(
            "payee_account.registered" if created else "payee_account.changed",
            actor=by,
            obj=account,
            # never the number itself in the audit chain: its last four digits
            details={"organization": organization.pk, "bank": account.bank_name, "number": account.masked_number},
        )
    return account


def start_stripe_onboarding(organization, *, by, refresh_url, return_url):
    """The administrator starts (or resumes) Stripe's onboarding: the
    connected account is created once (its id kept under the row lock; the
    organization's key makes a lost answer or a second click get the same
    account), then a fresh account link is made.  Returns the link."""
    _require_admin(by, organization)
    with transaction.atomic():
        account = PayeeAccount.objects.select_for_update().filter(organization=organization).first()
        if account is None or not account.stripe_account_id:
            account_id = stripe_gateway.create_connected_account(organization)
            account = account or PayeeAccount(organization=organization)
            account.stripe_account_id, account.updated_by = account_id, by
            account.stripe_details_submitted, account.stripe_transfers = False, ""
            account.save()
            record_event(
                "payee_account.stripe_connected",
                actor=by,
                obj=account,
                details={"organization": organization.pk, "stripe_account": account_id},
            )
    return stripe_gateway.onboarding_link(account.stripe_account_id, refresh_url=refresh_url, return_url=return_url)


def _store_status(account, details_submitted, transfers, *, by=None, source):
    changed = (account.stripe_details_submitted, account.stripe_transfers) != (details_submitted, transfers)
    account.stripe_details_submitted, account.stripe_transfers = details_submitted, transfers
    account.stripe_checked_at = timezone.now()
    # not updated_at: that is when the organization registered or changed the account
    account.save(update_fields=["stripe_details_submitted", "stripe_transfers", "stripe_checked_at"])
    if changed:
        record_event(
            "payee_account.stripe_status",
            actor=by,
            obj=account,
            details={
                "stripe_account": account.stripe_account_id,
                "details_submitted": details_submitted,
                "transfers": transfers,
                "source": source,
            },
        )
    return account


def refresh_stripe_status(organization, *, by):
    """Read the connected account's status from Stripe (the onboarding's return)."""
    _require_admin(by, organization)
    with transaction.atomic():
        account = PayeeAccount.objects.select_for_update().filter(organization=organization).first()
        if account is None or not account.stripe_account_id:
            return account
        details_submitted, transfers = stripe_gateway.account_status(account.stripe_account_id)
        return _store_status(account, details_submitted, transfers, by=by, source="return")


def stripe_account_updated(account_id):
    """Stripe's ``account.updated`` event (verified by the webhook) for one
    of the platform's connected accounts.  The status is read back from
    Stripe rather than taken from the event, so events delivered out of
    order never leave an older status behind.  Returns what it did."""
    with transaction.atomic():
        account = (
            PayeeAccount.objects.select_for_update().filter(stripe_account_id=account_id).first()
            if account_id
            else None
        )
        if account is None:
            return "unknown account"
        details_submitted, transfers = stripe_gateway.account_status(account_id)
        _store_status(account, details_submitted, transfers, source="webhook")
    return f"account {transfers}"
