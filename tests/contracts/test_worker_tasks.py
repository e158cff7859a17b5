"""Every task the scheduler sends is one the worker knows: the worker finds
tasks in each installed app's ``tasks`` module, so a domain's tasks are
imported there (contracts/tasks.py); without it the payments' release and
stuck-payment tasks would be unknown to the worker."""

from django.conf import settings


def test_every_scheduled_task_is_registered_in_the_worker():
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery included
    missing = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks]
    assert not missing, f"scheduled but unknown to the worker: {missing}"
    assert "contracts.tasks.release_payment" in app.tasks
