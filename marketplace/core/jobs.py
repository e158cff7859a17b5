"""Queue background work only once the surrounding transaction commits, so a
worker never sees (or acts on) data that was rolled back."""

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs):
    transaction.on_commit(partial(task.delay, *args, **kwargs))
