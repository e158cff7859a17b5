"""Background jobs of procurement: opening bids when a deadline passes.

Task names stay ``marketplace.tasks.<name>`` (the beat schedule and queued
messages refer to them); ``marketplace.tasks`` imports every domain's tasks
so that the worker registers them."""

from celery import shared_task


@shared_task(name="marketplace.tasks.open_due_projects")
def open_due_projects():
    """Every minute (see CELERY_BEAT_SCHEDULE): open the bids of projects past their deadline."""
    from marketplace.procurement.services.opening import open_due_projects as open_due

    return {"opened": open_due()}


@shared_task(name="marketplace.tasks.tell_opening")
def tell_opening(project_id, unconfirmed_ids=()):
    """After an opening's commit: tell the bidders and the officer (ids only on the broker)."""
    from marketplace.procurement.services.opening import tell_opening as tell

    tell(project_id, unconfirmed_ids)
