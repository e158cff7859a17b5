"""The Stripe gateway exactly once, under each fault (issue 16, 4): the real
stripe-python client against a Stripe-like server on 127.0.0.1
(``fake_stripe.FakeStripe``), webhooks signed with
``stripe.WebhookSignature.generate_signature_header``.

The fault matrix (fault → outcome) these tests prove:
- none → one transfer, paid;
- the process dies between the gateway call and its commit → the retry,
  same key, gets the same transfer: one transfer, paid;
- a gateway timeout (the transfer made, the answer late) → processing, no
  record; the retry gets the stored answer: one transfer, paid;
- a 5xx, a dropped connection → processing; the retry makes the one transfer;
- a 4xx → failed with Stripe's message; a finance officer's retry (same
  key) pays once;
- a duplicate webhook → ignored;
- the webhook before the release's own commit (the release died) → the
  webhook settles it with the transfer's id; the redelivered task then
  does nothing;
- a reversed transfer → a processing payment fails; a paid one is reported;
- two finance officers at once → tests/contracts/payments/test_postgres.py;
- the worker killed (SIGKILL, a real process, PostgreSQL) after Stripe made
  the transfer and before its answer → nothing of the call kept; the
  redelivered task (acks_late) gets the stored answer under the same key:
  one transfer, paid once."""

import json
import time

import pytest
import stripe
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from contracts.payments import services
from contracts.payments.gateways import GatewayError
from contracts.payments.models import GatewayEvent, PayeeAccount, Payment, account_as_approved
from tests.contracts.payments.fake_stripe import FakeStripe

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_platform"


@pytest.fixture
def fake(settings):
    server = FakeStripe(slow_seconds=1.2).start()
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_SECRET_KEY = "sk_test_platform"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    yield server
    server.stop()


@pytest.fixture
def connected(account):
    PayeeAccount.objects.filter(pk=account.pk).update(stripe_account_id="acct_test_org", stripe_transfers="active")
    return account


@pytest.fixture
def released_payment(payment, connected, finance, fake, django_capture_on_commit_callbacks):
    services.approve(payment, by=finance)
    with django_capture_on_commit_callbacks(execute=False):  # the task runs when each test says
        services.release(payment, by=finance)
    payment.refresh_from_db()
    return payment


def run_task(payment):
    """What the release task does: ``process``; a transient fault raises (the task retries)."""
    try:
        return services.process(payment.pk), None
    except GatewayError as error:
        payment.refresh_from_db()
        return payment, error


