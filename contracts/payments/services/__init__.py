"""Moving a payment: each step one transaction, the contract's row locked
first (then the payment, then the audit chain head), the transition asked
through the state machine (``permissions`` holds the actor rules), the
audit event and the ledger entry written with it, messages and the release
task sent after the commit.

- ``request_for_milestone``: accepting a milestone (the milestones domain's
  ``milestone_accepted`` event, inside its transaction) creates the
  milestone's payment request for the payable amount: one per milestone,
  ever (a unique constraint), and never beyond the contract sum.
- ``approve`` → ``release`` (a finance officer; the release task runs after
  the commit) → the gateway's record → ``record_paid`` (ledger gateway: the
  bank's reference and date) or the gateway's confirmation; ``failed`` →
  ``retry`` with the same idempotency key (a new one after a reversed
  transfer or a bank's return, ``record_returned``); ``reapprove`` when the
  payee changed its account since the approval; ``cancel`` a request (an
  approved or failed payment once the contract is terminated).
- The ledger: ``ensure_commitment`` (in force), ``adjust_commitment`` (an
  amended sum), ``release_commitment`` (completed or terminated) and the
  release of a cancelled payment; ``accounts`` holds the payee accounts and
  Stripe's onboarding."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.contracts.models import Contract
from contracts.payments import events as payment_events
from contracts.payments import gateways, messages, permissions
from contracts.payments.models import LedgerEntry, PayeeAccount, Payment, account_as_approved, new_idempotency_key
from marketplace.core import fsm, notifications
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.models.users import User


class PaymentError(DomainError):
    default_code = "payment"


def lock(payment):
    """The contract row, then the payment row (fresh, with its contract)."""
    Contract.objects.select_for_update().filter(pk=payment.contract_id).first()
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("contract", "contract__organization", "milestone")
        .get(pk=payment.pk)
    )


def live_total(contract, exclude=None):
    """What the contract's live payments (not failed or cancelled) add up to."""
    payments = Payment.objects.filter(contract=contract, state__in=Payment.LIVE)
    if exclude is not None:
        payments = payments.exclude(pk=exclude.pk)
    return payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def _within_contract_sum(contract, amount, exclude=None):
    if live_total(contract, exclude) + amount > contract.amount:
        raise PaymentError(
            _("The contract's payments would exceed its sum (¥%(sum)s).") % {"sum": contract.amount},
            None,
            "over_contract_sum",
        )


def _entry(contract, kind, debit, credit, amount, *, payment=None, by=None, memo=""):
    """Write one ledger entry unless it exists (the unique keys make this
    idempotent: per contract or payment and kind; an adjustment per memo,
    which names its amendment)."""
    found = LedgerEntry.objects.filter(contract=contract, kind=kind, payment=payment)
    if kind == LedgerEntry.Kind.ADJUSTMENT:
        found = found.filter(memo=memo)
    found = found.first()
    if found is not None:
        return found
    entry = LedgerEntry.objects.create(
        contract=contract,
        payment=payment,
        kind=kind,
        debit=debit,
        credit=credit,
        amount=amount,
        created_at=timezone.now(),
        created_by=by,
        memo=memo,
    )
    record_event(
        "ledger.entry",
        actor=by,
        obj=entry,
        details={
            "contract": contract.number,
            "kind": kind,
            "from": credit,
            "to": debit,
            "amount": str(amount),
            "payment": payment.pk if payment else None,
        },
    )
    return entry


def ensure_commitment(contract, by=None):
    """Budget → committed for the contract sum, once per contract."""
    return _entry(
        contract,
        LedgerEntry.Kind.COMMITMENT,
        LedgerEntry.Account.COMMITTED,
        LedgerEntry.Account.BUDGET,
        contract.amount,
        by=by,
        memo=contract.number,
    )


def pending_total(contract):
    """What the contract may still pay on payments made already: those not
    paid yet, a failed one included (it may be retried)."""
    pending = (Payment.State.REQUESTED, Payment.State.APPROVED, Payment.State.PROCESSING, Payment.State.FAILED)
    found = Payment.objects.filter(contract=contract, state__in=pending).aggregate(total=Sum("amount"))
    return found["total"] or Decimal("0")


def committed_balance(contract):
    from contracts.payments.selectors import balances

    return balances(contract)[LedgerEntry.Account.COMMITTED]


