"""The ledger follows the contract (issue 16, 5): a cancelled payment, and
what a completed or terminated contract will not pay, go back to the
budget; an amended sum adjusts the commitment; and a payment approved for
one account is never released to another until approved again."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.contracts import services as contract_services
from contracts.payments import permissions, selectors, services
from contracts.payments.models import LedgerEntry, Payment
from marketplace.core.models.audit import AuditEvent
from tests.contracts.evaluation.conftest import submit_report
from tests.contracts.payments.conftest import ACCOUNT, accept, released
from tests.contracts.payments.test_views import text, zh

pytestmark = pytest.mark.django_db


def committed(contract):
    return selectors.balances(contract)[LedgerEntry.Account.COMMITTED]


def kinds(contract):
    return [(e.kind, e.amount) for e in LedgerEntry.objects.filter(contract=contract).order_by("pk")]


def test_a_cancelled_payment_goes_back_to_the_budget_once(payment, contract, finance):
    services.cancel(payment, by=finance, reason="服务对象搬迁，该期不再支付")
    release = LedgerEntry.objects.get(contract=contract, kind=LedgerEntry.Kind.RELEASE)
    assert release.payment == payment and release.amount == payment.amount
    assert (release.credit, release.debit) == ("committed", "budget")
    assert committed(contract) == contract.amount - payment.amount
    assert selectors.balances(contract)["budget"] == -committed(contract)  # double entry: the sums balance


def test_termination_keeps_what_is_still_to_pay_and_releases_the_rest(payment, contract, officer, finance):
    contract_services.terminate(
        contract, by=officer, reason="机构无法继续提供服务", on=timezone.localdate(), payable=payment.amount
    )
    contract.refresh_from_db()
    assert contract.state == "terminated"
    # the requested payment stays committed; the rest is released, once
    assert committed(contract) == payment.amount
    (release,) = LedgerEntry.objects.filter(contract=contract, kind=LedgerEntry.Kind.RELEASE)
    assert release.payment is None and release.amount == contract.amount - payment.amount
    services.release_commitment(contract)  # a second close changes nothing
    assert LedgerEntry.objects.filter(contract=contract, kind=LedgerEntry.Kind.RELEASE).count() == 1
    # the payment is then cancelled: its amount goes back too, and nothing stays committed
    services.cancel(payment, by=finance, reason="合同终止，经核定不再支付")
    assert committed(contract) == 0
    assert AuditEvent.objects.filter(action="ledger.entry", details__kind="release").count() == 2


def test_a_failed_payment_of_a_terminated_contract_can_be_cancelled(payment, account, contract, officer, finance):
    services.approve(payment, by=finance)
    services.release(payment, by=finance)
    Payment.objects.filter(pk=payment.pk).update(state="failed", failure_message="退票")
    contract_services.terminate(contract, by=officer, reason="机构注销", on=timezone.localdate(), payable=Decimal("0"))
    payment.refresh_from_db()
    assert not permissions.can_retry(finance, payment)  # the contract is terminated
    assert permissions.can_cancel(finance, payment)
    services.cancel(payment, by=finance, reason="合同终止，退票不再重付")
    payment.refresh_from_db()
    assert payment.state == "cancelled" and committed(contract) == 0


def test_completion_releases_what_the_scores_did_not_earn(
    accepted, contract, expert, officer, finance, award_over, account
):
    second = contract.milestones.get(number=2)
    submit_report(second, award_over.org_admin)
    second.refresh_from_db()
    accept(second, expert, officer, points=75, answers=[4] * 20)  # a pass below full payment
    contract.refresh_from_db()
    assert contract.state == "completed"
    payments = list(Payment.objects.filter(contract=contract))
    to_pay = sum(p.amount for p in payments)
    assert to_pay < contract.amount  # below full marks: less than the sum is payable
    assert committed(contract) == to_pay
    (release,) = LedgerEntry.objects.filter(contract=contract, kind=LedgerEntry.Kind.RELEASE)
    assert release.amount == contract.amount - to_pay
    for payment in payments:
        services.approve(payment, by=finance)
        services.release(payment, by=finance)
        services.process(payment.pk)
        services.record_paid(
            Payment.objects.get(pk=payment.pk), by=finance, reference=f"B{payment.pk}", paid_on=timezone.localdate()
        )
    balances = selectors.balances(contract)
    assert balances["committed"] == 0 and balances["disbursed"] == to_pay
    assert balances["budget"] == -to_pay


def test_an_amended_sum_adjusts_the_commitment(award_over, officer, second_officer, django_capture_on_commit_callbacks):
    from tests.contracts.contracts.helpers import signed
    from tests.contracts.contracts.test_amendments import confirm, propose

    with django_capture_on_commit_callbacks(execute=True):
        contract = signed(award_over, officer, second_officer)
    before = contract.amount
    assert kinds(contract) == [("commitment", before)]
    amendment = propose(contract, officer, amount=before - Decimal("1000.00"), reason="funds")
    confirm(amendment, award_over.org_admin)
    confirm(amendment, second_officer)
    contract.refresh_from_db()
    assert contract.amount == before - Decimal("1000.00")
    assert kinds(contract) == [("commitment", before), ("adjustment", Decimal("1000.00"))]
    adjustment = LedgerEntry.objects.get(kind="adjustment")
    assert (adjustment.credit, adjustment.debit) == ("committed", "budget")
    assert committed(contract) == contract.amount


def test_an_account_changed_after_approval_needs_a_second_approval(
    client, payment, account, contract, award_over, finance, finance2
):
    services.approve(payment, by=finance)
    payment.refresh_from_db()
    assert (
        payment.approved_account == account.fingerprint_for("ledger") and "**** 3445" in payment.approved_account_label
    )
    assert not permissions.can_reapprove(finance, payment)
    assert permissions.can_reapprove(finance, payment).reason == ""  # not a step now: no reason shown
    services.save_payee_account(
        contract.organization, by=award_over.org_admin, **{**ACCOUNT, "account_number": "6222020200199998888"}
    )
    payment.refresh_from_db()
    refusal = permissions.can_release(finance, payment)
    assert not refusal and refusal.reason == zh(
        "The organization changed its account after this payment was approved: approve it again for the new account."
    )
    with pytest.raises(services.PaymentError) as refused:
        services.release(payment, by=finance)
    assert refused.value.code == "account_changed"
    payment.refresh_from_db()
    assert payment.state == "approved" and not payment.released_at

    client.force_login(finance2)
    page = text(client.get(reverse("payments:detail", args=[payment.pk])))
    assert zh("Approve again for the new account") in page and "**** 8888" in page and "**** 3445" in page
    assert reverse("payments:release", args=[payment.pk]) not in page
    services.reapprove(payment, by=finance2)
    payment.refresh_from_db()
    assert (
        payment.state == "approved"
        and payment.approved_by == finance2
        and "**** 8888" in payment.approved_account_label
    )
    event = AuditEvent.objects.filter(action="payment.reapprove").get()
    assert "3445" in event.details["previous_account"] and "8888" in event.details["account"]
    assert "6222020200199998888" not in str(event.details)
    services.release(payment, by=finance2)
    services.process(payment.pk)  # the release task
    payment.refresh_from_db()
    assert payment.state == "processing" and payment.gateway_reference and payment.voucher


def test_an_account_changed_during_the_release_fails_the_payment_before_the_gateway(
    payment, account, contract, award_over, finance, finance2
):
    """The change lands after the release's commit and before the task: the
    task finds it under the account's row lock, writes no voucher and fails
    the payment; approved again, it is paid to the new account."""
    released(payment, finance)
    services.save_payee_account(
        contract.organization, by=award_over.org_admin, **{**ACCOUNT, "account_number": "6222020200177776666"}
    )
    services.process(payment.pk)
    payment.refresh_from_db()
    assert payment.state == "failed" and not payment.gateway_reference and not payment.voucher
    assert payment.failure_message == zh(
        "The organization changed its account after this payment was approved: approve it again for the new account."
    )
    assert not permissions.can_retry(finance, payment)
    services.reapprove(payment, by=finance2)
    services.release(payment, by=finance2)
    services.process(payment.pk)
    payment.refresh_from_db()
    assert payment.state == "processing" and payment.voucher and "6666" in payment.approved_account_label


def test_a_subsidy_pays_at_most_its_share_of_the_documented_cost(submitted, contract, expert, officer):
    """Issue 16, 1: a subsidy-kind contract's payment is capped as its terms
    say (the kind's cap, kept on the contract): here 50 % of ¥10,000."""
    from contracts.contracts.models import Contract
    from contracts.milestones.models import MilestoneReport

    Contract.objects.filter(pk=contract.pk).update(cost_share_cap=Decimal("50"))
    MilestoneReport.objects.filter(milestone=submitted).update(documented_cost=Decimal("10000.00"))
    submitted.refresh_from_db()
    accepted = accept(submitted, expert, officer)
    payment = Payment.objects.get(milestone=accepted)
    assert accepted.payable == payment.amount == Decimal("5000.00")


def test_a_payment_the_bank_returned_is_sent_again_under_a_new_instruction(
    client, payment, account, contract, award_over, finance, finance2, django_capture_on_commit_callbacks
):
    """退票: the treasury's payment comes back (the account was closed). The
    finance officer records it with the bank's reason; the payment fails,
    the organization is told; after it corrects its account, a second
    approval and release write a new instruction and voucher under a new
    key, and the bank's reference makes it paid, once."""
    from marketplace.models import Notice

    released(payment, finance)
    payment = services.process(payment.pk)
    first_key, first_voucher = payment.idempotency_key, payment.voucher_sha256
    assert payment.gateway_reference.endswith(f"{payment.pk:06d}")
    assert permissions.can_record_returned(finance, payment)
    with pytest.raises(services.PaymentError) as refused:
        services.record_returned(payment, by=finance, reason=" ")
    assert refused.value.code == "reason_required"
    client.force_login(finance2)
    url = reverse("payments:record_returned", args=[payment.pk])
    page = client.post(url, {"reason": ""})
    assert page.status_code == 400 and Payment.objects.get(pk=payment.pk).state == "processing"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "收款账户已销户"}).status_code == 302
    payment.refresh_from_db()
    assert payment.state == "failed" and "收款账户已销户" in payment.failure_message
    told = Notice.objects.get(user=award_over.org_admin, body__contains="收款账户已销户")
    assert contract.number in told.subject and told.link.endswith(f"/org/{contract.organization_id}/payments/")

    services.save_payee_account(
        contract.organization, by=award_over.org_admin, **{**ACCOUNT, "account_number": "6222020200133332222"}
    )
    payment.refresh_from_db()
    assert not permissions.can_retry(finance, payment)  # the account changed: approve again first
    services.reapprove(payment, by=finance)
    services.release(payment, by=finance)
    payment = services.process(payment.pk)
    assert payment.idempotency_key != first_key and payment.voucher_sha256 != first_voucher
    assert payment.gateway_reference.endswith(f"{payment.pk:06d}-2")
    services.record_paid(payment, by=finance, reference="ICBC-2", paid_on=timezone.localdate())
    payment.refresh_from_db()
    assert payment.state == "paid"
    assert LedgerEntry.objects.filter(payment=payment, kind="disbursement").count() == 1


