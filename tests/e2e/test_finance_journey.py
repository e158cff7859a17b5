"""The finance officer's payment journey on a phone (390 px wide, zh-CN),
issue 16.

The payment is written by the payment tests' fixtures
(tests/contracts/payments/conftest.py): a milestone accepted by
``officer``, its payment requested by the acceptance, the organization's
bank account registered, a finance officer who took no part in the
contract.  In the browser:

- the officer who accepted the milestone (given the finance role too) sees
  the reason instead of the approve button (separation of duties);
- the finance officer finds the payment under the list's default filter
  ("waiting for someone"), opens it, approves it (the money step asks for
  password and authenticator code, as after a sign-in more than
  ``REAUTH_MINUTES`` ago; what is kept is sent on) and releases it: the
  ledger gateway's release task (eager in the tests: tests/settings.py)
  writes the disbursement instruction and its voucher, which the page links
  to and which is a PDF with the SHA-256 the page shows;
- a bank date in the future is refused in Chinese, the typed reference is
  kept and nothing is paid; a valid date pays it;
- the public contract page lists the payment without any account number.

Every page visited passes axe-core and the control checks (44 px targets)."""

import datetime
import hashlib
import time

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from contracts.payments.gateways.ledger import instruction_number
from contracts.payments.models import PayeeAccount, Payment
from tests.contracts.evaluation.conftest import zh
from tests.contracts.payments import conftest as payment_fixtures
from tests.contracts.payments.conftest import ACCOUNT
from tests.e2e.conftest import PHONE
from tests.e2e.pages import Page, ReauthPage, shows

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

# the payment tests' fixtures: an accepted milestone's requested payment, the payee account, a finance officer
payment, accepted, account, finance = (
    payment_fixtures.payment,
    payment_fixtures.accepted,
    payment_fixtures.account,
    payment_fixtures.finance,
)
contract, first, submitted, expert = (
    payment_fixtures.contract,
    payment_fixtures.first,
    payment_fixtures.submitted,
    payment_fixtures.expert,
)

PASSWORD = "pw-test-2026"  # make_user's (tests/conftest.py)
BANK_REFERENCE = "ICBC-20260512-0077"
INSTRUCTION_WRITTEN = (
    "Disbursement instruction %(reference)s is written. "
    "Pay it from the voucher, then record the bank's reference below."
)


