"""Stripe Connect onboarding (issue 16, 3): the organization's administrator
sets up its connected account through Stripe's account links and sees its
status; payments are approved only to an account that accepts transfers.
The real stripe-python client against the Stripe-like server on 127.0.0.1."""

import pytest
from django.urls import reverse

from contracts.payments import services
from contracts.payments.models import PayeeAccount
from marketplace.core.models.audit import AuditEvent
from tests.contracts.payments.test_stripe import fake, webhook  # noqa: F401 - the Stripe-like server
from tests.contracts.payments.test_views import text, zh

pytestmark = pytest.mark.django_db

PASSWORD = "pw-test-2026"


def urls(organization_id):
    return {
        name: reverse(f"orgpayments:{name}", args=[organization_id])
        for name in ("index", "stripe", "stripe_return", "stripe_refresh")
    }


def test_the_administrator_onboards_once_and_sees_the_status(client, fake, contract, award_over):  # noqa: F811
    org = contract.organization
    url = urls(org.pk)
    client.force_login(award_over.org_admin)
    page = text(client.get(url["index"]))
    assert zh("Set up payouts through Stripe") in page

    wrong = client.post(url["stripe"], {"stripe-password": "not-mine"})
    assert wrong.status_code == 400 and zh("The password is not correct.") in text(wrong)
    assert not fake.accounts and not PayeeAccount.objects.exists()

    started = client.post(url["stripe"], {"stripe-password": PASSWORD})
    assert started.status_code == 200
    (created,) = fake.accounts.values()
    assert created["type"] == "express" and created["metadata"] == {"organization": str(org.pk)}
    assert created["requested"] == {"capabilities[transfers][requested]": "true"}
    assert created["business_profile"]["name"] == org.name
    link = fake.links[-1]
    assert link["account"] == created["id"] and link["type"] == "account_onboarding"
    assert link["return_url"].endswith(url["stripe_return"]) and link["refresh_url"].endswith(url["stripe_refresh"])
    assert f"https://connect.stripe.test/setup/e/{created['id']}/1" in text(started)
    account = PayeeAccount.objects.get(organization=org)
    assert account.stripe_account_id == created["id"] and not account.stripe_ready
    assert AuditEvent.objects.filter(action="payee_account.stripe_connected").count() == 1

    # back from Stripe before finishing: not ready; a second start reuses the account
    client.get(url["stripe_return"])
    assert zh("Stripe's onboarding is not finished: Stripe still needs the organization's details.") in text(
        client.get(url["index"])
    )
    assert client.post(url["stripe"], {"stripe-password": PASSWORD}).status_code == 200
    assert len(fake.accounts) == 1 and len(fake.links) == 2
    # the expired link's refresh leads back to the page, whose form asks for the password again
    refreshed = client.get(url["stripe_refresh"])
    assert refreshed.status_code == 302 and refreshed["Location"].endswith(f"{url['index']}#stripe")
    assert len(fake.links) == 2

    fake.finish_onboarding(created["id"])
    client.get(url["stripe_return"])
    account.refresh_from_db()
    assert account.stripe_ready and account.stripe_details_submitted and account.stripe_checked_at
    page = text(client.get(url["index"]))
    assert zh("Ready: Stripe can pay this organization.") in page
    assert zh("Set up payouts through Stripe") not in page and zh("Continue Stripe's onboarding") not in page
    statuses = AuditEvent.objects.filter(action="payee_account.stripe_status").order_by("pk")
    assert [e.details["transfers"] for e in statuses] == ["inactive", "active"]  # each change once


def test_only_the_administrator_starts_onboarding_and_only_with_stripe(
    client,
    fake,  # noqa: F811
    settings,
    contract,
    make_user,
):
    from marketplace.models import Membership

    org = contract.organization
    url = urls(org.pk)
    member = make_user("organization_member", username="plain_member_s")
    Membership.objects.create(user=member, organization=org, role=Membership.Role.MEMBER)
    client.force_login(member)
    assert zh("Set up payouts through Stripe") not in text(client.get(url["index"]))
    assert client.post(url["stripe"], {"stripe-password": PASSWORD}).status_code == 403
    assert client.get(url["stripe_refresh"]).status_code == 403
    outsider = make_user("organization_member", username="outsider_s")
    client.force_login(outsider)
    assert client.post(url["stripe"], {"stripe-password": PASSWORD}).status_code == 404
    assert not fake.accounts and not PayeeAccount.objects.exists()


