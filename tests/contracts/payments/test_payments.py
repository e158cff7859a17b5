"""Payments (issue 16) with the ledger gateway: the request made by the
acceptance, one per milestone ever, the finance officer's steps with the
separation of duties, the voucher with the amount in capitals, the bank's
reference, the ledger, the audit trail, and the refusals."""

import datetime
import hashlib
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.payments import permissions, services, tasks
from contracts.payments.models import LedgerEntry, Payment
from contracts.payments.services import PaymentError
from marketplace.core.money import cny_capitals
from marketplace.models import AuditEvent, Notice
from tests.contracts.payments.conftest import ACCOUNT, released

pytestmark = pytest.mark.django_db


def test_accepting_a_milestone_requests_its_payment_and_commits_the_contract_sum(accepted, contract, finance):
    payment = Payment.objects.get(milestone=accepted)
    assert payment.state == "requested" and payment.amount == accepted.payable > 0
    assert payment.accepted_by == accepted.decided_by
    assert payment.idempotency_key.startswith("pay-") and len(payment.idempotency_key) > 30
    commitment = LedgerEntry.objects.get(contract=contract, kind="commitment")
    assert (commitment.credit, commitment.debit, commitment.amount) == ("budget", "committed", contract.amount)
    assert AuditEvent.objects.filter(action="payment.requested", object_id=str(payment.pk)).exists()


def test_one_payment_per_milestone_ever_is_the_databases_rule(payment, accepted):
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            milestone=accepted, contract=accepted.contract, amount=Decimal("1.00"), requested_at=timezone.now()
        )


def test_a_paid_payment_without_the_gateways_record_is_refused_by_the_database(payment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(state="paid", paid_at=timezone.now())


def test_the_ledger_is_append_only(accepted, contract):
    entry = LedgerEntry.objects.get(contract=contract, kind="commitment")
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_approve_release_and_record_the_bank_payment(payment, account, finance, award_over):
    assert permissions.can_approve(finance, payment)
    services.approve(payment, by=finance)
    payment = services.release(payment, by=finance)
    assert payment.state == "processing" and payment.gateway == "ledger" and payment.attempts == 1
    payment = services.process(payment.pk)  # what the release task does after the commit
    assert payment.gateway_reference == f"BF-{payment.requested_at:%Y}-{payment.pk:06d}"
    content = payment.voucher.read()
    assert content.startswith(b"%PDF") and payment.voucher_sha256 == hashlib.sha256(content).hexdigest()
    # run again (a redelivered task): nothing new is written
    again = services.process(payment.pk)
    assert again.voucher_sha256 == payment.voucher_sha256 and again.gateway_reference == payment.gateway_reference
    today = timezone.localdate()
    paid = services.record_paid(payment, by=finance, reference="ICBC20261206001", paid_on=today)
    assert paid.state == "paid" and paid.bank_reference == "ICBC20261206001" and paid.bank_paid_on == today
    paid.milestone.refresh_from_db()
    assert paid.milestone.state == "paid"
    disbursement = LedgerEntry.objects.get(payment=paid, kind="disbursement")
    assert (disbursement.credit, disbursement.debit, disbursement.amount) == ("committed", "disbursed", paid.amount)
    actions = list(
        AuditEvent.objects.filter(object_id=str(paid.pk), object_type__icontains="payment").values_list(
            "action", flat=True
        )
    )
    for action in (
        "payment.requested",
        "payment.approve",
        "payment.release",
        "payment.instructed",
        "payment.mark_paid",
    ):
        assert action in actions
    paid_event = AuditEvent.objects.get(action="payment.mark_paid", object_id=str(paid.pk))
    assert paid_event.details["bank_reference"] == "ICBC20261206001" and paid_event.actor == finance
    assert AuditEvent.objects.filter(action="milestone.mark_paid", object_id=str(paid.milestone.pk)).exists()
    assert Notice.objects.filter(user=award_over.org_admin).exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_voucher_has_the_full_account_and_the_amount_in_capitals(payment, account, finance, tmp_path):
    payment = services.process(released(payment, finance).pk)
    path = tmp_path / "voucher.pdf"
    path.write_bytes(payment.voucher.read())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    assert ACCOUNT["account_number"] in compact
    assert cny_capitals(payment.amount) in compact
    assert payment.contract.number in compact and payment.gateway_reference in compact


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("24900.00", "贰万肆仟玖佰元整"),
        ("0.05", "伍分"),
        ("100000.10", "壹拾万元壹角"),
        ("1002003.07", "壹佰万贰仟零叁元零柒分"),
        ("200000", "贰拾万元整"),
        ("1010.00", "壹仟零壹拾元整"),
        ("0", "零元整"),
    ],
)
def test_amounts_in_chinese_capitals(amount, capitals):
    assert cny_capitals(Decimal(amount)) == capitals