def test_only_a_treasury_payment_in_processing_can_be_returned(payment, account, finance, settings):
    assert not permissions.can_record_returned(finance, payment)  # requested
    released(payment, finance)
    Payment.objects.filter(pk=payment.pk).update(gateway="stripe", gateway_reference="tr_1")
    payment.refresh_from_db()
    assert not permissions.can_record_returned(finance, payment)
    with pytest.raises(services.PaymentError):
        services.record_returned(payment, by=finance, reason="退票")


def test_two_amendments_of_the_sum_each_adjust_the_commitment_once(contract):
    from types import SimpleNamespace

    from contracts.contracts.models import Contract

    services.ensure_commitment(contract)
    start = contract.amount
    Contract.objects.filter(pk=contract.pk).update(amount=start - Decimal("1000.00"))
    contract.refresh_from_db()
    services.adjust_commitment(contract, previous=start, amendment=SimpleNamespace(number=1))
    Contract.objects.filter(pk=contract.pk).update(amount=start + Decimal("500.00"))
    contract.refresh_from_db()
    services.adjust_commitment(contract, previous=start - Decimal("1000.00"), amendment=SimpleNamespace(number=2))
    services.adjust_commitment(contract, previous=start - Decimal("1000.00"), amendment=SimpleNamespace(number=2))
    assert [a for k, a in kinds(contract) if k == "adjustment"] == [Decimal("1000.00"), Decimal("1500.00")]
    assert committed(contract) == contract.amount == start + Decimal("500.00")


