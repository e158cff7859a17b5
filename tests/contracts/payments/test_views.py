"""The payment pages: who may open them, each step through the page with
its button shown exactly when the rule allows it (else the reason), bad
input kept and nothing changed, the voucher behind the permission, and the
organization's account form (masked everywhere)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.payments import services
from contracts.payments.models import PayeeAccount, Payment
from tests.contracts.payments.conftest import ACCOUNT, released

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def zh(message, **values):
    from django.utils import translation

    with translation.override("zh-hans"):
        found = translation.gettext(message)
    return found % values if values else found


def test_only_officers_and_finance_officers_see_payments(client, payment, award_over, worker_here, make_user):
    urls = [reverse("payments:index"), reverse("payments:detail", args=[payment.pk])]
    for url in urls:
        assert client.get(url).status_code == 302  # to sign in
    for user in (award_over.org_admin, worker_here, make_user("evaluator", username="ev_pay")):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(reverse("payments:approve", args=[payment.pk])).status_code == 403
    payment.refresh_from_db()
    assert payment.state == "requested"


def test_the_finance_officer_pays_through_the_pages(
    client, payment, account, finance, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    page = client.get(reverse("payments:index"))
    assert reverse("payments:detail", args=[payment.pk]) in text(page)
    detail = reverse("payments:detail", args=[payment.pk])
    assert reverse("payments:approve", args=[payment.pk]) in text(client.get(detail))
    assert ACCOUNT["account_number"] not in text(client.get(detail))  # masked
    assert client.post(reverse("payments:approve", args=[payment.pk])).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # the release task is sent after the commit
        assert client.post(reverse("payments:release", args=[payment.pk])).status_code == 302
    payment.refresh_from_db()
    # eager in the tests: the release task ran at the commit
    assert payment.state == "processing" and payment.gateway_reference and payment.voucher
    page = client.get(detail)
    assert payment.gateway_reference in text(page) and reverse("payments:voucher", args=[payment.pk]) in text(page)
    voucher = client.get(reverse("payments:voucher", args=[payment.pk]))
    assert voucher.status_code == 200 and voucher["Content-Type"] == "application/pdf"
    # bad input: nothing changes, what was typed comes back
    response = client.post(reverse("payments:record_paid", args=[payment.pk]), {"reference": "ICBC-77", "paid_on": ""})
    assert response.status_code == 400 and "ICBC-77" in text(response)
    payment.refresh_from_db()
    assert payment.state == "processing"
    response = client.post(
        reverse("payments:record_paid", args=[payment.pk]),
        {"reference": "ICBC-77", "paid_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.state == "paid" and payment.bank_reference == "ICBC-77"


def test_the_accepting_officer_sees_why_there_is_no_button(client, payment, account, officer, make_user):
    from marketplace.models import User

    officer.groups.add(*make_user("finance_officer", username="f_tmp2").groups.all())
    officer = User.objects.get(pk=officer.pk)
    client.force_login(officer)
    page = text(client.get(reverse("payments:detail", args=[payment.pk])))
    assert f'action="{reverse("payments:approve", args=[payment.pk])}"' not in page
    assert zh("You accepted this milestone: another finance officer pays it.") in page
    assert client.post(reverse("payments:approve", args=[payment.pk])).status_code == 400
    payment.refresh_from_db()
    assert payment.state == "requested"


def test_cancelling_needs_a_reason(client, payment, second_officer):
    client.force_login(second_officer)
    url = reverse("payments:cancel", args=[payment.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    payment.refresh_from_db()
    assert payment.state == "requested"
    assert client.post(url, {"reason": "合同已终止，不再支付"}).status_code == 302
    payment.refresh_from_db()
    assert payment.state == "cancelled"


def test_the_organization_registers_its_account_and_sees_it_masked(client, contract, award_over, payment, make_user):
    url = reverse("orgpayments:index", args=[contract.organization_id])
    client.force_login(award_over.org_admin)
    assert zh(
        "No account is registered yet: payments cannot be released until the administrator registers one."
    ) in text(client.get(url))
    account_url = reverse("orgpayments:account", args=[contract.organization_id])
    bad = {**ACCOUNT, "account_number": "12ab", "password": "pw-test-2026"}
    response = client.post(account_url, bad)
    assert response.status_code == 400 and zh("Enter the account number: 8 to 30 digits.") in text(response)
    assert ACCOUNT["bank_name"] in text(response)  # kept
    assert not PayeeAccount.objects.exists()
    wrong = client.post(account_url, {**ACCOUNT, "password": "not-mine"})
    assert wrong.status_code == 400 and zh("The password is not correct.") in text(wrong)
    assert not PayeeAccount.objects.exists()
    spaced = {**ACCOUNT, "account_number": "6222 0202 0011 2233 445", "password": "pw-test-2026"}
    assert client.post(account_url, spaced).status_code == 302
    account = PayeeAccount.objects.get()
    assert account.account_number == ACCOUNT["account_number"]
    page = text(client.get(url))
    assert "**** 3445" in page and ACCOUNT["account_number"] not in page
    assert f"¥{payment.amount:,.2f}" in page
    # a member who is not the administrator sees, cannot change; another organization sees nothing
    from marketplace.models import Membership

    member = make_user("organization_member", username="plain_member")
    Membership.objects.create(user=member, organization=contract.organization, role=Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get(url).status_code == 200
    assert client.post(account_url, ACCOUNT).status_code == 403
    outsider = make_user("organization_member", username="outsider_pay")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(account_url, ACCOUNT).status_code == 404


def test_the_audit_chain_never_holds_the_full_account_number(contract, award_over):
    from marketplace.models import AuditEvent

    services.save_payee_account(contract.organization, by=award_over.org_admin, **ACCOUNT)
    for event in AuditEvent.objects.filter(action__startswith="payee_account"):
        assert ACCOUNT["account_number"] not in str(event.details)


def test_the_list_filters(client, payment, officer):
    client.force_login(officer)
    assert payment.contract.number in text(client.get(reverse("payments:index")))
    assert payment.contract.number not in text(client.get(reverse("payments:index"), {"state": "paid"}))
    assert payment.contract.number in text(
        client.get(reverse("payments:index"), {"state": "", "q": payment.contract.number})
    )
    assert client.get(reverse("payments:index"), {"state": "nonsense"}).status_code == 200
    assert Payment.objects.count() == 1


def test_a_paid_payment_is_public_without_bank_details(client, site, payment, account, finance):
    """Issue 16, 7: the contract's public page lists each payment once paid:
    milestone, amount, day; never the account or the bank's reference."""
    public_url = f"/disclosure/{payment.contract.number}/"
    assert f"¥{payment.amount:,.2f}" not in text(client.get(public_url))  # requested: not public
    payment = services.process(released(payment, finance).pk)
    services.record_paid(payment, by=finance, reference="ICBC-PUBLIC-1", paid_on=timezone.localdate())
    page = text(client.get(public_url))
    assert f"¥{payment.amount:,.2f}" in page and payment.milestone.title in page
    payment.refresh_from_db()
    announced = timezone.localtime(payment.paid_at).strftime("%Y-%m-%d %H:%M")
    assert announced in page and zh("late") not in page  # announced when recorded, in time
    for secret in (ACCOUNT["account_number"], account.masked_number, "ICBC-PUBLIC-1", payment.idempotency_key):
        assert secret not in page