def test_the_officer_who_accepted_the_milestone_may_not_pay_it(payment, account, officer, make_user):
    from marketplace.models import User

    officer.groups.add(*make_user("finance_officer", username="f_tmp").groups.all())
    officer = User.objects.get(pk=officer.pk)  # a fresh permission cache: now also a finance officer
    decision = permissions.can_approve(officer, payment)
    assert not decision
    assert decision.reason == str(_("You accepted this milestone: another finance officer pays it."))
    with pytest.raises(PaymentError):
        services.approve(payment, by=officer)
    payment.refresh_from_db()
    assert payment.state == "requested"


def test_a_signer_of_the_contract_may_not_pay_it(payment, account, make_user):
    from contracts.contracts.models import ContractDocument, Signature

    signer = make_user("finance_officer", username="signer_finance")
    document = ContractDocument.objects.create(
        contract=payment.contract, version=1, sha256="0" * 64, size=1, file="x.pdf", created_at=timezone.now()
    )
    Signature.objects.create(
        document=document,
        party="purchaser",
        signer=signer,
        role="采购经办人",
        signed_at=timezone.now(),
        sha256="0" * 64,
    )
    assert not permissions.can_approve(signer, payment)
    with pytest.raises(PaymentError):
        services.approve(payment, by=signer)


def test_only_finance_officers_approve_and_release(payment, account, officer, second_officer, award_over, finance):
    for user in (second_officer, award_over.org_admin):
        assert not permissions.can_approve(user, payment)
        with pytest.raises(PaymentError):
            services.approve(payment, by=user)
    services.approve(payment, by=finance)
    with pytest.raises(PaymentError):
        services.release(payment, by=second_officer)


def test_no_approval_without_the_payees_account(payment, finance):
    decision = permissions.can_approve(finance, payment)
    assert not decision and decision.reason
    with pytest.raises(PaymentError) as refused:
        services.approve(payment, by=finance)
    assert refused.value.code == "no_account"


def test_a_release_is_taken_once(payment, account, finance, finance2):
    services.approve(payment, by=finance)
    services.release(payment, by=finance)
    with pytest.raises(PaymentError):
        services.release(payment, by=finance2)
    payment.refresh_from_db()
    assert payment.attempts == 1


def test_the_bank_reference_is_required_and_the_date_sane(payment, account, finance):
    payment = services.process(released(payment, finance).pk)
    with pytest.raises(PaymentError) as refused:
        services.record_paid(payment, by=finance, reference="  ", paid_on=timezone.localdate())
    assert refused.value.field == "reference"
    with pytest.raises(PaymentError) as refused:
        services.record_paid(
            payment, by=finance, reference="X1", paid_on=timezone.localdate() + datetime.timedelta(days=1)
        )
    assert refused.value.field == "paid_on"
    payment.refresh_from_db()
    assert payment.state == "processing"


def test_a_cancelled_request_needs_a_reason_and_frees_the_sum(payment, second_officer, contract):
    with pytest.raises(PaymentError):
        services.cancel(payment, by=second_officer, reason="")
    services.cancel(payment, by=second_officer, reason="合同已终止")
    payment.refresh_from_db()
    assert payment.state == "cancelled" and services.live_total(contract) == 0


def test_payments_never_exceed_the_contract_sum(payment, contract):
    from contracts.payments.services import _within_contract_sum

    with pytest.raises(PaymentError) as refused:
        _within_contract_sum(contract, contract.amount - payment.amount + Decimal("0.01"))
    assert refused.value.code == "over_contract_sum"
    _within_contract_sum(contract, contract.amount - payment.amount)


def test_a_lost_release_task_is_sent_again(payment, account, finance, django_capture_on_commit_callbacks):
    services.approve(payment, by=finance)
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost: never sent
        services.release(payment, by=finance)
    Payment.objects.filter(pk=payment.pk).update(released_at=timezone.now() - datetime.timedelta(hours=1))
    assert tasks.retry_stuck_payments() == 1  # eager in the tests: the gateway is called now
    payment.refresh_from_db()
    assert payment.state == "processing" and payment.gateway_reference
    assert tasks.retry_stuck_payments() == 0


def test_the_scheduler_s_resend_goes_through_celery_s_real_send_path(payment, account, finance, monkeypatch):
    """Not eager: the resend is built by Celery's real send path (which
    refuses an expiry it cannot read), stopped where the message is made,
    before any broker."""
    import datetime as dt

    from celery import current_app

    from contracts.payments import tasks

    class StopError(Exception):
        pass

    made = []

    def create_task_message(task_id, name, args, kwargs, countdown, eta, group_id, group_index, expires, *rest, **kw):
        made.append((name, args, expires))
        raise StopError

    services.approve(payment, by=finance)
    services.release(payment, by=finance)
    Payment.objects.filter(pk=payment.pk).update(released_at=timezone.now() - dt.timedelta(minutes=30))
    monkeypatch.setattr(current_app.amqp, "create_task_message", create_task_message)
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    try:
        with pytest.raises(StopError):
            tasks.retry_stuck_payments()
    finally:
        current_app.conf.task_always_eager = eager
    ((name, args, expires),) = made
    assert name == "contracts.tasks.release_payment" and list(args) == [payment.pk]
    assert expires  # an absolute time, computed from the seconds given