def code_for(user):
    """The code the user's authenticator app shows now."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def requested(transactional_db, request):
    """The requested payment and the finance officer who pays it (one
    transaction: the services lock rows, and on PostgreSQL the milestones'
    shares are checked at the commit)."""
    with transaction.atomic():
        request.getfixturevalue("migrated_rows")
        found = request.getfixturevalue("payment")
        request.getfixturevalue("account")
        paying = request.getfixturevalue("finance")
    return found, paying


def test_a_finance_officer_pays_a_milestone_on_a_phone(new_context, sign_in, audit, requested, officer):
    payment, finance = requested
    assert payment.state == Payment.State.REQUESTED and payment.accepted_by_id == officer.pk
    detail_url = reverse("payments:detail", args=[payment.pk])
    approve_url = reverse("payments:approve", args=[payment.pk])
    release_url = reverse("payments:release", args=[payment.pk])
    paid_url = reverse("payments:record_paid", args=[payment.pk])
    voucher_url = reverse("payments:voucher", args=[payment.pk])
    amount = f"¥{payment.amount:,.2f}"
    milestone = payment.milestone

    # Separation of duties: the officer who accepted the milestone, a finance
    # officer as well, is told why there is no approve button.
    officer.groups.add(Group.objects.get(name="finance_officer"))
    accepting = Page(sign_in(new_context(PHONE), officer).new_page(), audit).open(detail_url)
    assert zh("You accepted this milestone: another finance officer pays it.") in accepting.text()
    assert accepting.main.locator(f'form[action="{approve_url}"]').count() == 0
    accepting.page.context.close()

    # The finance officer finds the request in the list's default filter and opens it.
    page = sign_in(new_context(PHONE), finance, fresh_reauth=False).new_page()
    listing = Page(page, audit).open(reverse("payments:index"))
    assert page.locator('main select[name="state"]').input_value() == "waiting"
    row = listing.main.locator("tbody tr").filter(has=page.locator(f'a[href="{detail_url}"]'))
    assert row.count() == 1
    row_text = row.inner_text()
    assert amount in row_text and zh(Payment.State.REQUESTED.label) in row_text
    detail = listing.follow(row.locator(f'a[href="{detail_url}"]'), Page)
    assert page.url.endswith(detail_url)
    assert (
        shows(detail.heading(), "Payment for milestone %(number)s: %(title)s") and milestone.title in detail.heading()
    )
    assert ACCOUNT["account_number"] not in page.content()  # masked for everyone on the page

    # Approve: the money step asks for password and code, then goes through.
    reauth = detail.follow(detail.main.locator(f'form[action="{approve_url}"] button[type=submit]'), ReauthPage)
    assert reauth.heading() == zh("Confirm it is you")
    payment.refresh_from_db()
    assert payment.state == Payment.State.REQUESTED  # nothing before the re-authentication
    detail = reauth.confirm(PASSWORD, code_for(finance), next_page=Page)
    assert page.url.endswith(detail_url)
    assert zh("The payment is approved; release it to send it to the treasury.") in detail.messages()
    payment.refresh_from_db()
    assert payment.state == Payment.State.APPROVED and payment.approved_by_id == finance.pk

    # Release: the ledger gateway writes the disbursement instruction and its voucher.
    detail = detail.follow(detail.main.locator(f'form[action="{release_url}"] button[type=submit]'), Page)
    assert zh("The payment is released: the gateway is being called. This page shows the result.") in (
        detail.messages()
    )
    payment.refresh_from_db()
    assert payment.state == Payment.State.PROCESSING and payment.gateway == "ledger"
    reference = instruction_number(payment)
    assert reference == f"BF-{payment.requested_at:%Y}-{payment.pk:06d}"
    assert payment.gateway_reference == reference and payment.voucher
    assert reference in detail.text()
    assert shows(detail.text(), INSTRUCTION_WRITTEN)
    voucher = detail.main.locator(f'a[href="{voucher_url}"]')
    assert voucher.count() == 1 and voucher.inner_text().strip() == zh("Payment voucher (PDF)")
    response = page.request.get(voucher.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == payment.voucher_sha256
    assert payment.voucher_sha256 in detail.text()

    # The bank's reference with a bank date in the future: refused, the reference kept.
    today = timezone.localdate()
    form = detail.main.locator(f'form[action="{paid_url}"]')
    form.locator('[name="reference"]').fill(BANK_REFERENCE)
    form.locator('[name="paid_on"]').fill((today + datetime.timedelta(days=7)).isoformat())
    detail = detail.follow(form.locator("button[type=submit]"), Page)
    form = detail.main.locator(f'form[action="{paid_url}"]')
    assert zh("Enter the date the bank paid (not in the future).") in form.locator("#field-paid_on").inner_text()
    assert zh("Nothing was changed: correct the form below.") in detail.messages()
    assert form.locator('[name="reference"]').input_value() == BANK_REFERENCE
    payment.refresh_from_db()
    assert payment.state == Payment.State.PROCESSING and not payment.bank_reference and payment.paid_at is None

    # With the bank's real date: paid.
    form.locator('[name="paid_on"]').fill(today.isoformat())
    detail = detail.follow(form.locator("button[type=submit]"), Page)
    assert page.url.endswith(detail_url)
    assert zh("The payment is recorded as paid.") in detail.messages()
    status = detail.main.locator("header .status").inner_text().strip()
    assert status == zh(Payment.State.PAID.label)
    assert BANK_REFERENCE in detail.text()
    assert detail.main.locator(f'form[action="{paid_url}"]').count() == 0
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.bank_reference == BANK_REFERENCE and payment.bank_paid_on == today
    assert payment.recorded_by_id == finance.pk
    milestone.refresh_from_db()
    assert milestone.state == "paid"

    # The public contract page lists the payment, without the bank's details.
    public = Page(new_context(PHONE).new_page(), audit).open(f"/disclosure/{payment.contract.number}/")
    paid = public.page.locator("#payments").inner_text()
    assert amount in paid and f"{milestone.number}. {milestone.title}" in paid
    assert today.isoformat() in paid
    content = public.page.content()
    payee = PayeeAccount.objects.get(organization_id=payment.contract.organization_id)
    for secret in (ACCOUNT["account_number"], payee.masked_number, BANK_REFERENCE, reference):
        assert secret not in content, secret

    audit.assert_clean()
