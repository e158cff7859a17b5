"""The one way notifications leave the platform.

Services call ``notify`` inside their transaction; once it commits, a Celery
task hands the message to every configured adapter (settings
``NOTIFICATION_ADAPTERS``; e-mail by default, in-site messages later).  A
rolled-back transaction sends nothing, and a slow mail server never holds up
a request."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from marketplace.core.jobs import enqueue_on_commit

logger = logging.getLogger(__name__)


class EmailAdapter:
    def send(self, *, recipients, subject, body):
        """One message per recipient, so nobody sees who else was told."""
        messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]) for recipient in recipients]
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)


def adapters():
    paths = getattr(settings, "NOTIFICATION_ADAPTERS", ["marketplace.core.notifications.EmailAdapter"])
    return [import_string(path)() for path in paths]


def notify(*, to, subject, body):
    """Queue a message to addresses ``to`` (empty ones dropped) for after commit.

    The text is kept in the database (``OutgoingMessage``, one row per
    address); the task carries only the rows' ids, so the broker never holds
    an address, a subject or a body."""
    from marketplace.core.models.outbox import OutgoingMessage
    from marketplace.core.tasks import deliver_notification

    recipients = sorted({address for address in to if address})
    subject = " ".join(str(subject).split())  # a header: no line breaks, whatever a title held
    if recipients:
        ids = [
            OutgoingMessage.objects.create(address=address, subject=subject, body=str(body)).pk
            for address in recipients
        ]
        enqueue_on_commit(deliver_notification, message_ids=ids)


def notify_users(users, *, subject, body, link=""):
    """An in-site notice (站内消息) for each user, written in the caller's
    transaction, and the same message by e-mail after commit."""
    from marketplace.core.models.notices import Notice

    users = [user for user in users if user is not None]
    subject = " ".join(str(subject).split())[:200]
    Notice.objects.bulk_create([Notice(user=user, subject=subject, body=str(body), link=link) for user in users])
    url = absolute_url(link) if link else ""
    notify(to=[user.email for user in users], subject=subject, body=f"{body}\n\n{url}" if url else body)


def absolute_url(path):
    """A link for an e-mail: the platform's public address (WAGTAILADMIN_BASE_URL) and ``path``."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def deliver(*, recipients, subject, body):
    """Every adapter gets its chance; one failing does not stop the others."""
    delivered = 0
    for adapter in adapters():
        try:
            adapter.send(recipients=recipients, subject=subject, body=body)
            delivered += 1
        except Exception:  # noqa: BLE001 - log and go on to the next adapter
            logger.exception("Notification adapter %s failed", type(adapter).__name__)
    return delivered


class _NotDeliveredError(Exception):
    """No adapter took the message: its claim is rolled back, the row stays for a retry."""


def deliver_outgoing(message_ids):
    """Run by the worker: send the queued messages ``message_ids``, each at
    most once even when two workers run the same task (a redelivered task).

    Each row is claimed before it is sent: inside one transaction the row is
    locked (``select_for_update(skip_locked=True)``: a row another worker holds
    is skipped, not waited for) and deleted, then handed to the adapters, and
    the transaction commits.  A row that is gone has been sent already.  When
    no adapter takes the message the transaction rolls back, so the row stays
    for a retry (``purge_outgoing`` removes it after OUTGOING_MESSAGE_KEEP_DAYS).
    If the worker dies while sending, the row stays too: a message may then be
    sent again, but never twice by two workers at the same time."""
    from django.db import transaction

    from marketplace.core.models.outbox import OutgoingMessage

    sent = 0
    for pk in sorted({int(pk) for pk in message_ids}):
        try:
            with transaction.atomic():
                message = OutgoingMessage.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                # The claim: only the worker whose delete removed the row sends it.
                if message is None or not OutgoingMessage.objects.filter(pk=pk).delete()[0]:
                    continue
                if not deliver(recipients=[message.address], subject=message.subject, body=message.body):
                    raise _NotDeliveredError
                sent += 1
        except _NotDeliveredError:
            logger.warning("Outgoing message %s not delivered: kept for a retry", pk)
    return sent


def purge_outgoing(days=None):
    """Delete queued messages older than ``days`` (never delivered): they
    hold addresses and texts that should not stay in the database."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.core.models.outbox import OutgoingMessage

    days = getattr(settings, "OUTGOING_MESSAGE_KEEP_DAYS", 7) if days is None else days
    return OutgoingMessage.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()[0]