def test_a_failed_payment_of_a_running_contract_is_not_cancelled(payment, account, contract, finance, officer):
    """Its milestone has no other payment, ever: while the contract runs it
    is tried again, not cancelled; an approved payment neither."""
    services.approve(payment, by=finance)
    payment.refresh_from_db()
    assert not permissions.can_cancel(finance, payment) and permissions.can_cancel(finance, payment).reason == ""
    services.release(payment, by=finance)
    Payment.objects.filter(pk=payment.pk).update(state="failed", failure_message="网络中断")
    payment.refresh_from_db()
    with pytest.raises(services.PaymentError):
        services.cancel(payment, by=finance, reason="不付了")
    assert Payment.objects.get(pk=payment.pk).state == "failed"


def test_an_approved_payment_of_a_terminated_contract_whose_account_changed_can_be_cancelled(
    payment, account, contract, award_over, officer, finance
):
    services.approve(payment, by=finance)
    services.save_payee_account(
        contract.organization, by=award_over.org_admin, **{**ACCOUNT, "account_number": "6222020200144443333"}
    )
    contract_services.terminate(contract, by=officer, reason="机构注销", on=timezone.localdate(), payable=Decimal("0"))
    payment.refresh_from_db()
    assert not permissions.can_release(finance, payment) and not permissions.can_reapprove(finance, payment)
    services.cancel(payment, by=finance, reason="合同终止，账户已变更，不再支付")
    payment.refresh_from_db()
    assert payment.state == "cancelled" and committed(contract) == 0


def test_a_report_without_a_documented_cost_is_not_capped_to_nothing(submitted, contract, expert, officer):
    """A subsidy report submitted before the cost was asked for: no cap
    (submitting now requires the cost), not a payment of zero."""
    from contracts.contracts.models import Contract

    Contract.objects.filter(pk=contract.pk).update(cost_share_cap=Decimal("50"))
    submitted.refresh_from_db()
    accepted = accept(submitted, expert, officer)
    assert accepted.payable > 0 and Payment.objects.get(milestone=accepted).amount == accepted.payable
