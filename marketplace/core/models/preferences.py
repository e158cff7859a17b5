"""What a user chose about the messages the platform sends them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationPreference(models.Model):
    """How a user gets routine messages by e-mail: at once, or once a day in
    one digest (``core/digests.py``).  No row: the default for their role
    (``digests.DEFAULT_FOR_OFFICERS``)."""

    user = models.OneToOneField("marketplace.User", on_delete=models.CASCADE, related_name="notification_preference")
    digest = models.BooleanField(_("e-mail me routine messages once a day"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)
