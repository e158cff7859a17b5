from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    """Contracts, milestones, milestone evaluations and payments.  Builds on
    ``marketplace``; knows nothing of ``cms``."""

    name = "contracts"
    verbose_name = _("Contracts")
    default_auto_field = "django.db.models.BigAutoField"
