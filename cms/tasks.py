"""The public site's background jobs (Celery's autodiscovery imports
``cms.tasks``)."""

from celery import shared_task


@shared_task(name="cms.tasks.publish_announcements")
def publish_announcements():
    """Every minute (CELERY_BEAT_SCHEDULE): publish any announcement the data
    owes and that no receiver published (one failed after its commit, or an
    event that has no receiver).  Idempotent."""
    from cms.announcements import publish_due

    return publish_due()
