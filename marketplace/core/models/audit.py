"""The append-only, hash-chained audit log.

Each event stores the hash of the event before it (``prev_hash``) and its own
hash over its content and ``prev_hash``; altering, removing or inserting a
row breaks the chain, which ``manage.py verify_audit_chain`` detects.  Rows
are written only by ``marketplace.core.audit.record_event``; the code
refuses updates and deletes, and a trigger refuses them too (PostgreSQL and
SQLite, migrations 0002 and 0010).

**Keyed hashes.**  A plain SHA-256 chain only proves that the rows agree with
each other: whoever can write to the database can change an event and
recompute every hash after it.  So every event is hashed with HMAC-SHA256
under a key from the environment (``marketplace.core.audit_keys``), which
the database never sees; ``hash_algorithm`` and ``key_id`` say how each row's
hash was made, and both are part of what a keyed hash covers.

**Events written before the key (plain SHA-256) stay in the same chain** and
still verify, yet rewriting them is still detected: the first keyed event's
HMAC covers its ``prev_hash``, the hash of the last plain event, which in
turn covers every plain event before it.  Changing, removing or inserting a
plain event changes that hash, and the first keyed event can then only be
made to agree again by someone holding the key.  Turning keyed events back
into plain ones is refused as well: once a keyed event has appeared, the
check rejects any plain event after it, and the chain head's keyed signature
(``AuditChainHead.signature``) covers the newest hash and the event count,
so re-hashing the whole chain without the key is detected too.  Truncating
the chain and restoring an older signed head (say, from a backup) is what
the daily published head catches (``AuditHeadPublication``).

**Lanes (issue 18).**  The log is ``AUDIT_LANES`` independent chains, each
with its own head row (``AuditChainHead.lane``) and its own genesis
(``lane_genesis``); an event stores its lane.  A writer locks one free lane
head until it commits (``marketplace.core.audit``), so unrelated
transactions append side by side.  Lane 0 is the old single chain: its
genesis, its events' payload and its head's signed message are exactly as
before, so the history written before lanes verifies unchanged.  A keyed
hash of an event in another lane also covers the lane, and so does its
head's signature.
"""

import datetime
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.audit_keys import hmac_hex, hmac_matches

HASH_PLAIN = "sha256"  # events written before the keyed chain (migration 0010)
HASH_KEYED = "hmac-sha256"
HASH_ALGORITHMS = (HASH_PLAIN, HASH_KEYED)
HEAD_FILE_FORMAT_V1 = "marketplace-audit-head/1"  # one chain: its newest event, hash and count
HEAD_FILE_FORMAT = "marketplace-audit-head/2"  # every lane's newest event, hash and count, plus totals
HEAD_FILE_FORMATS = (HEAD_FILE_FORMAT_V1, HEAD_FILE_FORMAT)
#: How many lanes (independent hash chains) writers spread over on PostgreSQL.
#: More lanes than concurrent writers costs nothing but a row each.
AUDIT_LANES = 16


def lane_genesis(lane):
    """The ``prev_hash`` of a lane's first event: lane 0 keeps the old
    genesis; the others differ from it and from each other (``prev_hash``
    is unique)."""
    return format(lane, "064x")


GENESIS_HASH = lane_genesis(0)


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
        raise AuditLogAppendOnlyError("Audit events are written by record_event() only.")

    def _append_rows(self, events):
        """The one multi-row INSERT the log allows: ``audit.batched()``'s
        flush, after it has linked and hashed the events in order under the
        lane's lock.  Kept private (``as_manager`` does not copy it) so that
        ``bulk_create`` itself stays refused to everyone else."""
        return super().bulk_create(events)


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
    # How ``hash`` was made: plain SHA-256 (rows from before migration 0010)
    # or HMAC-SHA256 under the key named ``key_id`` (never the key itself).
    hash_algorithm = models.CharField(_("hash algorithm"), max_length=20, default=HASH_KEYED)
    key_id = models.CharField(_("key id"), max_length=32, blank=True, default="")
    # Which chain (``AuditChainHead.lane``) the event is linked into.
    lane = models.PositiveSmallIntegerField(_("lane"), default=0)

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
        if self.hash_algorithm != HASH_PLAIN:
            # The plain payload stays exactly as it was, so old rows verify;
            # a keyed hash also covers how it was made.
            payload["hash_algorithm"] = self.hash_algorithm
            payload["key_id"] = self.key_id
            if self.lane:
                # Lane 0 is the old chain: its payload is unchanged.
                payload["lane"] = self.lane
        return json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def compute_hash(self):
        """The hash this row should carry.  Raises ``UnknownAuditKeyError`` for a
        key id that is not configured, ``ValueError`` for an unknown algorithm."""
        if self.hash_algorithm == HASH_PLAIN:
            return hashlib.sha256(self.canonical_payload().encode("utf-8")).hexdigest()
        if self.hash_algorithm == HASH_KEYED:
            return hmac_hex(self.key_id, self.canonical_payload())
        raise ValueError(f"unknown audit hash algorithm {self.hash_algorithm!r}")


