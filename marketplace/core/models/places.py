from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A district (区) whose government buys services on the platform."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Community(models.Model):
    """A community (社区), run by a residents' committee, within a street (街道)."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="communities", verbose_name=_("district")
    )
    street = models.CharField(_("street"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["district__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "street", "name"], name="community_unique_name_in_street")
        ]

    def __str__(self):
        return f"{self.street} {self.name}"
