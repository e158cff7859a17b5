"""In-site notices (站内消息): the platform's own inbox for each user."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """An in-site notification (站内消息) for one user."""

    user = models.ForeignKey("marketplace.User", on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.subject
