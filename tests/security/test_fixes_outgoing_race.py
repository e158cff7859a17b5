"""Security review of issue 12 (finding 7, the broker): ``deliver_outgoing``
sent first and deleted after, so two workers running the same (redelivered)
task both sent the message.  Now a worker claims the row (locks and deletes
it in a transaction) before sending: a message leaves at most once, and one
that no adapter took stays for a retry."""

import threading
import time

import pytest
from django.db import connection, connections

from marketplace.core import notifications
from marketplace.models import OutgoingMessage

ADAPTER = "tests.security.test_fixes_outgoing_race."


class Slow:
    """A mail server that takes its time, so two workers overlap while sending."""

    sent = []
    lock = threading.Lock()

    def send(self, *, recipients, subject, body):
        time.sleep(0.5)
        with Slow.lock:
            Slow.sent.append((tuple(recipients), subject))


class Down:
    def send(self, **kwargs):
        raise OSError("mail server down")


class Redelivering:
    """While sending, the same task runs again (a second worker, on SQLite in-line)."""

    sent = []

    def send(self, *, recipients, subject, body):
        Redelivering.sent.append((tuple(recipients), subject))
        if len(Redelivering.sent) == 1:
            notifications.deliver_outgoing(Redelivering.ids)


def _queued(count=1):
    return [
        OutgoingMessage.objects.create(
            address=f"bidder{i}@example.test", subject=f"SFQ-2026-000{i} 的投标已收到", body="正文"
        ).pk
        for i in range(count)
    ]


# --- any database ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_redelivery_while_sending_sends_nothing_again(settings):
    settings.NOTIFICATION_ADAPTERS = [ADAPTER + "Redelivering"]
    Redelivering.sent = []
    Redelivering.ids = _queued(2)
    # The second run, started while the first message was being sent, sends only the second one.
    assert notifications.deliver_outgoing(Redelivering.ids) == 1
    assert sorted(Redelivering.sent) == sorted(
        ((f"bidder{i}@example.test",), f"SFQ-2026-000{i} 的投标已收到") for i in range(2)
    )
    assert not OutgoingMessage.objects.exists()
    # A later redelivery finds nothing to send.
    assert notifications.deliver_outgoing(Redelivering.ids) == 0
    assert len(Redelivering.sent) == 2


@pytest.mark.django_db
def test_a_message_no_adapter_took_stays_for_a_retry(settings, mailoutbox):
    ids = _queued()
    settings.NOTIFICATION_ADAPTERS = [ADAPTER + "Down"]
    assert notifications.deliver_outgoing(ids) == 0
    assert OutgoingMessage.objects.filter(pk__in=ids).count() == 1
    settings.NOTIFICATION_ADAPTERS = ["marketplace.core.notifications.EmailAdapter"]
    assert notifications.deliver_outgoing(ids) == 1
    assert [message.to for message in mailoutbox] == [["bidder0@example.test"]]
    assert not OutgoingMessage.objects.exists()


# --- two workers at once (PostgreSQL row locks) ------------------------------------------------------------


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except Exception as error:  # noqa: BLE001 - asserted below
            outcomes[index] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_a_message_once(settings):
    settings.NOTIFICATION_ADAPTERS = [ADAPTER + "Slow"]
    Slow.sent = []
    ids = _queued(3)
    outcomes = _at_once([lambda: notifications.deliver_outgoing(ids), lambda: notifications.deliver_outgoing(ids)])
    assert all(kind == "ok" for kind, _count in outcomes), outcomes
    assert sum(count for _kind, count in outcomes) == 3
    assert sorted(address for (address,), _subject in Slow.sent) == [f"bidder{i}@example.test" for i in range(3)]
    assert not OutgoingMessage.objects.exists()


@postgresql
@pytest.mark.django_db(transaction=True)
def test_a_failed_send_leaves_the_row_for_the_next_worker(settings):
    settings.NOTIFICATION_ADAPTERS = [ADAPTER + "Down"]
    ids = _queued()
    outcomes = _at_once([lambda: notifications.deliver_outgoing(ids), lambda: notifications.deliver_outgoing(ids)])
    assert outcomes == [("ok", 0), ("ok", 0)]
    assert OutgoingMessage.objects.filter(pk__in=ids).count() == 1
    settings.NOTIFICATION_ADAPTERS = [ADAPTER + "Slow"]
    Slow.sent = []
    assert notifications.deliver_outgoing(ids) == 1 and len(Slow.sent) == 1
