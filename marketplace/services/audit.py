"""Writing and verifying the audit log.  Services call ``record_event``;
django-fsm transitions reach it through the ``post_transition`` receiver in
``marketplace.signals``."""

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from marketplace.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent


def _object_type(obj):
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _refuse_floats(value):
    if isinstance(value, float):
        raise TypeError(
            "audit details take Decimal or str for numbers, never float (the hash must survive the database)"
        )
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_floats(item)


def _normalise(details):
    # Store exactly what will be hashed (dates, Decimals, UUIDs as strings).
    # Floats are refused: PostgreSQL's jsonb may rewrite them, breaking the hash.
    _refuse_floats(details or {})
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def record_event(
    action,
    *,
    actor=None,
    obj=None,
    object_type="",
    object_id="",
    from_state="",
    to_state="",
    reason="",
    details=None,
):
    """Append one event to the chain and return it.

    Runs in the caller's transaction (or its own): the chain head is locked,
    so concurrent writers queue instead of forking the chain, and the event
    disappears with the caller's work if that is rolled back.

    Lock order: a service takes its row locks (``select_for_update``) first
    and writes audit events after them, so the chain head is always the last
    lock taken and two services cannot deadlock on it.
    """
    if obj is not None:
        object_type = object_type or _object_type(obj)
        object_id = object_id or ("" if obj.pk is None else str(obj.pk))
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor,
            # Kept for ever in the chain: never an e-mail address or a phone number.
            actor_label=(actor.public_label if actor else ""),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            from_state=from_state or "",
            to_state=to_state or "",
            reason=reason or "",
            details=_normalise(details),
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.last_hash = event.hash
        head.last_event_id = event.pk
        head.event_count += 1
        head.save(update_fields=["last_hash", "last_event_id", "event_count"])
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    problem: str = ""


def verify_chain(batch_size=2000):
    """Walk the chain from the first event; report the first broken link.

    The head is read first and only events up to it are walked, so events
    appended while the check runs are not mistaken for a broken tail (they
    are checked the next time)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    expected_prev = GENESIS_HASH
    checked = 0
    last = None
    events = AuditEvent.objects.order_by("id")
    if head is not None and head.last_event_id is not None:
        events = events.filter(id__lte=head.last_event_id)
    for event in events.iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                checked,
                event.pk,
                "previous-hash mismatch: an event before it was removed, inserted or altered",
            )
        if event.compute_hash() != event.hash:
            return ChainReport(False, checked, event.pk, "content does not match its hash: the row was altered")
        expected_prev = event.hash
        checked += 1
        last = event
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_hash != expected_prev:
        return ChainReport(
            False,
            checked,
            head.last_event_id if head else None,
            "the newest events were removed: the chain head does not match the last event",
        )
    return ChainReport(True, checked, None, "" if last else "empty log")