def adjust_commitment(contract, *, previous, amendment, by=None):
    """An amendment in force changed the contract sum: the commitment
    follows, once per amendment (inside the amendment's transaction)."""
    if not LedgerEntry.objects.filter(contract=contract, kind=LedgerEntry.Kind.COMMITMENT).exists():
        return ensure_commitment(contract, by=by)  # committed at the new sum: nothing to adjust
    difference = contract.amount - previous
    if not difference:
        return None
    more = difference > 0
    return _entry(
        contract,
        LedgerEntry.Kind.ADJUSTMENT,
        LedgerEntry.Account.COMMITTED if more else LedgerEntry.Account.BUDGET,
        LedgerEntry.Account.BUDGET if more else LedgerEntry.Account.COMMITTED,
        abs(difference),
        by=by,
        memo=f"{contract.number} amendment {amendment.number}",
    )


def release_commitment(contract, *, by=None):
    """The contract completed or was terminated: what stays committed beyond
    the payments still to be made goes back to the budget (once)."""
    ensure_commitment(contract, by=None)
    amount = committed_balance(contract) - pending_total(contract)
    if amount <= 0:
        return None
    return _entry(
        contract,
        LedgerEntry.Kind.RELEASE,
        LedgerEntry.Account.BUDGET,
        LedgerEntry.Account.COMMITTED,
        amount,
        by=by,
        memo=contract.number,
    )


def _release_payment(payment, *, by):
    """A cancelled payment will not be paid (one per milestone, ever): its amount goes back to the budget."""
    return _entry(
        payment.contract,
        LedgerEntry.Kind.RELEASE,
        LedgerEntry.Account.BUDGET,
        LedgerEntry.Account.COMMITTED,
        payment.amount,
        payment=payment,
        by=by,
        memo=payment.cancel_reason[:200],
    )


def finance_officers(exclude=()):
    found = User.objects.with_perm(permissions.APPROVE_PAYMENT, is_active=True, include_superusers=False)
    return list(found.exclude(pk__in=[u.pk for u in exclude if u is not None]).order_by("pk"))


def _tell(message, users, payment, link, **extra):
    if users:
        context = {
            "contract": payment.contract.number,
            "milestone": payment.milestone.number,
            "title": payment.milestone.title,
            "amount": f"{payment.amount:,.2f}",
            **extra,
        }
        transaction.on_commit(lambda: notifications.send(message, users, context, link=link))


def _finance_link(payment):
    from django.urls import reverse

    return reverse("payments:detail", args=[payment.pk])


def _organization_link(payment):
    from django.urls import reverse

    return reverse("orgpayments:index", args=[payment.contract.organization_id])


def _organization_users(contract):
    from marketplace.organizations.models import Membership

    return [m.user for m in Membership.objects.filter(organization_id=contract.organization_id).select_related("user")]


# --- the request ------------------------------------------------------------------------------------------


def request_for_milestone(milestone, *, by):
    """The payment request of an accepted milestone (inside the acceptance's
    transaction: the contract and milestone rows are locked there).  Nothing
    is requested when nothing is payable."""
    amount = milestone.payable or Decimal("0")
    if amount <= 0:
        return None
    # the contract's row lock (taken already by the acceptance; again here so that no caller can forget it)
    contract = Contract.objects.select_for_update().get(pk=milestone.contract_id)
    ensure_commitment(contract, by=None)
    _within_contract_sum(contract, amount)
    payment = Payment.objects.create(
        milestone=milestone,
        contract=contract,
        amount=amount,
        accepted_by=milestone.decided_by,
        exception_approved_by=milestone.override_approved_by,
        requested_at=timezone.now(),
    )
    record_event(
        "payment.requested",
        actor=by,
        obj=payment,
        to_state=payment.state,
        details={"contract": contract.number, "milestone": milestone.number, "amount": str(amount)},
    )
    _tell(messages.REQUESTED, finance_officers(exclude=[by]), payment, _finance_link(payment))
    return payment


# --- the finance officer's steps ---------------------------------------------------------------------------


def _step(payment, by, name, **details):
    """Ask the machine, then take the transition (audited by core.signals with ``details``)."""
    fsm.require(getattr(payment, name), by, PaymentError)
    getattr(payment, name)(
        by=by,
        contract=payment.contract.number,
        milestone=payment.milestone.number,
        amount=str(payment.amount),
        **details,
    )


