"""Every background job of the app, for the worker to register (Celery's
autodiscovery imports ``marketplace.tasks``).  The jobs live in their domains;
their names stay ``marketplace.tasks.<name>``."""

from marketplace.catalogue.tasks import run_catalogue_import
from marketplace.core.tasks import (
    deliver_notification,
    ping,
    publish_audit_head,
    purge_consumed_messages,
    send_daily_digests,
    verify_audit_chain,
)
from marketplace.organizations.tasks import check_document_expiry, lift_ended_blacklists
from marketplace.procurement.tasks import open_due_projects, tell_opening

__all__ = [
    "check_document_expiry",
    "deliver_notification",
    "lift_ended_blacklists",
    "open_due_projects",
    "ping",
    "publish_audit_head",
    "purge_consumed_messages",
    "run_catalogue_import",
    "send_daily_digests",
    "tell_opening",
    "verify_audit_chain",
]
