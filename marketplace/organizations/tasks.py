"""Background jobs of organizations: document expiry, ending blacklistings.

Task names stay ``marketplace.tasks.<name>`` (the beat schedule and queued
messages refer to them); ``marketplace.tasks`` imports every domain's tasks
so that the worker registers them."""

from celery import shared_task

from marketplace.organizations.services import documents, organizations


@shared_task(name="marketplace.tasks.check_document_expiry")
def check_document_expiry():
    """Daily (see CELERY_BEAT_SCHEDULE): warn 30 days before an organization
    document expires and mark expired ones."""
    result = documents.check_document_expiry()
    return {"warned": len(result["warned"]), "expired": len(result["expired"])}


@shared_task(name="marketplace.tasks.lift_ended_blacklists")
def lift_ended_blacklists():
    """Daily: lift blacklisting that has reached its end date."""
    return {"lifted": len(organizations.lift_ended_blacklists())}
