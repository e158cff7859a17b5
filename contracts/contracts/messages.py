"""What the contract domain tells people (templates in
templates/contracts/contracts/messages/), in-site and by e-mail, in each
recipient's language."""

from marketplace.core.notifications import declare


def _declare(name, **kwargs):
    return declare(f"contracts.{name}", templates=f"contracts/contracts/messages/{name}", **kwargs)


SENT_FOR_SIGNATURE = _declare("sent_for_signature")
SIGNED = _declare("signed")
CHANGES_REQUESTED = _declare("changes_requested")
ACTIVATED = _declare("activated")
TERMINATED = _declare("terminated")
AMENDMENT_PROPOSED = _declare("amendment_proposed")
AMENDMENT_CONFIRMED = _declare("amendment_confirmed")
AMENDMENT_IN_FORCE = _declare("amendment_in_force")
