"""Stripe Connect (``PAYMENT_GATEWAY=stripe``): a release creates one
Transfer to the organization's connected account.

- The amount in minor units (fen: ``Decimal`` × 100, exact), the currency
  from ``PAYMENT_CURRENCY``, metadata naming the contract, milestone and
  payment, and the payment's idempotency key (unique in the database): a
  second call for the same payment (a retry, a redelivered task, a worker
  killed after the call and before the commit) gets Stripe's stored answer,
  the same transfer, never a second one.
- Timeouts, connection errors and 5xx answers are transient (the task tries
  again; the payment stays in ``processing``); a 4xx is permanent (the
  payment fails with Stripe's message).
- A created transfer settles the payment (the money is in the connected
  account); the webhook (``contracts.payments.webhooks``) confirms it, and
  settles it when the process died before its own commit.

Connected accounts (``onboard``/``account_status``): each organization's
administrator starts Stripe's hosted onboarding (an Express account with
the transfers capability, created once under a key derived from the
organization, and an account link); its status (details submitted, the
transfers capability) is read back on the return and on ``account.updated``.

Uses stripe-python's ``StripeClient`` and its ``v1`` namespace, with
``STRIPE_API_BASE`` as the API's address (a local server in the tests)."""

from decimal import Decimal

from django.conf import settings

from contracts.payments.gateways.base import Gateway, GatewayError, GatewayResult


def minor_units(amount):
    """CNY with 2 places → integer fen; refuses anything finer than a fen."""
    fen = Decimal(amount) * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def client():
    import stripe

    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=0,  # our task retries, with the same idempotency key
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _error(exc, refused=None):
    """Transient (timeouts, connections, 5xx, 429, and 409: an idempotent
    request still running or conflicting) or permanent (other 4xx, with
    ``refused`` as the message's frame)."""
    import stripe
    from django.utils.translation import gettext as _

    status = getattr(exc, "http_status", None)
    message = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
    transient = isinstance(exc, stripe.APIConnectionError) or status is None or status >= 500 or status in (409, 429)
    if transient:
        return GatewayError(_("Stripe is not reachable now: %(message)s") % {"message": message}, permanent=False)
    refused = refused or _("Stripe refused the transfer: %(message)s")
    return GatewayError(refused % {"message": message}, permanent=True)


class StripeGateway(Gateway):
    name = "stripe"

    def disburse(self, payment):
        import stripe
        from django.utils.translation import gettext as _

        from contracts.payments.models import PayeeAccount

        account = PayeeAccount.objects.filter(organization_id=payment.contract.organization_id).first()
        if account is None or not account.stripe_account_id:
            raise GatewayError(_("The organization has no Stripe connected account."), permanent=True)
        params = {
            "amount": minor_units(payment.amount),
            "currency": settings.PAYMENT_CURRENCY,
            "destination": account.stripe_account_id,
            "transfer_group": payment.contract.number,
            "metadata": {
                "payment": str(payment.pk),
                "contract": payment.contract.number,
                "milestone": str(payment.milestone.number),
            },
        }
        try:
            transfer = client().v1.transfers.create(params=params, options={"idempotency_key": payment.idempotency_key})
        except stripe.StripeError as exc:
            raise _error(exc) from exc
        if getattr(transfer, "reversed", False) or getattr(transfer, "amount_reversed", 0):
            # a replayed answer for a transfer reversed since: it paid nothing
            raise GatewayError(_("Stripe reversed transfer %(id)s.") % {"id": transfer.id}, permanent=True)
        return GatewayResult(reference=transfer.id, settled=True)

    def transfers(self):
        """Every transfer at Stripe (for ``reconcile_payments``), page by page."""
        import stripe

        try:
            page = client().v1.transfers.list(params={"limit": 100})
            yield from page.auto_paging_iter()
        except stripe.StripeError as exc:
            raise _error(exc) from exc


def _account_error(exc):
    from django.utils.translation import gettext as _

    return _error(exc, _("Stripe refused: %(message)s"))


def create_connected_account(organization):
    """An Express account with the transfers capability for ``organization``:
    its id.  The key derived from the organization makes two clicks at once
    (or a retry after a lost answer) get the one account."""
    import stripe

    params = {
        "type": "express",
        "capabilities": {"transfers": {"requested": True}},
        "business_profile": {"name": organization.name},
        "metadata": {"organization": str(organization.pk)},
    }
    if settings.STRIPE_CONNECT_COUNTRY:
        params["country"] = settings.STRIPE_CONNECT_COUNTRY
    try:
        account = client().v1.accounts.create(
            params=params, options={"idempotency_key": f"connect-organization-{organization.pk}"}
        )
    except stripe.StripeError as exc:
        raise _account_error(exc) from exc
    return account.id


def onboarding_link(account_id, *, refresh_url, return_url):
    """Stripe's hosted onboarding page for the account (a link that expires in minutes)."""
    import stripe

    params = {"account": account_id, "refresh_url": refresh_url, "return_url": return_url, "type": "account_onboarding"}
    try:
        return client().v1.account_links.create(params=params).url
    except stripe.StripeError as exc:
        raise _account_error(exc) from exc


def status_of(account):
    """(details submitted, the transfers capability's status) from an account object or dict."""
    data = account if isinstance(account, dict) else account.to_dict()
    capabilities = data.get("capabilities") or {}
    return bool(data.get("details_submitted")), str(capabilities.get("transfers") or "inactive")


def account_status(account_id):
    import stripe

    try:
        return status_of(client().v1.accounts.retrieve(account_id))
    except stripe.StripeError as exc:
        raise _account_error(exc) from exc
