"""Issue 12, finding 7: notification tasks put the whole mail (address,
subject such as "SFQ-2026-0001 的投标已收到", body, links with tokens) into
the Celery broker, and the embedded SQLite broker keeps every message
forever (kombu's SQL transport only marks a delivered row invisible).

From the attacker's side: read the broker file.  It must hold no address,
subject, body or link, and no delivered message at all after the cleanup."""

import base64
import json
import sqlite3

import pytest
from django.conf import settings
from django.utils import translation

from config.celery import app as celery_app
from marketplace import tasks
from marketplace.core import accounts, notifications
from marketplace.models import OutgoingMessage
from marketplace.procurement import messages

# The bid receipt, as a bidder reads it: "SFQ-2026-0001 的投标已收到（第 1 版）", digest and all.
SECRET = {"ref": "SFQ-2026-0001", "title": "居家养老", "number": 1, "time": "2026-03-01 09:30:00", "digest": "9f2c…"}


def secret_subject():
    with translation.override("zh-hans"):
        return translation.gettext("Bid on %(ref)s received (version %(number)s)") % SECRET


def tell_bidder(user):
    with translation.override("zh-hans"):
        notifications.send(messages.BID_RECEIVED, [user], SECRET, link="/org/1/bids/x/")


def _readable(payload):
    """Everything in a stored kombu message, with the base64 body decoded."""
    message = json.loads(payload)
    body = message.get("body", "")
    try:
        body = base64.b64decode(body).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        pass
    return json.dumps(message, ensure_ascii=False) + body


@pytest.fixture
def recorded_tasks(monkeypatch):
    """What ``deliver_notification`` is queued with."""
    calls = []
    monkeypatch.setattr(tasks.deliver_notification, "delay", lambda *a, **kw: calls.append((a, kw)))
    return calls


@pytest.mark.django_db
def test_task_arguments_are_ids_only(recorded_tasks, make_user, mailoutbox, django_capture_on_commit_callbacks):
    bidder = make_user("organization_member", username="bidder", email="bidder@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        tell_bidder(bidder)
    assert len(recorded_tasks) == 1
    args, kwargs = recorded_tasks[0]
    flat = json.dumps([args, kwargs], ensure_ascii=False)
    for secret in ("SFQ-2026-0001", "bidder@example.cn", "投标", "/org/1/bids/"):
        assert secret not in flat
    assert all(isinstance(value, int) for value in kwargs["message_ids"]) and not args
    # The worker renders the mail from the database at send time, then forgets it.
    assert mailoutbox == []
    tasks.deliver_notification(**kwargs)
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [(["bidder@example.cn"], secret_subject())]
    assert not OutgoingMessage.objects.exists()
    tasks.deliver_notification(**kwargs)  # redelivered: nothing sent twice
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_signup_link_never_enters_the_broker(recorded_tasks, site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accounts.sign_up(identifier="new.person@example.cn", password="Tianxin-Lu-2026!", ip="10.9.9.9")
    flat = json.dumps(recorded_tasks)
    assert recorded_tasks and "example.cn" not in flat and "verify" not in flat


@pytest.fixture
def sqlite_broker(tmp_path, monkeypatch):
    """A real embedded broker file (the default ``sqla+sqlite://``) for the task."""
    path = tmp_path / "celery-broker.sqlite3"
    url = f"sqla+sqlite:///{path}"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write(url) as connection:
            monkeypatch.setattr(
                tasks.deliver_notification,
                "delay",
                lambda *a, **kw: tasks.deliver_notification.apply_async(a, kw, connection=connection),
            )
            yield url, path
    finally:
        celery_app.conf.task_always_eager = eager


def _rows(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT payload, visible FROM kombu_message").fetchall()


@pytest.mark.django_db
def test_the_broker_file_holds_no_message_text(
    sqlite_broker, make_user, site, mailoutbox, django_capture_on_commit_callbacks
):
    url, path = sqlite_broker
    bidder = make_user("organization_member", username="bidder", email="bidder@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        tell_bidder(bidder)
        accounts.sign_up(identifier="new.person@example.cn", password="Tianxin-Lu-2026!", ip="10.9.9.9")
    rows = _rows(path)
    assert len(rows) == 2
    stored = "".join(_readable(payload) for payload, _visible in rows)
    assert "deliver_notification" in stored  # really the task messages, decoded
    for secret in ("SFQ-2026-0001", "投标", "bidder@example.cn", "new.person@example.cn", "/accounts/verify/"):
        assert secret not in stored


@pytest.mark.django_db
def test_delivered_messages_are_purged_from_the_broker(sqlite_broker, make_user, django_capture_on_commit_callbacks):
    from kombu import Connection

    from marketplace.core.broker import purge_consumed

    url, path = sqlite_broker
    user = make_user(username="someone")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(messages.BID_WITHDRAWN, [user], {"ref": "一"})
        notifications.send(messages.BID_WITHDRAWN, [user], {"ref": "二"})
    # A worker takes one message and acknowledges it: kombu keeps the row, invisible.
    with Connection(url) as connection:
        channel = connection.default_channel
        message = channel.basic_get("celery", no_ack=False)
        assert message is not None
        message.ack()
    assert sorted(visible for _payload, visible in _rows(path)) == [0, 1]
    assert purge_consumed(url) == 1
    # The delivered one is gone; the one still waiting stays.
    assert [visible for _payload, visible in _rows(path)] == [1]


def test_the_cleanup_runs_on_a_schedule():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "marketplace.tasks.purge_consumed_messages" in entries
    assert "marketplace.tasks.purge_consumed_messages" in celery_app.tasks


def test_the_cleanup_leaves_other_brokers_alone():
    from marketplace.core.broker import purge_consumed

    assert purge_consumed("redis://127.0.0.1:6399/0") == 0
