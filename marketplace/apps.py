import importlib.util

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from marketplace.core import account_audit, audit_guard, roles, signals  # noqa: F401  (connects the receivers)

        # Every domain's message types are declared, so a key names one (core/notifications.py).
        for domain in ("core", "catalogue", "needs", "organizations", "procurement", "evaluation"):
            if importlib.util.find_spec(f"marketplace.{domain}.messages") is not None:
                importlib.import_module(f"marketplace.{domain}.messages")
        from marketplace.evaluation.services.awards import contract_blocked_reason
        from marketplace.procurement.models.projects import Project

        # A higher domain's rule on a lower domain's state machine: the
        # contract transition of a project asks the evaluation domain.
        Project.contract_blockers = (contract_blocked_reason,)

        # Who works where (the header's 工作台, where sign-in lands): the
        # domains' rule handed to the kernel's sign-in.
        from marketplace.core import workspace
        from marketplace.workspace import landing

        workspace.resolver = landing.workspace_for

        # Migrations of later apps add permissions that roles should hold; keep
        # the role groups in step after every migrate (code, so not per-row
        # audit events: see marketplace.core.account_audit).
        post_migrate.connect(account_audit.sync_roles_after_migrate, dispatch_uid="marketplace.sync_roles")
        # Account changes, sign-ins and failed sign-ins are audit events.
        account_audit.connect()
        # SQLite loses a table's triggers when a migration rebuilds it: put the
        # audit tables' append-only triggers back after every migrate.
        post_migrate.connect(audit_guard.ensure_sqlite_guard, dispatch_uid="marketplace.audit_sqlite_guard")
        # The audit log's lane heads (PostgreSQL), back after a flush too.
        from marketplace.core.audit import ensure_lanes

        post_migrate.connect(ensure_lanes, dispatch_uid="marketplace.audit_lanes")
