"""The app's Celery tasks, found by the worker's ``autodiscover_tasks()``
(which imports each installed app's ``tasks`` module): each domain's tasks
are imported here, so the worker knows them whatever else it imports (the
light reminders were registered only because ``delivery_hooks`` happens to
import their module)."""

from contracts.milestones.tasks import send_light_reminders
from contracts.payments.tasks import release_payment, retry_stuck_payments

__all__ = ["release_payment", "retry_stuck_payments", "send_light_reminders"]
