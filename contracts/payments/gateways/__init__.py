"""The payment gateways behind one interface (``base.Gateway``), chosen by
``settings.PAYMENT_GATEWAY``: ``ledger`` (the default: an offline treasury
instruction and its voucher; the finance officer records the bank's
reference) or ``stripe`` (Stripe Connect transfers, when configured)."""

from django.conf import settings

from contracts.payments.gateways.base import Gateway, GatewayError, GatewayResult
from contracts.payments.gateways.ledger import LedgerGateway
from contracts.payments.gateways.stripe import StripeGateway

GATEWAYS = {LedgerGateway.name: LedgerGateway, StripeGateway.name: StripeGateway}


def configured_name():
    return getattr(settings, "PAYMENT_GATEWAY", LedgerGateway.name) or LedgerGateway.name


def get(name=None):
    name = name or configured_name()
    from django.utils.translation import gettext as _

    try:
        return GATEWAYS[name]()
    except KeyError:
        raise GatewayError(_("Unknown payment gateway “%(name)s”.") % {"name": name}, permanent=True) from None


__all__ = ["Gateway", "GatewayError", "GatewayResult", "configured_name", "get"]