def test_the_voucher_is_for_finance_officers_only(client, payment, account, finance, officer):
    payment = services.process(released(payment, finance).pk)
    url = reverse("payments:voucher", args=[payment.pk])
    client.force_login(officer)
    assert client.get(url).status_code == 403
    assert url not in text(client.get(reverse("payments:detail", args=[payment.pk])))
    client.force_login(finance)
    assert client.get(url).status_code == 200


def test_the_officer_who_accepted_may_not_cancel_its_payment(client, payment, officer, second_officer):
    from contracts.payments import permissions

    assert not permissions.can_cancel(officer, payment) and permissions.can_cancel(second_officer, payment)
    client.force_login(officer)
    assert client.post(reverse("payments:cancel", args=[payment.pk]), {"reason": "不付了"}).status_code == 400
    payment.refresh_from_db()
    assert payment.state == "requested"


def test_the_organization_finds_its_payments_from_its_workspace(client, contract, award_over, payment, account):
    client.force_login(award_over.org_admin)
    page = text(client.get(reverse("orgs:workspace", args=[contract.organization_id])))
    assert reverse("orgpayments:index", args=[contract.organization_id]) in page
    assert f"¥{payment.amount:,.2f}" in page and account.masked_number in page


def test_the_bank_date_picker_offers_no_future_day(client, payment, account, finance):
    payment = services.process(released(payment, finance).pk)
    client.force_login(finance)
    page = text(client.get(reverse("payments:detail", args=[payment.pk])))
    assert f'max="{timezone.localdate().isoformat()}"' in page
