from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import roles, signals  # noqa: F401  (connects the receivers)

        # Migrations of later apps add permissions that roles should hold; keep
        # the role groups in step after every migrate.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="marketplace.sync_roles")
