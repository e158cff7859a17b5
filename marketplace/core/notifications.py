"""The one way notifications leave the platform: message types, one
dispatcher, an adapter per channel.

**Message types.**  Each domain declares what it tells people next to its
services, in ``marketplace/<domain>/messages.py``::

    BID_RECEIVED = notifications.declare("procurement.bid_received")

A type has a key (``"<domain>.<name>"``), a subject and a body template
(``templates/marketplace/<domain>/messages/<name>_subject.txt`` and
``<name>_body.txt``: plain text, ``{% autoescape off %}``, the wording in
``{% blocktranslate %}``) and the channels it goes by: in-site notices
(``IN_SITE``), e-mail (``EMAIL``), text messages (``SMS``).  Keys are
registered; an unknown key is an error (``UnknownMessageTypeError``).

**The dispatcher.**  A service calls, inside its transaction::

    notifications.send(BID_RECEIVED, members, {"ref": ..., ...}, link=bid_url(bid))

``send`` renders the subject and the body once per language among the
recipients, under ``translation.override``: a user reads the message in the
language they chose (``core/languages.py``: Wagtail's
``UserProfile.preferred_language``, recorded by the language switcher and at
sign-up; one who never chose gets the language active when the message is
queued); a recipient without an account (an e-mail address or an
``Address``) gets the ``language=`` the caller passes, the language they used
on the form.  Context values are rendered in that language too, so pass
objects or lazy strings (``gettext_lazy``, a choice's ``label``), never text
translated beforehand.

**The adapters.**

* in-site: a ``Notice`` per user, written in the caller's transaction (the
  subject folded onto one line and cut at 200 characters);
* e-mail: an ``OutgoingMessage`` per address, the link appended as a full
  address;
* SMS: an ``OutgoingMessage`` (channel ``sms``) per mobile number, for types
  that declare it and users (or ``Address`` objects) with a number; the text
  is the body.

Queued messages leave after commit: one Celery task per ``send`` carrying the
rows' ids only (the broker never holds an address or a text), and
``deliver_outgoing`` claims each row under lock so it is sent at most once
(e-mail through ``NOTIFICATION_ADAPTERS``, text messages through
``core/sms.py``).  A rolled-back transaction sends nothing, and a slow mail
server never holds up a request."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

from marketplace.core import digests, languages, sms
from marketplace.core.jobs import enqueue_on_commit

logger = logging.getLogger(__name__)

IN_SITE = "in_site"
EMAIL = "email"  # = OutgoingMessage.Channel.EMAIL
SMS = "sms"  # = OutgoingMessage.Channel.SMS
CHANNELS = (IN_SITE, EMAIL, SMS)

SUBJECT_MAX_LENGTH = 200  # Notice.subject


# --- message types ------------------------------------------------------------------------------


class UnknownMessageTypeError(LookupError):
    """No message type is declared under this key."""


@dataclass(frozen=True)
class MessageType:
    """What is told (subject and body templates) and by which channels."""

    key: str
    subject_template: str  # "" for a type sent by text message only: a text has no subject
    body_template: str
    channels: frozenset
    # Routine: nothing to do at once (the officer's to-do page lists what waits).  A user who
    # chose the daily digest (``core/digests.py``) gets its e-mail in the next digest.
    routine: bool = False

    def __str__(self):
        return self.key


_registry = {}


def declare(key, *, channels=(IN_SITE, EMAIL), templates=None, routine=False):
    """Declare (and register) the message type ``key`` (``"<domain>.<name>"``).
    Its templates are ``<templates>_subject.txt`` and ``<templates>_body.txt``,
    by default under ``marketplace/<domain>/messages/<name>``.  ``routine``: the
    message asks for nothing at once, so its e-mail may wait for the daily
    digest of the users who chose one (the in-site notice never waits)."""
    domain, _dot, name = key.partition(".")
    if not domain or not name or "." in name:
        raise ImproperlyConfigured(f"A message type's key is '<domain>.<name>', not {key!r}.")
    channels = frozenset(channels)
    if not channels or not channels <= set(CHANNELS):
        raise ImproperlyConfigured(f"Message type {key!r}: channels must be among {CHANNELS}, not {sorted(channels)}.")
    templates = templates or f"marketplace/{domain}/messages/{name}"
    message_type = MessageType(
        key=key,
        subject_template="" if channels == {SMS} else f"{templates}_subject.txt",
        body_template=f"{templates}_body.txt",
        channels=channels,
        routine=bool(routine),
    )
    declared = _registry.setdefault(key, message_type)
    if declared != message_type:
        raise ImproperlyConfigured(f"Message type {key!r} is declared twice, differently.")
    return declared


def get_message_type(key):
    """The message type declared as ``key``; ``UnknownMessageTypeError`` if none is."""
    try:
        return _registry[key]
    except KeyError:
        raise UnknownMessageTypeError(f"No message type is declared as {key!r}.") from None


def message_types():
    """Every declared message type, by key."""
    return dict(sorted(_registry.items()))


def _declared(message_type):
    if isinstance(message_type, MessageType):
        if _registry.get(message_type.key) != message_type:
            raise UnknownMessageTypeError(f"Message type {message_type.key!r} was not declared (use declare()).")
        return message_type
    return get_message_type(message_type)


def render(message_type, context, language):
    """``(subject, body)`` of ``message_type`` in ``language``: the subject on
    one line (a header and a notice's title: whatever a title held) and cut
    at 200 characters, the body without surrounding blank lines."""
    message_type = _declared(message_type)
    with translation.override(language):
        subject = render_to_string(message_type.subject_template, context) if message_type.subject_template else ""
        body = render_to_string(message_type.body_template, context)
    return " ".join(subject.split())[:SUBJECT_MAX_LENGTH], body.strip()


# --- the dispatcher ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """A recipient without an account: an e-mail address, a mobile number, or both."""

    email: str = ""
    phone: str = ""


def send(message_type, to, context=None, *, link="", language=None):
    """Tell ``to`` (users; and, for people without an account, e-mail
    addresses or ``Address`` objects) the message ``message_type`` (a declared
    ``MessageType`` or its key), rendered from ``context`` in each
    recipient's language.  ``link`` (a path on the platform) goes with the
    notice and, as a full address, under the e-mail.  ``language`` is the
    language for the recipients without an account, and must be given when
    there are any."""
    from marketplace.core.models.notices import Notice

    message_type = _declared(message_type)
    context = dict(context or {})
    users, addresses = _recipients(to)
    if addresses and languages.supported(language) is None:
        raise TypeError(
            f"Message {message_type.key!r} to an address needs language= (the language they used), not {language!r}."
        )
    texts = {}  # language -> (subject, body): rendered once per language

    def text_in(code):
        if code not in texts:
            texts[code] = render(message_type, context, code)
        return texts[code]

    url = absolute_url(link) if link else ""
    notices, outgoing, held = [], {}, []
    chosen = languages.languages_of(users)
    # Routine e-mail to those who chose the daily digest waits for it (core/digests.py).
    digest = digests.wants_digest(users) if message_type.routine and EMAIL in message_type.channels else set()
    for user in users:
        subject, body = text_in(chosen[user.pk])
        if IN_SITE in message_type.channels:
            # The in-site adapter: a notice (站内消息), in the caller's transaction.
            notices.append(Notice(user=user, subject=subject, body=body, link=link))
        if user.pk in digest and user.email:
            held.append(digests.held(user, subject, body, url))
            _outgoing(outgoing, message_type, "", getattr(user, "phone", ""), subject, body, url)
            continue
        _outgoing(outgoing, message_type, user.email, getattr(user, "phone", ""), subject, body, url)
    for address in addresses:
        subject, body = text_in(languages.supported(language))
        _outgoing(outgoing, message_type, address.email, address.phone, subject, body, url)
    Notice.objects.bulk_create(notices)
    digests.hold(held)
    _queue(outgoing)


def _recipients(to):
    """Users (each once) and addresses (each once) among ``to``; blanks dropped."""
    users, addresses = {}, []
    for recipient in to:
        if recipient is None or recipient == "":
            continue
        if isinstance(recipient, str):
            recipient = Address(email=recipient)
        if isinstance(recipient, Address):
            if (recipient.email or recipient.phone) and recipient not in addresses:
                addresses.append(recipient)
        else:
            users.setdefault(recipient.pk, recipient)
    return list(users.values()), addresses


def _outgoing(outgoing, message_type, email, phone, subject, body, url):
    """The e-mail and SMS adapters: what to queue for after commit, one
    message per address (the first text for an address wins)."""
    if EMAIL in message_type.channels and email:
        outgoing.setdefault((EMAIL, email), (subject, f"{body}\n\n{url}" if url else body))
    if SMS in message_type.channels and phone:
        outgoing.setdefault((SMS, phone), ("", f"{body} {url}" if url else body))


def _queue(outgoing):
    """Keep the messages in the database (``OutgoingMessage``) and queue one
    task with their ids for after commit: the broker never holds an address,
    a subject or a body."""
    from marketplace.core.models.outbox import OutgoingMessage
    from marketplace.core.tasks import deliver_notification

    ids = [
        OutgoingMessage.objects.create(channel=channel, address=address, subject=subject, body=body).pk
        for (channel, address), (subject, body) in sorted(outgoing.items())
    ]
    if ids:
        enqueue_on_commit(deliver_notification, message_ids=ids)


def absolute_url(path):
    """A link for an e-mail: the platform's public address (WAGTAILADMIN_BASE_URL) and ``path``."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# --- delivery (the worker) -----------------------------------------------------------------------


class EmailAdapter:
    def send(self, *, recipients, subject, body):
        """One message per recipient, so nobody sees who else was told."""
        messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]) for recipient in recipients]
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)