def _approve(payment, by, name):
    """Approve (or approve again) for the payee's account as it is now."""
    with transaction.atomic():
        payment = lock(payment)
        fsm.require(getattr(payment, name), by, PaymentError)
        _within_contract_sum(payment.contract, payment.amount, exclude=payment)
        account = PayeeAccount.objects.get(organization_id=payment.contract.organization_id)
        previous = payment.approved_account_label
        _step(
            payment, by, name, account=account.label_for(gateways.configured_name()), previous_account=previous or None
        )
        payment.approved_by, payment.approved_at = by, timezone.now()
        gateway = gateways.configured_name()  # the gateway the release will use
        payment.approved_account = account.fingerprint_for(gateway)
        payment.approved_account_label = account.label_for(gateway)
        payment.save(
            update_fields=["state", "approved_by", "approved_at", "approved_account", "approved_account_label"]
        )
    return payment


def approve(payment, *, by):
    return _approve(payment, by, "approve")


def reapprove(payment, *, by):
    """The payee changed its account since the approval: approve again, for the new one."""
    return _approve(payment, by, "reapprove")


def _renew_key_after_reversal(payment):
    """The gateway made a transfer and then reversed it: the same key would
    replay that transfer, so the next attempt gets a new one (audited with
    the step).  Returns the reversed transfer's reference, or None."""
    reversed_reference = payment.gateway_reference
    if reversed_reference:
        payment.idempotency_key = new_idempotency_key()
        payment.gateway_reference = ""
        # a returned treasury payment: the next instruction gets its own voucher (the old one's
        # SHA-256 stays in the audit chain with its payment.instructed event)
        payment.voucher, payment.voucher_sha256 = "", ""
    return reversed_reference or None


def release(payment, *, by):
    """Approved → processing; the gateway is called by the release task after the commit."""
    with transaction.atomic():
        payment = lock(payment)
        gateway = gateways.configured_name()
        fsm.require(payment.release, by, PaymentError)
        reversed_reference = _renew_key_after_reversal(payment)  # approved again after a reversed transfer
        _step(
            payment, by, "release", gateway=gateway, attempt=payment.attempts + 1, reversed_transfer=reversed_reference
        )
        payment.released_by, payment.released_at = by, timezone.now()
        payment.gateway = gateway
        payment.attempts += 1
        payment.failure_message = ""
        payment.save(
            update_fields=[
                "state",
                "released_by",
                "released_at",
                "gateway",
                "attempts",
                "failure_message",
                "idempotency_key",
                "gateway_reference",
                "voucher",
                "voucher_sha256",
            ]
        )
        _enqueue(payment)
    return payment


def retry(payment, *, by):
    """Failed → processing, with the same idempotency key: the gateway finds
    what an earlier attempt did instead of paying again."""
    with transaction.atomic():
        payment = lock(payment)
        fsm.require(payment.retry, by, PaymentError)
        _within_contract_sum(payment.contract, payment.amount, exclude=payment)
        reversed_reference = _renew_key_after_reversal(payment)
        _step(payment, by, "retry", attempt=payment.attempts + 1, reversed_transfer=reversed_reference)
        payment.attempts += 1
        payment.failure_message = ""
        payment.save(
            update_fields=[
                "state",
                "attempts",
                "failure_message",
                "idempotency_key",
                "gateway_reference",
                "voucher",
                "voucher_sha256",
            ]
        )
        _enqueue(payment)
    return payment


def _enqueue(payment):
    from contracts.payments.tasks import release_payment

    pk = payment.pk
    transaction.on_commit(lambda: release_payment.delay(pk))


