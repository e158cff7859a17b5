"""What the payments domain tells people (templates in
templates/contracts/payments/messages/), in each recipient's language."""

from marketplace.core.notifications import declare


def _declare(name, **kwargs):
    return declare(f"payments.{name}", templates=f"contracts/payments/messages/{name}", **kwargs)


REQUESTED = _declare("requested")
FAILED = _declare("failed")
PAID = _declare("paid")
RETURNED = _declare("returned")
