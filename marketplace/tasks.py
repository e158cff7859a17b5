import logging
import os
import socket

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins

from marketplace.services.audit import verify_chain

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


@shared_task(name="marketplace.tasks.run_catalogue_import")
def run_catalogue_import(job_id):
    """Check (and, if every row is valid, import) an uploaded catalogue file."""
    from marketplace.services.catalogue_io import run_import

    job = run_import(job_id)
    return {"job": job.pk}


# ignore_result: the message (addresses, subjects, receipt digests) is not kept in the results table.
@shared_task(name="marketplace.tasks.deliver_notification", ignore_result=True)
def deliver_notification(*, recipients, subject, body):
    from marketplace.services.notifications import deliver

    return deliver(recipients=recipients, subject=subject, body=body)


@shared_task(name="marketplace.tasks.check_document_expiry")
def check_document_expiry():
    """Daily (see CELERY_BEAT_SCHEDULE): warn 30 days before an organization
    document expires and mark expired ones."""
    from marketplace.services import documents

    result = documents.check_document_expiry()
    return {"warned": len(result["warned"]), "expired": len(result["expired"])}


@shared_task(name="marketplace.tasks.lift_ended_blacklists")
def lift_ended_blacklists():
    """Daily: lift blacklisting that has reached its end date."""
    from marketplace.services import organizations

    return {"lifted": len(organizations.lift_ended_blacklists())}


@shared_task(name="marketplace.tasks.open_due_projects")
def open_due_projects():
    """Every minute (see CELERY_BEAT_SCHEDULE): open the bids of projects past their deadline."""
    from marketplace.services.opening import open_due_projects as open_due

    return {"opened": open_due()}