def test_with_the_ledger_gateway_there_is_no_stripe_step(client, contract, award_over):
    url = urls(contract.organization_id)
    client.force_login(award_over.org_admin)
    assert zh("Payouts through Stripe") not in text(client.get(url["index"]))
    assert client.post(url["stripe"], {"stripe-password": PASSWORD}).status_code == 404


def test_stripe_down_says_so_and_saves_nothing(client, fake, contract, award_over):  # noqa: F811
    url = urls(contract.organization_id)
    client.force_login(award_over.org_admin)
    fake.faults.append("500")
    response = client.post(url["stripe"], {"stripe-password": PASSWORD})
    assert response.status_code == 400
    said = zh("Stripe is not reachable now: %(message)s") % {"message": "Something went wrong on Stripe's end."}
    assert said.replace("'", "&#x27;") in text(response)
    assert not PayeeAccount.objects.exists()


def test_account_updated_reads_the_status_back_from_stripe(client, fake, contract, award_over):  # noqa: F811
    """Out of order: an older event saying "inactive" arrives after the
    account became active; the status is read from Stripe, not the event."""
    client.force_login(award_over.org_admin)
    client.post(urls(contract.organization_id)["stripe"], {"stripe-password": PASSWORD})
    account = PayeeAccount.objects.get()
    stale = dict(fake.accounts[account.stripe_account_id])
    fake.finish_onboarding(account.stripe_account_id)
    client.logout()
    response = webhook(client, "account.updated", stale, event_id="evt_acct_1")
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.stripe_transfers == "active"
    assert webhook(client, "account.updated", {"id": "acct_elsewhere"}, event_id="evt_acct_2").content == (
        b"unknown account"
    )
    fake.faults.append("500")
    assert webhook(client, "account.updated", stale, event_id="evt_acct_3").status_code == 503  # Stripe retries


def test_a_payment_is_approved_only_to_an_account_that_takes_transfers(
    client,
    fake,  # noqa: F811
    payment,
    finance,
    contract,
    award_over,
):
    client.force_login(award_over.org_admin)
    with pytest.raises(services.PaymentError) as refused:
        services.approve(payment, by=finance)
    assert refused.value.code == "no_account"
    client.post(urls(contract.organization_id)["stripe"], {"stripe-password": PASSWORD})
    with pytest.raises(services.PaymentError):
        services.approve(payment, by=finance)  # onboarding not finished
    fake.finish_onboarding(PayeeAccount.objects.get().stripe_account_id)
    client.get(urls(contract.organization_id)["stripe_return"])
    services.approve(payment, by=finance)
    services.release(payment, by=finance)
    services.process(payment.pk)
    payment.refresh_from_db()
    (transfer,) = fake.transfers.values()
    assert payment.state == "paid" and transfer["destination"] == PayeeAccount.objects.get().stripe_account_id


def test_the_webhook_takes_the_connect_endpoint_s_secret_too(client, fake, settings, contract, award_over):  # noqa: F811
    """Connected accounts' events come through the Connect endpoint, signed
    with its own secret: both secrets are accepted, no other."""
    from tests.contracts.payments.test_stripe import SECRET

    settings.STRIPE_WEBHOOK_SECRET = f"{SECRET}, whsec_connect_endpoint"
    client.force_login(award_over.org_admin)
    client.post(urls(contract.organization_id)["stripe"], {"stripe-password": PASSWORD})
    account = PayeeAccount.objects.get()
    fake.finish_onboarding(account.stripe_account_id)
    client.logout()
    data = fake.accounts[account.stripe_account_id]
    assert webhook(client, "account.updated", data, event_id="evt_c1", secret="whsec_other").status_code == 400
    response = webhook(client, "account.updated", data, event_id="evt_c2", secret="whsec_connect_endpoint")
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.stripe_ready