class SmsAdapter:
    def send(self, *, recipients, subject, body):
        """A text message has no subject: the body goes to each number (``core/sms.py``)."""
        for number in recipients:
            sms.send_sms(number, body)


def adapters(channel=EMAIL):
    if channel == SMS:
        return [SmsAdapter()]
    paths = getattr(settings, "NOTIFICATION_ADAPTERS", ["marketplace.core.notifications.EmailAdapter"])
    return [import_string(path)() for path in paths]


def deliver(*, recipients, subject, body, channel=EMAIL):
    """Every adapter of ``channel`` gets its chance; one failing does not stop the others."""
    delivered = 0
    for adapter in adapters(channel):
        try:
            adapter.send(recipients=recipients, subject=subject, body=body)
            delivered += 1
        except Exception:  # noqa: BLE001 - log and go on to the next adapter
            logger.exception("Notification adapter %s failed", type(adapter).__name__)
    return delivered


class _NotDeliveredError(Exception):
    """No adapter took the message: its claim is rolled back, the row stays for a retry."""


def deliver_outgoing(message_ids):
    """Run by the worker: send the queued messages ``message_ids``, each at
    most once even when two workers run the same task (a redelivered task).

    Each row is claimed before it is sent: inside one transaction the row is
    locked (``select_for_update(skip_locked=True)``: a row another worker holds
    is skipped, not waited for) and deleted, then handed to the adapters, and
    the transaction commits.  A row that is gone has been sent already.  When
    no adapter takes the message the transaction rolls back, so the row stays
    for a retry (``purge_outgoing`` removes it after OUTGOING_MESSAGE_KEEP_DAYS).
    If the worker dies while sending, the row stays too: a message may then be
    sent again, but never twice by two workers at the same time."""
    from django.db import transaction

    from marketplace.core.models.outbox import OutgoingMessage

    sent = 0
    for pk in sorted({int(pk) for pk in message_ids}):
        try:
            with transaction.atomic():
                message = OutgoingMessage.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                # The claim: only the worker whose delete removed the row sends it.
                if message is None or not OutgoingMessage.objects.filter(pk=pk).delete()[0]:
                    continue
                if not deliver(
                    recipients=[message.address], subject=message.subject, body=message.body, channel=message.channel
                ):
                    raise _NotDeliveredError
                sent += 1
        except _NotDeliveredError:
            logger.warning("Outgoing message %s not delivered: kept for a retry", pk)
    return sent


def purge_outgoing(days=None):
    """Delete queued messages older than ``days`` (never delivered): they
    hold addresses and texts that should not stay in the database."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.core.models.outbox import OutgoingMessage

    days = getattr(settings, "OUTGOING_MESSAGE_KEEP_DAYS", 7) if days is None else days
    return OutgoingMessage.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()[0]
