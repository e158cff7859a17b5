"""Background jobs of the catalogue: checking and importing an uploaded file.

Task names stay ``marketplace.tasks.<name>`` (the beat schedule and queued
messages refer to them); ``marketplace.tasks`` imports every domain's tasks
so that the worker registers them."""

from celery import shared_task

from marketplace.catalogue import importing


@shared_task(name="marketplace.tasks.run_catalogue_import")
def run_catalogue_import(job_id):
    """Check (and, if every row is valid, import) an uploaded catalogue file."""
    job = importing.run_import(job_id)
    return {"job": job.pk}
