"""Payments (拨付): one per accepted milestone, ever, and the ledger every
figure about money comes from.

- ``PayeeAccount``: the bank account an organization registers to be paid
  into (its administrator; shown masked everywhere but on the voucher).
- ``Payment``: ``requested → approved → processing → paid | failed``,
  ``failed → processing`` (a retry, with the same idempotency key) and
  ``requested → cancelled`` (and ``approved | failed → cancelled`` once the
  contract is terminated), and ``approved | failed → approved``
  (approved again when the payee changed its account since: a payment is
  released only to the account it was approved for).  The database keeps one payment per milestone
  (a unique one-to-one), a positive amount, a unique idempotency key, and
  no ``paid`` without the gateway's record (a check constraint).  The sum of
  a contract's live payments never exceeding its sum is the services' rule
  under the contract's row lock (tested with a race on PostgreSQL).
- ``LedgerEntry``: append-only double entry between three accounts per
  contract: budget → committed (when the contract comes into force) →
  disbursed (when a payment is paid); an amendment of the sum adjusts the
  commitment; a cancelled payment, and what is left when the contract
  completes or is terminated, go back to the budget (release).  An entry is never changed or deleted; a unique key
  per (contract or payment, kind) makes writing one idempotent."""

import hashlib
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from contracts.payments import permissions
from marketplace.core.fsm import guard
from marketplace.organizations.models import private_storage


