"""Messages waiting for the background worker.

The broker (Celery's queue; by default a SQLite file that keeps every message)
carries only the ids of these rows, never an address, subject or body: those
stay in the database, behind its access rules, and a row is deleted as soon as
its message has been handed to the adapters."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMessage(models.Model):
    """One message to one address (an e-mail address or, for a text message,
    a mobile number), written in the sender's transaction."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("text message")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    address = models.CharField(_("address"), max_length=254)
    subject = models.TextField(_("subject"))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["pk"]

    def __str__(self):
        return f"#{self.pk}"


class HeldMessage(models.Model):
    """A routine e-mail held for a user's daily digest (``core/digests.py``):
    its text as rendered for them when it was sent.  The digest task claims a
    user's rows under lock, deletes them and queues one ``OutgoingMessage``
    in the same transaction, so each held message goes out once."""

    user = models.ForeignKey("marketplace.User", on_delete=models.CASCADE, related_name="+")
    subject = models.TextField(_("subject"))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("held since"), auto_now_add=True)

    class Meta:
        verbose_name = _("message held for the daily digest")
        verbose_name_plural = _("messages held for the daily digest")
        ordering = ["pk"]

    def __str__(self):
        return f"#{self.pk}"
