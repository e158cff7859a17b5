import importlib
import importlib.util

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    """Contracts, milestones, milestone evaluations and payments.  Builds on
    ``marketplace``; knows nothing of ``cms``."""

    name = "contracts"
    verbose_name = _("Contracts")
    default_auto_field = "django.db.models.BigAutoField"

    #: modules that declare message types or connect hooks into marketplace
    #: (the officer's to-do sections, the workspaces' lights, the grade source)
    READY_MODULES = (
        "contracts.contracts.messages",
        "contracts.contracts.hooks",
        "contracts.milestones.delivery_messages",
        "contracts.milestones.delivery_hooks",
        "contracts.milestones.evaluation_messages",
        "contracts.milestones.evaluation_hooks",
        "contracts.payments.messages",
        "contracts.payments.hooks",
    )

    def ready(self):
        for name in self.READY_MODULES:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