def cancel(payment, *, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give the reason for cancelling."), "reason", "reason_required")
    with transaction.atomic():
        payment = lock(payment)
        fsm.require(payment.cancel, by, PaymentError)
        payment.cancel(by=by, reason=reason, contract=payment.contract.number, amount=str(payment.amount))
        payment.cancelled_at, payment.cancelled_by, payment.cancel_reason = timezone.now(), by, reason
        payment.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason"])
        ensure_commitment(payment.contract)
        _release_payment(payment, by=by)
    return payment


# --- the gateway ------------------------------------------------------------------------------------------


def process(payment_pk):
    """The release task's body: call the gateway for a payment in
    ``processing`` (its row locked, so two workers never call it at once)
    and keep its record.  Safe to run again: a payment no longer in
    ``processing`` is left alone, and the gateway finds an earlier call by
    the idempotency key.  A transient fault leaves the payment in
    ``processing`` and raises, so the task tries again; a permanent one
    fails it with the gateway's message."""
    with transaction.atomic():
        # Only the payment's row is locked while the gateway answers (not the
        # contract's): acceptances and other payments of the contract go on.
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("contract", "contract__organization", "milestone")
            .filter(pk=payment_pk)
            .first()
        )
        if payment is None or payment.state != Payment.State.PROCESSING or payment.gateway_reference:
            return payment  # done already (a task delivered twice): the gateway holds its record
        # the account read under its row lock: one changed since the approval (even during the
        # release) is not paid; the payment fails and a finance officer approves it again
        PayeeAccount.objects.select_for_update().filter(organization_id=payment.contract.organization_id).first()
        if not account_as_approved(payment):
            return _fail(payment, str(account_as_approved.refusal_message))
        try:
            result = gateways.get(payment.gateway).disburse(payment)
        except gateways.GatewayError as error:
            if not error.permanent:
                raise
            return _fail(payment, error.message)
        payment.gateway_reference = result.reference
        payment.save(update_fields=["gateway_reference", "voucher", "voucher_sha256"])
        record_event(
            "payment.instructed",
            obj=payment,
            details={"gateway": payment.gateway, "reference": result.reference, "voucher": payment.voucher_sha256},
        )
        if result.settled:
            _settle(payment, by=None)
    return payment


def _fail(payment, message):
    payment.fail(reason=message, gateway=payment.gateway)
    payment.failure_message, payment.failed_at = message, timezone.now()
    payment.save(update_fields=["state", "failure_message", "failed_at"])
    _tell(messages.FAILED, finance_officers(), payment, _finance_link(payment))
    return payment


def _settle(payment, *, by):
    """Processing → paid, the disbursement in the ledger, the milestone paid."""
    payment.mark_paid(
        by=by,
        contract=payment.contract.number,
        milestone=payment.milestone.number,
        amount=str(payment.amount),
        gateway_reference=payment.gateway_reference,
        bank_reference=payment.bank_reference,
    )
    payment.paid_at = timezone.now()
    payment.recorded_by = by
    payment.save(update_fields=["state", "paid_at", "recorded_by", "bank_reference", "bank_paid_on"])
    _entry(
        payment.contract,
        LedgerEntry.Kind.DISBURSEMENT,
        LedgerEntry.Account.DISBURSED,
        LedgerEntry.Account.COMMITTED,
        payment.amount,
        payment=payment,
        by=by,
        memo=payment.gateway_reference,
    )
    milestone = payment.milestone
    if milestone.state == "accepted":
        milestone.mark_paid(by=by)
        milestone.save(update_fields=["state"])
    payment_events.payment_paid.send(sender=Payment, payment=payment)
    _tell(messages.PAID, _organization_users(payment.contract), payment, _organization_link(payment))
    return payment


def record_paid(payment, *, by, reference, paid_on):
    """The finance officer enters the bank's transaction reference and date
    (ledger gateway): the payment is paid."""
    reference = (reference or "").strip()
    if not reference:
        raise PaymentError(_("Enter the bank's transaction reference."), "reference", "reference_required")
    if paid_on is None or paid_on > timezone.localdate():
        raise PaymentError(_("Enter the date the bank paid (not in the future)."), "paid_on", "paid_on")
    with transaction.atomic():
        payment = lock(payment)
        fsm.require(payment.mark_paid, by, PaymentError)
        permissions.require(permissions.can_record_paid(by, payment), PaymentError)
        if paid_on < timezone.localdate(payment.released_at):
            raise PaymentError(_("The bank cannot have paid before the release."), "paid_on", "paid_on")
        payment.bank_reference, payment.bank_paid_on = reference, paid_on
        _settle(payment, by=by)
    return payment


