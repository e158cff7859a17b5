"""Background jobs of the shared kernel: the audit chain, notifications, the broker.

Task names stay ``marketplace.tasks.<name>`` (the beat schedule and queued
messages refer to them); ``marketplace.tasks`` imports every domain's tasks
so that the worker registers them."""

import logging
import os
import socket

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins

from marketplace.core.audit import verify_chain

logger = logging.getLogger(__name__)


@shared_task(name="marketplace.tasks.ping")
def ping(value):
    """A round trip check: the worker answers with the value doubled and who it is."""
    return {"echo": value, "doubled": value * 2, "pid": os.getpid(), "host": socket.gethostname()}


@shared_task(name="marketplace.tasks.verify_audit_chain")
def verify_audit_chain():
    """Nightly (see CELERY_BEAT_SCHEDULE): verify the audit log, alert on a break."""
    report = verify_chain()
    if report.ok:
        logger.info("Audit chain intact: %s events checked", report.checked)
    else:
        logger.error("Audit chain broken at event %s: %s", report.broken_event_id, report.problem)
        if settings.ADMINS:
            mail_admins(
                "Audit chain broken",
                f"Event {report.broken_event_id}: {report.problem} ({report.checked} events intact before it).",
            )
    return {"ok": report.ok, "checked": report.checked, "broken_event_id": report.broken_event_id}


@shared_task(name="marketplace.tasks.publish_audit_head")
def publish_audit_head():
    """Daily (see CELERY_BEAT_SCHEDULE): sign the audit chain's head and write
    it to AUDIT_HEAD_DIR for publication outside the database.  A broken chain
    is not anchored: the admins are told instead."""
    from marketplace.core.audit import AuditChainBrokenError, publish_head

    try:
        publication, path, created = publish_head()
    except AuditChainBrokenError as exc:
        logger.error("Audit head not published: %s", exc)
        if settings.ADMINS:
            mail_admins("Audit chain broken: head not published", str(exc))
        return {"ok": False, "broken_event_id": exc.report.broken_event_id}
    logger.info("Audit head of %s published: %s events, %s", publication.day, publication.event_count, path)
    return {"ok": True, "day": publication.day.isoformat(), "events": publication.event_count, "created": created}


# The arguments are ids of OutgoingMessage rows only: no address, subject or
# body ever enters the broker (whose default SQLite file keeps every message).
@shared_task(name="marketplace.tasks.deliver_notification", ignore_result=True)
def deliver_notification(message_ids=(), **legacy):
    from marketplace.core.notifications import deliver, deliver_outgoing

    if legacy:
        # A message queued by an older release (recipients, subject, body): still delivered.
        return deliver(**legacy)
    return deliver_outgoing(message_ids)


@shared_task(name="marketplace.tasks.purge_consumed_messages", ignore_result=True)
def purge_consumed_messages():
    """Every 10 minutes (see CELERY_BEAT_SCHEDULE): delete the messages the
    embedded SQL broker has delivered (it keeps them, marked invisible) and
    queued notifications that were never delivered within OUTGOING_MESSAGE_KEEP_DAYS."""
    from marketplace.core.broker import purge_consumed
    from marketplace.core.notifications import purge_outgoing

    return {"broker": purge_consumed(), "outgoing": purge_outgoing()}


@shared_task(name="marketplace.tasks.send_daily_digests", ignore_result=True)
def send_daily_digests():
    """Daily (see CELERY_BEAT_SCHEDULE): one e-mail per user who chose the
    digest, with the routine messages held for them (``core/digests.py``)."""
    from marketplace.core.digests import send_digests

    return send_digests()
