"""What only PostgreSQL can prove for payments (issue 16): under two
finance officers at once a payment is released once, two requests on one
contract never exceed its sum (the contract's row lock), and an account
changed while the release task runs is never paid unapproved (the
account's row lock)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, transaction

from contracts.payments import services
from contracts.payments.models import Payment
from contracts.payments.services import PaymentError
from marketplace.models import AuditEvent

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def _race(*jobs, hold=0.5):
    """Run each job in its own thread and connection; the first holds its
    transaction open ``hold`` seconds so the others queue on its locks."""
    results, errors = [None] * len(jobs), [None] * len(jobs)
    started = threading.Event()

    def run(index, job):
        try:
            if index:
                started.wait(5)
            with transaction.atomic():
                results[index] = job()
                if not index:
                    started.set()
                    time.sleep(hold)
        except Exception as error:  # noqa: BLE001 - returned to the test
            errors[index] = error
        finally:
            started.set()
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_finance_officers_releasing_at_once_release_once(payment, account, finance, finance2):
    services.approve(payment, by=finance)
    results, errors = _race(
        lambda: services.release(payment, by=finance),
        lambda: services.release(payment, by=finance2),
    )
    assert sum(result is not None for result in results) == 1
    assert sum(isinstance(error, PaymentError) for error in errors) == 1
    payment.refresh_from_db()
    assert payment.state == "processing" and payment.attempts == 1
    assert AuditEvent.objects.filter(action="payment.release", object_id=str(payment.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_never_exceed_the_contract_sum(contract, officer):
    first, second = contract.milestones.order_by("number")[:2]
    over = (contract.amount * Decimal("0.6")).quantize(Decimal("0.01"))  # each fits, both do not
    for milestone in (first, second):
        type(milestone).objects.filter(pk=milestone.pk).update(payable=over, decided_by=officer)
        milestone.refresh_from_db()
    results, errors = _race(
        lambda: services.request_for_milestone(first, by=officer),
        lambda: services.request_for_milestone(second, by=officer),
    )
    assert sum(result is not None for result in results) == 1
    assert [getattr(error, "code", None) for error in errors if error] == ["over_contract_sum"]
    assert Payment.objects.filter(contract=contract).count() == 1
    assert services.live_total(contract) == over <= contract.amount


@pytest.mark.django_db(transaction=True)
def test_an_account_changed_while_the_task_starts_is_not_paid(payment, account, finance, award_over, monkeypatch):
    """The administrator's change holds the account row; the task waits for
    it, then finds the account changed: no voucher, the payment fails."""
    from tests.contracts.payments.conftest import ACCOUNT

    monkeypatch.setattr(services, "_enqueue", lambda payment: None)  # the task runs in the race below
    services.approve(payment, by=finance)
    services.release(payment, by=finance)
    organization = payment.contract.organization
    results, errors = _race(
        lambda: services.save_payee_account(
            organization, by=award_over.org_admin, **{**ACCOUNT, "account_number": "6222020200155554444"}
        ),
        lambda: services.process(payment.pk),
    )
    assert errors == [None, None]
    payment.refresh_from_db()
    assert payment.state == "failed" and not payment.voucher and not payment.gateway_reference