def record_returned(payment, *, by, reason):
    """The bank returned a treasury payment (退票, ledger gateway): the
    payment fails with the bank's reason; a retry (or, after the
    organization corrected its account, a second approval) writes a new
    instruction and voucher under a new key."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give the bank's reason for returning the payment."), "reason", "reason_required")
    with transaction.atomic():
        payment = lock(payment)
        permissions.require(permissions.can_record_returned(by, payment), PaymentError)
        message = _("The bank returned the payment: %(reason)s") % {"reason": reason}
        payment.fail(by=by, reason=message, gateway=payment.gateway, instruction=payment.gateway_reference)
        payment.failure_message, payment.failed_at = message, timezone.now()
        payment.save(update_fields=["state", "failure_message", "failed_at"])
        _tell(messages.FAILED, finance_officers(exclude=[by]), payment, _finance_link(payment))
        _tell(
            messages.RETURNED,
            _organization_users(payment.contract),
            payment,
            _organization_link(payment),
            reason=reason,
        )
    return payment


# --- the gateway's notifications -------------------------------------------------------------------------

SETTLING_EVENTS = ("transfer.created",)
FAILING_EVENTS = ("transfer.reversed", "transfer.failed")


def handle_gateway_event(*, gateway, event_id, kind, reference, payment_pk=None, amount_minor=None):
    """One notification from the gateway (a verified Stripe webhook), applied
    once: a duplicate (its id seen) changes nothing; a transfer created for a
    payment still in ``processing`` (the release died before its commit, or
    the webhook came first) settles it with the gateway's reference; a
    reversed or failed transfer fails a payment not yet paid, and is
    reported for one already paid.  Returns what it did, for the log."""
    from django.db import IntegrityError

    from contracts.payments.models import GatewayEvent

    with transaction.atomic():
        if GatewayEvent.objects.filter(gateway=gateway, event_id=event_id).exists():
            return "duplicate"
        payment = None
        if payment_pk is not None and str(payment_pk).isdigit():
            payment = Payment.objects.filter(pk=int(payment_pk), gateway=gateway).first()
        if payment is None and reference:
            payment = Payment.objects.filter(gateway=gateway, gateway_reference=reference).first()
        outcome = "unknown payment"
        if payment is not None:
            payment = lock(payment)
            outcome = _apply_event(payment, kind, reference, amount_minor)
        try:
            with transaction.atomic():
                GatewayEvent.objects.create(
                    gateway=gateway,
                    event_id=event_id,
                    kind=kind,
                    payment=payment,
                    received_at=timezone.now(),
                    outcome=outcome,
                )
        except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
            transaction.set_rollback(True)
            return "duplicate"
        record_event(
            "payment.gateway_event",
            obj=payment,
            object_type="" if payment else "payment",
            details={"gateway": gateway, "event": event_id, "type": kind, "reference": reference, "outcome": outcome},
        )
    return outcome


def _apply_event(payment, kind, reference, amount_minor):
    from contracts.payments.gateways.stripe import minor_units

    if amount_minor is not None and int(amount_minor) != minor_units(payment.amount):
        return "amount differs: left for reconcile_payments"
    if payment.gateway_reference and reference and payment.gateway_reference != reference:
        return "another transfer: left for reconcile_payments"
    if kind in SETTLING_EVENTS:
        if payment.state == Payment.State.PROCESSING:
            payment.gateway_reference = reference
            payment.save(update_fields=["gateway_reference"])
            _settle(payment, by=None)
            return "settled"
        if payment.state in (Payment.State.FAILED, Payment.State.CANCELLED) and not payment.gateway_reference:
            # a transfer the platform did not record (the worker died after the call, and the payment
            # failed since): money moved; finance must see it before anyone cancels or retries
            _tell(messages.FAILED, finance_officers(), payment, _finance_link(payment))
            return "transfer for a payment not paid here: finance told, left for reconcile_payments"
        return "already " + payment.state
    if kind in FAILING_EVENTS:
        if payment.state == Payment.State.PROCESSING:
            # kept, so that a retry knows the transfer exists and asks for a new one under a new key
            payment.gateway_reference = reference
            payment.save(update_fields=["gateway_reference"])
            _fail(payment, _("The gateway reversed transfer %(reference)s.") % {"reference": reference})
            return "failed"
        if payment.state == Payment.State.PAID:
            _tell(messages.FAILED, finance_officers(), payment, _finance_link(payment))
            return "reversed after payment: finance told"
        return "already " + payment.state
    return "ignored"


from contracts.payments.services.accounts import (  # noqa: E402 - after the helpers it uses
    refresh_stripe_status,
    save_payee_account,
    start_stripe_onboarding,
    stripe_account_updated,
)

__all__ = [
    "refresh_stripe_status",
    "start_stripe_onboarding",
    "stripe_account_updated",
    "PaymentError",
    "handle_gateway_event",
    "save_payee_account",
    "adjust_commitment",
    "approve",
    "cancel",
    "reapprove",
    "release_commitment",
    "ensure_commitment",
    "live_total",
    "process",
    "record_paid",
    "record_returned",
    "release",
    "request_for_milestone",
    "retry",
]
