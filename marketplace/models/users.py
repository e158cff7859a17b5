from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in.  Roles are groups (see ``marketplace.roles``);
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

    @property
    def display_name(self):
        return self.full_name or self.get_full_name() or self.get_username()
