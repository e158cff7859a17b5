"""The release of a payment, after the commit of the step that released it.

``release_payment(pk)`` calls the gateway through ``services.process``: the
payment row is locked, so two workers never call the gateway for it at
once, and a payment no longer in ``processing`` is left alone, so a task
delivered twice (``acks_late``: a worker killed mid-task gets its task
redelivered) does nothing the second time; the gateway finds an earlier
call by the payment's idempotency key.  A transient gateway fault is
retried with a growing delay; the payment stays in ``processing`` and the
page says so, and ``retry_stuck_payments`` (the scheduler) sends again any
payment left in ``processing`` without a gateway record."""

import datetime

from celery import shared_task
from django.utils import timezone

from contracts.payments.gateways import GatewayError

#: a payment in processing without a gateway record this long is sent to the gateway again
STUCK_AFTER = datetime.timedelta(minutes=10)
#: a resend not started within this time is dropped by the worker (the scheduler's period)
RESEND_EXPIRES = datetime.timedelta(minutes=5)


@shared_task(
    name="contracts.tasks.release_payment",
    bind=True,
    autoretry_for=(GatewayError,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def release_payment(self, payment_pk):
    from contracts.payments import services

    payment = services.process(payment_pk)
    return None if payment is None else payment.state


@shared_task(name="contracts.tasks.retry_stuck_payments")
def retry_stuck_payments(now=None):
    """Send again each payment in ``processing`` that has no gateway record
    since ``STUCK_AFTER`` (its task was lost): nothing waits for ever."""
    from contracts.payments.models import Payment

    now = now or timezone.now()
    stuck = Payment.objects.filter(
        state=Payment.State.PROCESSING, gateway_reference="", released_at__lt=now - STUCK_AFTER
    ).values_list("pk", flat=True)
    sent = 0
    for pk in stuck:
        # expires: during a long outage the queue holds at most one resend per payment and period,
        # not one more every period (each would only find the payment locked or done)
        release_payment.apply_async((pk,), expires=RESEND_EXPIRES.total_seconds())
        sent += 1
    return sent
