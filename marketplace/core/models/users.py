from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in.  Roles are groups (see ``marketplace.core.roles``);
    one user may hold several.  ``phone`` is personal data: never shown on a
    public page, PDF or feed."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    community = models.ForeignKey(
        "marketplace.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workers",
        verbose_name=_("community"),
        help_text=_("For community workers: the community they work for."),
    )
    # Self sign-up proves its e-mail address or mobile number before acting
    # for an organization; accounts made by administrators count as verified.
    verified_at = models.DateTimeField(_("contact verified"), null=True, blank=True)
    self_signed_up = models.BooleanField(_("signed up on the site"), default=False, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            # Capabilities that roles grant; the apps check these, not group names.
            ("act_for_organization", _("Can act for a social organization")),
            ("file_community_need", _("Can file needs for own community")),
            ("manage_procurement", _("Can manage catalogue, projects and awards")),
            ("evaluate", _("Can evaluate bids and milestones")),
            ("approve_payment", _("Can approve and release payments")),
            ("manage_platform", _("Can manage users and reference data")),
        ]

    def __str__(self):
        return self.full_name or self.get_username()

    def save(self, *args, **kwargs):
        if self._state.adding and not self.self_signed_up and self.verified_at is None:
            # Made by an administrator (admin, createsuperuser, seed): verified.
            from django.utils import timezone

            self.verified_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def display_name(self):
        if self.full_name or self.get_full_name():
            return self.full_name or self.get_full_name()
        return self.public_label

    @property
    def public_label(self):
        """How others see an account without a name: a self-signed-up
        account's user name is its e-mail address or mobile number, so it is
        shown masked (z***@example.cn, 138****8000)."""
        if not self.self_signed_up:
            return self.get_username()
        from marketplace.core.masking import mask_identifier

        return mask_identifier(self.get_username())
