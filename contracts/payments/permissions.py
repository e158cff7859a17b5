"""Who may move a payment, asked once here by the state machine, the
services, the views and the templates.

- Finance officers (``marketplace.approve_payment``) approve, release, retry
  and record a bank payment; never the officer who accepted the milestone,
  nor the one who approved its acceptance by exception, nor anyone who
  signed the contract for either side (separation of duties, DESIGN §5).
- A procurement officer or a finance officer cancels a request (e.g. the
  contract was terminated).
- Reading: officers and finance officers see every payment; an
  organization's members see their own (the account number masked)."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.permissions import Decision, active, has, is_officer

APPROVE_PAYMENT = "marketplace.approve_payment"
ALLOWED = Decision(True)


def refused(reason):
    return Decision(False, reason)


def is_finance(user):
    return has(user, APPROVE_PAYMENT)


def signed_the_contract(user, contract):
    from contracts.contracts.models import Signature

    return Signature.objects.filter(document__contract_id=contract.pk, signer_id=user.pk).exists()


def separation_refusal(user, payment):
    """Why ``user`` may not pay ``payment`` whatever its state (or "")."""
    if user.pk == payment.accepted_by_id:
        return _("You accepted this milestone: another finance officer pays it.")
    if user.pk == payment.exception_approved_by_id:
        return _("You approved this milestone's acceptance: another finance officer pays it.")
    if signed_the_contract(user, payment.contract):
        return _("You signed this contract: another finance officer pays it.")
    return ""


def may_pay(payment, user):
    """The transitions' actor rule for approve, release and retry."""
    if not is_finance(user):
        return refused(_("Only a finance officer may do this."))
    reason = separation_refusal(user, payment)
    return refused(reason) if reason else ALLOWED


may_record_paid = may_pay


def may_cancel(payment, user):
    if not (is_officer(user) or is_finance(user)):
        return refused(_("Only a procurement or finance officer may do this."))
    if user.pk == payment.accepted_by_id:
        return refused(_("You accepted this milestone: another officer cancels its payment."))
    return ALLOWED


def can_view_payments(user):
    return active(user) and (is_officer(user) or is_finance(user))


def _from_fsm(bound, user):
    from marketplace.core import fsm

    found = fsm.refusal(bound, user)
    if found is None:
        return ALLOWED
    message, code = found
    # not a step of this state: no reason to show beside a missing button
    return refused("" if code == "state" else message)


def can_approve(user, payment):
    return _from_fsm(payment.approve, user)


def can_reapprove(user, payment):
    return _from_fsm(payment.reapprove, user)


def can_release(user, payment):
    return _from_fsm(payment.release, user)


def can_retry(user, payment):
    return _from_fsm(payment.retry, user)


def can_record_paid(user, payment):
    if payment.state == "processing" and payment.gateway and payment.gateway != "ledger":
        return refused(_("The gateway reports this payment: nobody records it by hand."))
    return _from_fsm(payment.mark_paid, user)


def can_record_returned(user, payment):
    """The bank returned a treasury payment (ledger gateway only): the same
    people who record it paid may record that."""
    if payment.state != "processing" or payment.gateway != "ledger" or not payment.gateway_reference:
        return refused("")
    return may_pay(payment, user)


def can_cancel(user, payment):
    return _from_fsm(payment.cancel, user)


ACTIONS = {
    "approve": can_approve,
    "reapprove": can_reapprove,
    "release": can_release,
    "retry": can_retry,
    "record_paid": can_record_paid,
    "record_returned": can_record_returned,
    "cancel": can_cancel,
}


def available_actions(user, payment):
    """``{action: Decision}`` for every step of the payment: the page shows a
    button where it is allowed, else the reason when the state allows it."""
    return {name: check(user, payment) for name, check in ACTIONS.items()}


def require(decision, error_class):
    if not decision:
        raise error_class(decision.reason, None, "refused")
