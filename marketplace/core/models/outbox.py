"""Messages waiting for the background worker.

The broker (Celery's queue; by default a SQLite file that keeps every message)
carries only the ids of these rows, never an address, subject or body: those
stay in the database, behind its access rules, and a row is deleted as soon as
its message has been handed to the adapters."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMessage(models.Model):
    """One message to one address (e-mail), written in the sender's transaction."""

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