class AuditChainHead(models.Model):
    """One row per lane: the hash of the lane's newest event.  A writer locks
    its lane's row until it commits, so the events of a lane are appended one
    after another (in id order) and a removed tail is detectable."""

    lane = models.PositiveSmallIntegerField(default=0, unique=True)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    event_count = models.BigIntegerField(default=0)
    # HMAC over the three values above, re-made at every append: without the
    # key nobody can move the head to match a re-hashed or shortened chain.
    key_id = models.CharField(max_length=32, blank=True, default="")
    signature = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self):
        return f"{self.event_count} events, head {self.last_hash[:12]}"

    def signed_message(self):
        message = f"audit-chain-head\n{self.last_event_id or ''}\n{self.event_count}\n{self.last_hash}"
        # Lane 0 signs what the single chain signed (migration 0010 too).
        return f"{message}\nlane {self.lane}" if self.lane else message

    def sign(self, key_id):
        self.key_id = key_id
        self.signature = hmac_hex(key_id, self.signed_message())

    def signature_is_valid(self):
        return hmac_matches(self.key_id, self.signed_message(), self.signature)


class AuditHeadPublicationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogAppendOnlyError("Published audit heads cannot be changed.")

    def delete(self):
        raise AuditLogAppendOnlyError("Published audit heads cannot be deleted.")

    def bulk_update(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("Published audit heads cannot be changed.")


class AuditHeadPublication(models.Model):
    """The chain's head as published once a day (``publish_audit_head``):
    the newest event, its hash and the number of events, signed with the
    audit key.  The same record is written as a small JSON file meant to be
    published outside the database (``AUDIT_HEAD_DIR``; the public page
    ``/audit/`` lists the heads and serves the same file, and a feed);
    ``verify_audit_chain --against <file>`` proves that the chain still
    contains exactly that history, and ``--from-file <export>`` that an
    exported copy of the log (``export_audit_log``) does.

    The signature is an HMAC, so checking it needs the audit key (auditors
    and operators hold it); anyone who kept a copy of the file can still
    hold the platform to the hash and count it published."""

    day = models.DateField(_("day"), unique=True)
    last_event_id = models.BigIntegerField(_("last event"), null=True, blank=True)
    last_hash = models.CharField(_("hash"), max_length=64)
    event_count = models.BigIntegerField(_("events"))
    key_id = models.CharField(_("key id"), max_length=32)
    signature = models.CharField(_("signature"), max_length=64)
    published_at = models.DateTimeField(_("published at"))
    # Format 2: every non-empty lane's head, ``[{"lane", "last_event_id",
    # "last_hash", "event_count"}, …]`` (then ``last_hash`` is ``lanes_digest``
    # of them and the count their total).  None: a format 1 head (one chain).
    lanes = models.JSONField(_("lanes"), null=True, blank=True, default=None)

    objects = AuditHeadPublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("published audit head")
        verbose_name_plural = _("published audit heads")
        ordering = ["day"]
        base_manager_name = "objects"

    def __str__(self):
        return f"{self.day}: {self.event_count} events, head {self.last_hash[:12]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnlyError("Published audit heads cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("Published audit heads cannot be deleted.")

    def as_document(self):
        """The published JSON object, signature included."""
        return {**head_document_body(self), "signature": self.signature}

    def sign(self, key_id):
        self.key_id = key_id
        self.signature = hmac_hex(key_id, head_document_message(head_document_body(self)))


def head_document_body(head):
    """The signed fields of a published head (a model or a dict-like)."""
    get = head.get if isinstance(head, dict) else lambda name: getattr(head, name)
    day = get("day")
    published_at = get("published_at")
    if isinstance(published_at, datetime.datetime):
        published_at = published_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    lanes = get("lanes") if isinstance(head, dict) and "lanes" in head else None
    if not isinstance(head, dict):
        lanes = head.lanes
    body = {
        "format": HEAD_FILE_FORMAT_V1 if lanes is None else HEAD_FILE_FORMAT,
        "day": day.isoformat() if isinstance(day, datetime.date) else day,
        "last_event_id": get("last_event_id"),
        "last_hash": get("last_hash"),
        "event_count": get("event_count"),
        "published_at": published_at,
        "key_id": get("key_id"),
    }
    if lanes is not None:
        body["lanes"] = lanes
    return body


def lanes_digest(lanes):
    """The head hash of a format 2 head: SHA-256 over its lanes' heads."""
    return hashlib.sha256(head_document_message(lanes).encode("utf-8")).hexdigest()


def head_document_message(body):
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
