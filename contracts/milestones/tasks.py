"""The reminders of the traffic lights (issue 15, 8): one message when a
milestone's light turns yellow, one when it turns red; not every run.

``Milestone.light_notified`` records the last light announced as
``"<kind>:<colour>"`` (``lights.Light.stamp``: the kind's letter, so that the
evaluation's yellow after the report's is announced too).  A run claims each
announcement with a conditional update (``UPDATE … WHERE light_notified =
<what it read>``) inside the transaction that writes the messages: of two
runs at once, the second finds the row changed and sends nothing.  A light
back to green (a later due date) clears the record silently, so the next
yellow is announced again.

Scheduled every hour in ``CELERY_BEAT_SCHEDULE`` (``config/settings.py``);
the lights themselves are computed from the server clock wherever they are
shown, so no page depends on this job."""

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from contracts.contracts.models import Contract, Milestone
from contracts.milestones import delivery_messages as messages
from contracts.milestones import lights
from contracts.milestones.selectors.delivery import RUNNING
from contracts.milestones.services.reports import members, message_context, officers, organization_url
from marketplace.core import notifications

MESSAGE_FOR = {lights.YELLOW: messages.LIGHT_YELLOW, lights.RED: messages.LIGHT_RED}


def _announce(milestone, light, previous):
    """Claim and send one announcement; True when this run sent it."""
    with transaction.atomic():
        claimed = Milestone.objects.filter(pk=milestone.pk, light_notified=previous).update(light_notified=light.stamp)
        if not claimed:
            return False
        context = message_context(milestone, light=light)
        organization = milestone.contract.organization
        notifications.send(MESSAGE_FOR[light.colour], members(organization), context, link=organization_url(milestone))
        notifications.send(
            MESSAGE_FOR[light.colour],
            officers(),
            context,
            link=reverse("delivery:milestone", args=[milestone.pk]),
        )
    return True


def send_light_reminders(today=None):
    """Announce every milestone light that changed to yellow or red since
    the last announcement; returns ``{"yellow": n, "red": n}`` sent."""
    today = today or timezone.localdate()
    sent = {lights.YELLOW: 0, lights.RED: 0}
    milestones = Milestone.objects.filter(contract__state=Contract.State.ACTIVE, state__in=RUNNING).select_related(
        "contract__organization"
    )
    for milestone in milestones:
        light = lights.milestone_light(milestone, today)
        if light is None:
            continue
        previous = milestone.light_notified
        if light.colour == lights.GREEN:
            if previous:
                Milestone.objects.filter(pk=milestone.pk, light_notified=previous).update(light_notified="")
            continue
        if previous == light.stamp:
            continue
        if _announce(milestone, light, previous):
            sent[light.colour] += 1
    return sent


@shared_task(name="contracts.tasks.send_light_reminders")
def send_light_reminders_task():
    """Hourly (CELERY_BEAT_SCHEDULE): the lights' reminders."""
    return send_light_reminders()
