"""The gateways' notifications: /payments/stripe/webhook/.

Stripe signs each event (``Stripe-Signature``) with the endpoint's secret;
``stripe.Webhook.construct_event`` verifies it (and its age) offline.  An
unsigned, badly signed or stale request gets 400 and changes nothing; a
verified transfer event is applied once (``services.handle_gateway_event``)
and answered 200, a duplicate too (Stripe stops sending it); an
``account.updated`` refreshes that connected account's status.  No session, no
CSRF token: the signature is the authentication."""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from contracts.payments import services
from contracts.payments.gateways import GatewayError

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    import stripe

    # several secrets, comma-separated: the platform's endpoint (transfers) and the Connect
    # endpoint (connected accounts' account.updated) each sign with their own
    secrets = [secret.strip() for secret in settings.STRIPE_WEBHOOK_SECRET.split(",") if secret.strip()]
    signature = request.META.get("HTTP_STRIPE_SIGNATURE", "")
    if not secrets or not signature:
        return HttpResponseBadRequest("unsigned")
    event = None
    for secret in secrets:
        try:
            event = stripe.Webhook.construct_event(request.body, signature, secret)
            break
        except stripe.SignatureVerificationError:
            continue
        except ValueError:
            return HttpResponseBadRequest("bad payload")
    if event is None:
        return HttpResponseBadRequest("bad signature")
    data = event.data.object.to_dict()
    if event.type == "account.updated":
        try:
            outcome = services.stripe_account_updated(data.get("id", ""))
        except GatewayError as error:  # Stripe unreachable: answer 503, Stripe sends the event again
            return HttpResponse(error.message, status=503)
        log.info("stripe event %s %s: %s", event.id, event.type, outcome)
        return HttpResponse(outcome)
    if not event.type.startswith("transfer."):
        return HttpResponse("ignored")
    metadata = data.get("metadata") or {}
    outcome = services.handle_gateway_event(
        gateway="stripe",
        event_id=event.id,
        kind=event.type,
        reference=data.get("id", ""),
        payment_pk=metadata.get("payment"),
        amount_minor=data.get("amount"),
    )
    log.info("stripe event %s %s: %s", event.id, event.type, outcome)
    return HttpResponse(outcome)
