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

from marketplace.services.jobs import enqueue_on_commit

logger = logging.getLogger(__name__)


class EmailAdapter:
    def send(self, *, recipients, subject, body):
        """One message per recipient, so nobody sees who else was told."""
        messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]) for recipient in recipients]
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)


def adapters():
    paths = getattr(settings, "NOTIFICATION_ADAPTERS", ["marketplace.services.notifications.EmailAdapter"])
    return [import_string(path)() for path in paths]


def notify(*, to, subject, body):
    """Queue a message to addresses ``to`` (empty ones dropped) for after commit."""
    from marketplace.tasks import deliver_notification

    recipients = sorted({address for address in to if address})
    subject = " ".join(str(subject).split())  # a header: no line breaks, whatever a title held
    if recipients:
        enqueue_on_commit(deliver_notification, recipients=recipients, subject=subject, body=str(body))


def notify_users(users, *, subject, body, link=""):
    """An in-site notice (站内消息) for each user, written in the caller's
    transaction, and the same message by e-mail after commit."""
    from marketplace.models import Notice

    users = [user for user in users if user is not None]
    subject = " ".join(str(subject).split())[:200]
    Notice.objects.bulk_create([Notice(user=user, subject=subject, body=str(body), link=link) for user in users])
    url = absolute_url(link) if link else ""
    notify(to=[user.email for user in users], subject=subject, body=f"{body}\n\n{url}" if url else body)


def absolute_url(path):
    """A link for an e-mail: the platform's public address (WAGTAILADMIN_BASE_URL) and ``path``."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def deliver(*, recipients, subject, body):
    """Run by the worker: every adapter gets its chance; one failing does not stop the others."""
    delivered = 0
    for adapter in adapters():
        try:
            adapter.send(recipients=recipients, subject=subject, body=body)
            delivered += 1
        except Exception:  # noqa: BLE001 - log and go on to the next adapter
            logger.exception("Notification adapter %s failed", type(adapter).__name__)
    return delivered