def webhook(client, event_type, transfer, *, event_id="evt_1", secret=SECRET):
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": transfer},
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(body, secret)
    return client.post(
        reverse("stripe_webhook"), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def test_a_release_makes_one_transfer_in_minor_units_with_the_key_and_metadata(released_payment, fake):
    payment, error = run_task(released_payment)
    assert error is None and payment.state == "paid"
    (transfer,) = fake.transfers.values()
    assert payment.gateway_reference == transfer["id"]
    assert transfer["amount"] == int(payment.amount * 100) and transfer["currency"] == "cny"
    assert transfer["destination"] == "acct_test_org"
    assert transfer["metadata"] == {
        "payment": str(payment.pk),
        "contract": payment.contract.number,
        "milestone": str(payment.milestone.number),
    }
    assert [r[2] for r in fake.requests if r[0] == "POST"] == [payment.idempotency_key]
    assert payment.entries.filter(kind="disbursement").count() == 1


def test_the_process_dies_after_the_gateway_call_and_the_retry_finds_the_same_transfer(released_payment, fake):
    class DiedError(Exception):
        pass

    with pytest.raises(DiedError), transaction.atomic():
        services.process(released_payment.pk)  # the transfer is made …
        raise DiedError  # … and the process dies before its commit
    released_payment.refresh_from_db()
    assert released_payment.state == "processing" and not released_payment.gateway_reference
    assert len(fake.transfers) == 1
    payment, error = run_task(released_payment)  # the redelivered task
    assert error is None and payment.state == "paid"
    assert len(fake.transfers) == 1 and payment.gateway_reference in fake.transfers


def test_a_timeout_leaves_the_payment_processing_and_the_retry_pays_once(released_payment, fake):
    fake.faults = ["timeout"]
    payment, error = run_task(released_payment)
    assert error is not None and not error.permanent
    assert payment.state == "processing" and not payment.gateway_reference
    assert len(fake.transfers) == 1  # made at Stripe, the answer lost
    payment, error = run_task(payment)
    assert error is None and payment.state == "paid" and len(fake.transfers) == 1


@pytest.mark.parametrize("fault", ["500", "drop"])
def test_a_server_error_or_a_dropped_connection_is_retried(released_payment, fake, fault):
    fake.faults = [fault]
    payment, error = run_task(released_payment)
    assert error is not None and not error.permanent and payment.state == "processing"
    assert not fake.transfers
    payment, error = run_task(payment)
    assert error is None and payment.state == "paid" and len(fake.transfers) == 1


def test_a_refusal_fails_the_payment_with_stripes_message_and_a_retry_pays_once(released_payment, fake, finance):
    fake.faults = ["400"]
    payment, error = run_task(released_payment)
    assert error is None and payment.state == "failed"
    assert "No such destination" in payment.failure_message and not fake.transfers
    services.retry(payment, by=finance)
    payment, error = run_task(payment)
    assert payment.state == "paid" and len(fake.transfers) == 1
    assert {r[2] for r in fake.requests if r[0] == "POST"} == {payment.idempotency_key}


def test_a_duplicate_webhook_changes_nothing(released_payment, fake, client):
    payment, _ = run_task(released_payment)
    transfer = fake.transfers[payment.gateway_reference]
    assert webhook(client, "transfer.created", transfer).content == b"already paid"
    assert webhook(client, "transfer.created", transfer).content == b"duplicate"
    assert GatewayEvent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.state == "paid" and payment.entries.filter(kind="disbursement").count() == 1


def test_the_webhook_before_the_releases_commit_settles_it_once(released_payment, fake, client):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.process(released_payment.pk)
        raise RuntimeError("the worker died before its commit")
    (transfer,) = fake.transfers.values()
    response = webhook(client, "transfer.created", transfer)
    assert response.status_code == 200 and response.content == b"settled"
    released_payment.refresh_from_db()
    assert released_payment.state == "paid" and released_payment.gateway_reference == transfer["id"]
    payment, error = run_task(released_payment)  # the redelivered task: nothing to do
    assert error is None and payment.state == "paid" and len(fake.transfers) == 1
    assert payment.entries.filter(kind="disbursement").count() == 1


def test_a_reversed_transfer_fails_a_payment_not_yet_settled(released_payment, fake, client):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.process(released_payment.pk)
        raise RuntimeError("died")
    (transfer,) = fake.transfers.values()
    assert webhook(client, "transfer.reversed", {**transfer, "reversed": True}, event_id="evt_r").content == b"failed"
    released_payment.refresh_from_db()
    assert released_payment.state == "failed"


def test_unsigned_or_badly_signed_webhooks_are_refused(released_payment, fake, client):
    payment, _ = run_task(released_payment)
    transfer = fake.transfers[payment.gateway_reference]
    assert webhook(client, "transfer.reversed", transfer, secret="whsec_wrong").status_code == 400
    body = json.dumps({"id": "evt_x", "type": "transfer.reversed", "data": {"object": transfer}})
    assert client.post(reverse("stripe_webhook"), data=body, content_type="application/json").status_code == 400
    assert not GatewayEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.state == "paid"


def test_reconcile_reports_every_difference(released_payment, fake, capsys):
    payment, _ = run_task(released_payment)
    call_command("reconcile_payments")
    assert "agree" in capsys.readouterr().out
    stray = fake._create({"amount": "100", "currency": "cny", "destination": "acct_x", "metadata[payment]": "999999"})
    fake.transfers[payment.gateway_reference]["amount"] += 1
    with pytest.raises(CommandError):
        call_command("reconcile_payments")
    out = capsys.readouterr().out
    assert f"transfer {stray['id']}: no payment of this platform" in out
    assert f"transfer {payment.gateway_reference}: " in out and "minor units" in out
    del fake.transfers[payment.gateway_reference]
    with pytest.raises(CommandError):
        call_command("reconcile_payments")
    assert f"payment {payment.pk} (paid)" in capsys.readouterr().out


def test_without_a_connected_account_the_payment_fails_clearly(payment, connected, finance, fake):
    """Approval asks for an account that takes transfers (test_onboarding);
    one removed after the release fails the payment before Stripe is called
    (the account is no longer the one approved), with a clear message."""
    services.approve(payment, by=finance)
    services.release(payment, by=finance)
    PayeeAccount.objects.filter(pk=connected.pk).update(stripe_account_id="", stripe_transfers="")
    payment, error = run_task(payment)
    from django.utils import translation

    with translation.override("zh-hans"):
        expected = str(account_as_approved.refusal_message)
    assert payment.state == "failed" and payment.failure_message == expected
    assert not fake.transfers and not fake.requests
    assert Payment.objects.get(pk=payment.pk).state == "failed"


def test_a_reversed_transfer_is_retried_under_a_new_key_never_replayed_as_paid(released_payment, fake, client, finance):
    """The review's case: the release dies after the transfer, the transfer is
    reversed, then a retry: the same key would replay the reversed transfer
    as a success; the retry takes a new key and makes one new transfer."""
    with pytest.raises(RuntimeError), transaction.atomic():
        services.process(released_payment.pk)
        raise RuntimeError("died")
    (first,) = fake.transfers.values()
    first["reversed"], first["amount_reversed"] = True, first["amount"]
    assert webhook(client, "transfer.reversed", first, event_id="evt_rev").content == b"failed"
    released_payment.refresh_from_db()
    old_key = released_payment.idempotency_key
    assert released_payment.state == "failed" and released_payment.gateway_reference == first["id"]
    services.retry(released_payment, by=finance)
    payment, error = run_task(released_payment)
    assert error is None and payment.state == "paid"
    assert payment.idempotency_key != old_key and payment.gateway_reference != first["id"]
    assert len(fake.transfers) == 2 and not fake.transfers[payment.gateway_reference]["reversed"]
    assert payment.entries.filter(kind="disbursement").count() == 1


def test_a_conflict_answer_is_transient(released_payment, fake):
    from contracts.payments.gateways.stripe import _error

    conflict = stripe.IdempotencyError("Keys for idempotent requests can only be used with the same parameters")
    conflict.http_status = 409
    assert not _error(conflict).permanent


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the killed process needs a database it can reach")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_gateway_call_leaves_one_transfer(payment, connected, finance, fake, monkeypatch):
    """The done-when of issue 16, literally: a separate process runs the
    release task; Stripe makes the transfer and holds its answer back; the
    process is killed (SIGKILL) while it waits, its transaction dies with
    it.  The redelivered task (acks_late) gets Stripe's stored answer under
    the same key: one transfer, paid once."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    monkeypatch.setattr(services, "_enqueue", lambda payment: None)  # the task runs in the process below
    services.approve(payment, by=finance)
    services.release(payment, by=finance)
    fake.server.daemon_threads, fake.server.block_on_close = True, False
    fake.slow_seconds = 20
    fake.faults.append("timeout")  # the transfer is made; its answer comes late
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV_FILE": "",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_API_BASE": fake.url,
        "STRIPE_SECRET_KEY": "sk_test_platform",
        "STRIPE_TIMEOUT_SECONDS": "60",
    }
    code = f"import django; django.setup(); from contracts.payments import services; services.process({payment.pk})"
    worker = subprocess.Popen(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3], env=env, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not fake.transfers and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
        assert fake.transfers, "the worker never reached Stripe"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    payment.refresh_from_db()
    assert payment.state == "processing" and not payment.gateway_reference  # nothing of the call was kept
    (made,) = fake.transfers.values()

    fake.slow_seconds = 0
    services.process(payment.pk)  # the redelivered task
    payment.refresh_from_db()
    assert len(fake.transfers) == 1 and payment.state == "paid" and payment.gateway_reference == made["id"]
    posts = [request for request in fake.requests if request[0] == "POST"]
    assert len(posts) == 2 and {key for _m, _p, key in posts} == {payment.idempotency_key}
