"""The append-only, hash-chained audit log.

Each event stores the hash of the event before it (``prev_hash``) and its own
hash over its content and ``prev_hash``; altering, removing or inserting a
row breaks the chain, which ``manage.py verify_audit_chain`` detects.  Rows
are written only by ``marketplace.services.audit.record_event``; the code
refuses updates and deletes, and on PostgreSQL a trigger refuses them too.
"""

import datetime
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditLogAppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogAppendOnlyError("Audit events cannot be updated.")

    def delete(self):
        raise AuditLogAppendOnlyError("Audit events cannot be deleted.")

    def bulk_update(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("Audit events cannot be updated.")

    def bulk_create(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("Audit events are written one at a time by record_event().")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        "marketplace.User",
        on_delete=models.PROTECT,  # whoever acted stays accountable; deactivate instead
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    from_state = models.CharField(_("from state"), max_length=50, blank=True)
    to_state = models.CharField(_("to state"), max_length=50, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        base_manager_name = "objects"  # related-object access refuses changes too
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnlyError("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("Audit events cannot be deleted.")

    def canonical_payload(self):
        """The exact content the hash covers, as a stable JSON string."""
        created = self.created_at.astimezone(datetime.UTC) if self.created_at else None
        payload = {
            "created_at": created.isoformat(timespec="microseconds") if created else None,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def compute_hash(self):
        return hashlib.sha256(self.canonical_payload().encode("utf-8")).hexdigest()


class AuditChainHead(models.Model):
    """One row: the hash of the newest event.  Writers lock it, so events are
    appended one after another even under concurrency, and a removed tail is
    detectable."""

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    event_count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self):
        return f"{self.event_count} events, head {self.last_hash[:12]}"
