"""Text messages (短信) to mainland mobile numbers.

``send_sms(number, text)`` hands the message to the backend named by
``settings.SMS_BACKEND``.  The console backend, the default, writes the
message to the ``marketplace.sms`` log (the number masked) and, like Django's
locmem e-mail backend, keeps it in the module-level ``outbox`` list, so
development and tests can read the codes.  A real gateway is a class with the
same ``send(number, text)`` method.

Callers send after their transaction commits (``transaction.on_commit``), so
a rolled-back sign-up sends nothing.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from marketplace.core.masking import mask_number

logger = logging.getLogger("marketplace.sms")

# Messages the console backend "sent": dicts with ``to`` and ``text``.
outbox = []


class BaseSMSBackend:
    def send(self, number, text):  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    """Development and tests: log the message and keep it in ``outbox``."""

    def send(self, number, text):
        outbox.append({"to": number, "text": text})
        logger.info("SMS to %s: %s", mask_number(number), text)
        return 1


def get_backend(path=None):
    return import_string(path or settings.SMS_BACKEND)()


def send_sms(number, text):
    """Send ``text`` to ``number`` (11 digits) through the configured backend."""
    return get_backend().send(number, str(text))
