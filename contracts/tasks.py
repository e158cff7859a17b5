"""The app's Celery tasks, found by the worker's ``autodiscover_tasks()``
(which imports each installed app's ``tasks`` module): each domain's
tasks are imported here, or the worker would not know them."""

from contracts.milestones.tasks import send_light_reminders
from contracts.payments.tasks import release_payment, retry_stuck_payments

__all__ = ["release_payment", "retry_stuck_payments", "send_light_reminders"]
