"""The public site's background jobs (Celery's autodiscovery imports
``cms.tasks``)."""

from celery import shared_task


@shared_task(name="cms.tasks.publish_announcements")
def publish_announcements():
    """Every minute (CELERY_BEAT_SCHEDULE): publish any announcement that the
    projects changed in the last hours owe and no receiver published (one
    failed after its commit, or an event without a receiver).  Idempotent."""
    from cms.announcements import publish_recent

    return publish_recent()


@shared_task(name="cms.tasks.publish_all_announcements")
def publish_all_announcements():
    """Nightly: the same over every project (whatever the minute runs missed)."""
    from cms.announcements import publish_due

    return publish_due()