class PayeeAccount(models.Model):
    """Where an organization is paid: its bank account (Stripe's connected
    account too, when that gateway is used)."""

    organization = models.OneToOneField(
        "marketplace.Organization", on_delete=models.PROTECT, related_name="payee_account"
    )
    # blank when the organization is paid through Stripe only (Stripe holds its bank details)
    bank_name = models.CharField(_("bank and branch"), max_length=100, blank=True)
    account_name = models.CharField(_("account name"), max_length=100, blank=True)
    account_number = models.CharField(_("account number"), max_length=34, blank=True)
    stripe_account_id = models.CharField(_("Stripe connected account"), max_length=64, blank=True)
    #: the connected account as Stripe last reported it (onboarding's return, ``account.updated``)
    stripe_details_submitted = models.BooleanField(_("details submitted to Stripe"), default=False)
    stripe_transfers = models.CharField(_("Stripe transfers capability"), max_length=20, blank=True)
    stripe_checked_at = models.DateTimeField(_("Stripe status checked"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("payee account")
        verbose_name_plural = _("payee accounts")
        default_permissions = ()

    def __str__(self):
        if not self.account_number:
            return f"Stripe {self.stripe_account_id}"
        return f"{self.account_name} {self.masked_number}"

    @property
    def has_bank_account(self):
        return bool(self.account_number)

    @property
    def stripe_ready(self):
        """Stripe may transfer to the connected account."""
        return bool(self.stripe_account_id) and self.stripe_transfers == "active"

    def fingerprint_for(self, gateway):
        """What identifies where that gateway sends the money: the connected
        account for Stripe, the bank account for the treasury.  A payment
        approved for one is not released to another (``Payment.approved_account``)."""
        return account_fingerprint(
            gateway, self.bank_name, self.account_name, self.account_number, self.stripe_account_id
        )

    def label_for(self, gateway):
        """The destination as pages may show it (masked)."""
        if gateway == "stripe":
            return f"Stripe {self.stripe_account_id}"
        return f"{self.account_name} {self.bank_name} {self.masked_number}"

    @property
    def masked_number(self):
        """The last four digits only (DESIGN §5: no bank account on any page but the voucher)."""
        digits = self.account_number.replace(" ", "")
        return f"**** {digits[-4:]}" if len(digits) > 4 else "****"


def account_fingerprint(gateway, bank_name, account_name, account_number, stripe_account_id):
    """A pure function of the destination's fields (migrations use it too)."""
    if gateway == "stripe":
        parts = ("stripe", stripe_account_id)
    else:
        parts = ("bank", bank_name, account_name, account_number.replace(" ", ""))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def new_idempotency_key():
    return f"pay-{uuid.uuid4().hex}"


def voucher_path(instance, filename):
    return f"payments/{instance.contract_id}/{instance.pk}/{filename}"


def current_account(payment):
    return PayeeAccount.objects.filter(organization_id=payment.contract.organization_id).first()


@guard(_("The contract is terminated: cancel this payment request, or pay what was accepted before."), "terminated")
def contract_not_terminated(payment):
    return payment.contract.state != "terminated"


@guard(_("The payee organization has not registered the account it is paid into yet."), "no_account")
def payee_has_account(payment):
    """A bank account for the treasury (the ledger gateway), a connected
    account that accepts transfers for Stripe."""
    account = current_account(payment)
    if account is None:
        return False
    if payment_gateway(payment) == "stripe":
        return account.stripe_ready
    return account.has_bank_account


def payment_gateway(payment):
    from contracts.payments.gateways import configured_name

    return payment.gateway or configured_name()


@guard(
    _("The organization changed its account after this payment was approved: approve it again for the new account."),
    "account_changed",
)
def account_as_approved(payment):
    account = current_account(payment)
    if account is None or not payment.approved_account:
        return True
    return account.fingerprint_for(payment_gateway(payment)) == payment.approved_account


# The code "state": when the account did not change, approving again is simply not a step of
# this state, and the page shows no reason beside the missing button (permissions._from_fsm).
@guard(_("The account has not changed since the approval."), "state")
def account_changed_since_approval(payment):
    return not account_as_approved(payment)


# A request is cancelled at any time; a payment approved or failed (its milestone has no other
# payment, ever) only when the contract was terminated.  Code "state": elsewhere it is simply
# not a step of this state, with no reason shown.
@guard(_("Only a request, or a payment of a terminated contract, can be cancelled."), "state")
def cancellable(payment):
    return payment.state == Payment.State.REQUESTED or payment.contract.state == "terminated"


@guard(_("The gateway has not recorded this payment yet."), "no_gateway_record")
def gateway_recorded(payment):
    return bool(payment.gateway_reference)


class Payment(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", pgettext_lazy("payment", "Approved")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    #: states whose amount counts against the contract sum
    LIVE = (State.REQUESTED, State.APPROVED, State.PROCESSING, State.PAID)

    milestone = models.OneToOneField("contracts.Milestone", on_delete=models.PROTECT, related_name="payment")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    state = FSMField(_("state"), max_length=20, choices=State.choices, default=State.REQUESTED, protected=True)
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_idempotency_key, editable=False)
    #: the officer who accepted the milestone and the one who approved an exception: they may not pay it
    accepted_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exception_approved_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    approved_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    #: the payee account's fingerprint and label when approved: released only to that account
    approved_account = models.CharField(max_length=64, blank=True, editable=False)
    approved_account_label = models.CharField(_("account approved"), max_length=150, blank=True)
    released_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gateway = models.CharField(_("gateway"), max_length=20, blank=True)
    #: the gateway's record: the disbursement instruction's number (ledger) or the transfer's id (Stripe)
    gateway_reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    voucher = models.FileField(storage=private_storage, upload_to=voucher_path, max_length=200, blank=True)
    voucher_sha256 = models.CharField(max_length=64, blank=True)
    bank_reference = models.CharField(_("bank transaction reference"), max_length=100, blank=True)
    bank_paid_on = models.DateField(_("paid on (bank date)"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    failure_message = models.TextField(_("why it failed"), blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    cancelled_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-requested_at", "-pk"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(state="paid") | (~Q(gateway_reference="") & Q(paid_at__isnull=False)),
                name="payment_paid_has_gateway_record",
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="payment_state_requested")]

    def __str__(self):
        return f"{self.contract_id}/{self.milestone_id} ¥{self.amount}"

    @property
    def account_differs(self):
        """The payee's account is no longer the one this payment was approved for."""
        try:
            account = self.contract.organization.payee_account
        except PayeeAccount.DoesNotExist:
            return False
        return bool(self.approved_account) and account.fingerprint_for(payment_gateway(self)) != self.approved_account

    @property
    def needs_reapproval(self):
        """Waiting, and approved for an account the payee has changed since: approve again."""
        return self.state in (self.State.APPROVED, self.State.FAILED) and self.account_differs

    # Each transition is audited by core.signals (``payment.<name>``, actor, reason); the
    # keyword ``details`` a service passes (contract, milestone, amount, gateway…) go with it.

    @transition(
        field=state,
        source=State.REQUESTED,
        target=State.APPROVED,
        conditions=[contract_not_terminated, payee_has_account],
        permission=permissions.may_pay,
    )
    def approve(self, *, by=None, reason="", **details):
        pass

    @transition(
        field=state,
        source=[State.APPROVED, State.FAILED],
        target=State.APPROVED,
        conditions=[contract_not_terminated, payee_has_account, account_changed_since_approval],
        permission=permissions.may_pay,
    )
    def reapprove(self, *, by=None, reason="", **details):
        """The payee changed its account after the approval: a finance officer
        approves the payment again, for the new account."""

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.PROCESSING,
        conditions=[payee_has_account, account_as_approved],
        permission=permissions.may_pay,
    )
    def release(self, *, by=None, reason="", **details):
        pass

    @transition(
        field=state,
        source=State.FAILED,
        target=State.PROCESSING,
        conditions=[contract_not_terminated, payee_has_account, account_as_approved],
        permission=permissions.may_pay,
    )
    def retry(self, *, by=None, reason="", **details):
        pass

    @transition(
        field=state,
        source=State.PROCESSING,
        target=State.PAID,
        conditions=[gateway_recorded],
        permission=permissions.may_record_paid,
    )
    def mark_paid(self, *, by=None, reason="", **details):
        pass

    @transition(field=state, source=State.PROCESSING, target=State.FAILED)
    def fail(self, *, by=None, reason="", **details):
        pass

    @transition(
        field=state,
        source=[State.REQUESTED, State.APPROVED, State.FAILED],
        target=State.CANCELLED,
        conditions=[cancellable],
        permission=permissions.may_cancel,
    )
    def cancel(self, *, by=None, reason="", **details):
        pass


class LedgerEntry(models.Model):
    """One money movement between two of a contract's accounts.  Append-only."""

    class Account(models.TextChoices):
        BUDGET = "budget", _("Budget")
        COMMITTED = "committed", _("Committed")
        DISBURSED = "disbursed", _("Disbursed")

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("Contract in force: its sum committed")
        DISBURSEMENT = "disbursement", _("Payment made")
        ADJUSTMENT = "adjustment", _("Contract sum amended")
        RELEASE = "release", _("Commitment released: will not be paid")

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="ledger_entries")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    debit = models.CharField(_("to"), max_length=20, choices=Account.choices)
    credit = models.CharField(_("from"), max_length=20, choices=Account.choices)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("recorded"))
    created_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "pk"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(condition=~Q(debit=models.F("credit")), name="ledger_two_accounts"),
            models.UniqueConstraint(
                fields=["payment", "kind"], condition=Q(payment__isnull=False), name="ledger_once_per_payment"
            ),
            models.UniqueConstraint(
                fields=["contract", "kind"],
                condition=Q(payment__isnull=True) & ~Q(kind="adjustment"),
                name="ledger_once_per_contract",
            ),
            # one adjustment per amendment: its memo names the amendment
            models.UniqueConstraint(
                fields=["contract", "memo"], condition=Q(kind="adjustment"), name="ledger_adjustment_once"
            ),
        ]

    def __str__(self):
        return f"{self.contract_id} {self.kind} ¥{self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are append-only")


class GatewayEvent(models.Model):
    """A gateway's notification (a Stripe webhook event), kept once: a
    duplicate delivery finds its id and changes nothing."""

    gateway = models.CharField(_("gateway"), max_length=20)
    event_id = models.CharField(_("event"), max_length=100)
    kind = models.CharField(_("type"), max_length=100)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    received_at = models.DateTimeField(_("received"))
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("gateway event")
        verbose_name_plural = _("gateway events")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="gateway_event_once")]

    def __str__(self):
        return f"{self.gateway} {self.event_id} {self.kind}"
