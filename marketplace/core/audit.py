"""Writing, verifying and anchoring the audit log.  Services call
``record_event``; django-fsm transitions reach it through the
``post_transition`` receiver in ``marketplace.core.signals``, account events
through ``marketplace.core.account_audit``.

Every new event is hashed with HMAC-SHA256 under the audit key from the
environment (see ``marketplace.core.models.audit`` for why the older plain
SHA-256 events stay verifiable and tamper-evident), and once a day
``publish_head`` signs the chain's head and writes it to a file meant to be
published outside the database; ``verify_chain(anchors=…)`` proves that the
chain still holds exactly the history such a head names.
"""

import datetime
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from marketplace.core.audit_keys import UnknownAuditKeyError, current_key_id, hmac_matches
from marketplace.core.models.audit import (
    GENESIS_HASH,
    HASH_KEYED,
    HASH_PLAIN,
    HEAD_FILE_FORMAT,
    AuditChainHead,
    AuditEvent,
    AuditHeadPublication,
    head_document_body,
    head_document_message,
)


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
    key_id = current_key_id()
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
            hash_algorithm=HASH_KEYED,
            key_id=key_id,
        )
        event.hash = event.compute_hash()
        event.save()
        head.last_hash = event.hash
        head.last_event_id = event.pk
        head.event_count += 1
        head.sign(key_id)
        head.save(update_fields=["last_hash", "last_event_id", "event_count", "key_id", "signature"])
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    problem: str = ""
    last_event_id: int | None = None
    last_hash: str = GENESIS_HASH
    anchors_checked: int = 0


@dataclass
class Anchor:
    """A head the chain must contain: where it came from, the newest event
    then, its hash and the number of events up to it."""

    source: str
    last_event_id: int | None
    last_hash: str
    event_count: int
    matched: bool = field(default=False)


def _anchor_from_publication(publication):
    return Anchor(
        f"published head of {publication.day}",
        publication.last_event_id,
        publication.last_hash,
        publication.event_count,
    )


def verify_chain(batch_size=2000, *, anchors=()):
    """Walk the chain from the first event; report the first broken link.

    The head is read first and only events up to it are walked, so events
    appended while the check runs are not mistaken for a broken tail (they
    are checked the next time).  Each event's hash is re-made with the
    algorithm and key it names; a plain SHA-256 event after a keyed one is
    refused (a downgrade to re-hash without the key); the chain head's
    signature and event count must match the walk.  ``anchors`` (published
    heads, from files; the signed rows of ``AuditHeadPublication`` are
    always added) must each be found in the chain with the same hash and
    the same number of events before them."""
    head = AuditChainHead.objects.filter(pk=1).first()
    anchors = list(anchors)
    for publication in AuditHeadPublication.objects.order_by("day"):
        message = head_document_message(head_document_body(publication))
        if not hmac_matches(publication.key_id, message, publication.signature):
            return ChainReport(
                False, 0, publication.last_event_id, f"the published head of {publication.day} has an invalid signature"
            )
        anchors.append(_anchor_from_publication(publication))
    pending = {}
    for anchor in anchors:
        if anchor.event_count == 0:
            anchor.matched = anchor.last_event_id is None and anchor.last_hash == GENESIS_HASH
        else:
            pending.setdefault(anchor.last_event_id, []).append(anchor)

    expected_prev = GENESIS_HASH
    checked = 0
    keyed_seen = False
    last = None
    events = AuditEvent.objects.order_by("id")
    if head is not None and head.last_event_id is not None:
        events = events.filter(id__lte=head.last_event_id)

    def broken(event_id, problem):
        return ChainReport(False, checked, event_id, problem, last.pk if last else None, expected_prev)

    for event in events.iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            return broken(event.pk, "previous-hash mismatch: an event before it was removed, inserted or altered")
        if event.hash_algorithm == HASH_PLAIN:
            if keyed_seen:
                return broken(
                    event.pk,
                    "a plain SHA-256 event after keyed ones: the event was re-hashed by someone without the audit key",
                )
        elif event.hash_algorithm == HASH_KEYED:
            keyed_seen = True
        else:
            return broken(event.pk, f"unknown hash algorithm {event.hash_algorithm!r}: the row was altered")
        try:
            computed = event.compute_hash()
        except UnknownAuditKeyError:
            return broken(
                event.pk,
                f"its hash was made with audit key id {event.key_id!r}, which is not configured "
                "(AUDIT_HMAC_KEY_ID / AUDIT_HMAC_PREVIOUS_KEYS)",
            )
        if computed != event.hash:
            return broken(event.pk, "content does not match its hash: the row was altered")
        expected_prev = event.hash
        checked += 1
        last = event
        for anchor in pending.pop(event.pk, ()):
            if anchor.last_hash != event.hash or anchor.event_count != checked:
                return broken(
                    event.pk,
                    f"the chain does not match the {anchor.source} (event {anchor.last_event_id}: published "
                    f"{anchor.event_count} events, hash {anchor.last_hash[:16]}…; found {checked} events, "
                    f"hash {event.hash[:16]}…): history before it was rewritten or events were removed",
                )
            anchor.matched = True
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_hash != expected_prev:
        return broken(
            head.last_event_id if head else None,
            "the newest events were removed: the chain head does not match the last event",
        )
    if head is not None and (checked or head.event_count):
        if not head.signature_is_valid():
            return broken(
                head.last_event_id,
                "the chain head's signature is not valid: the head was rewritten without the audit key",
            )
        if head.event_count != checked:
            return broken(
                head.last_event_id,
                f"the chain head counts {head.event_count} events but {checked} were found: events were removed",
            )
    for anchor in anchors:
        if not anchor.matched:
            return broken(
                anchor.last_event_id,
                f"event {anchor.last_event_id}, the newest event of the {anchor.source} "
                f"({anchor.event_count} events), is not in the chain: the chain was cut short or the event removed",
            )
    return ChainReport(
        True,
        checked,
        None,
        "" if last else "empty log",
        last.pk if last else None,
        expected_prev,
        anchors_checked=len(anchors),
    )


# --- the published daily head -------------------------------------------------


class AuditChainBrokenError(Exception):
    def __init__(self, report):
        super().__init__(f"Audit chain broken at event {report.broken_event_id}: {report.problem}")
        self.report = report


class HeadFileError(Exception):
    """A published head file that cannot be read or whose signature is wrong."""


def head_directory():
    return Path(settings.AUDIT_HEAD_DIR)


def head_file_name(day):
    return f"audit-head-{day.isoformat()}.json"


def _write_atomically(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # meant to be published
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_head_file(publication, directory=None):
    """Write ``audit-head-<day>.json`` and ``latest.json``; return the day's path."""
    directory = Path(directory) if directory else head_directory()
    text = json.dumps(publication.as_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path = directory / head_file_name(publication.day)
    _write_atomically(path, text)
    _write_atomically(directory / "latest.json", text)
    return path


def publish_head(*, now=None, directory=None):
    """Record today's signed head (once a day; a second call re-writes the
    file from the stored row) and write it as a JSON file.  The chain is
    verified first: a broken chain is never anchored (``AuditChainBrokenError``).
    Returns ``(publication, path, created)``."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    publication = AuditHeadPublication.objects.filter(day=day).first()
    created = publication is None
    if created:
        report = verify_chain()
        if not report.ok:
            raise AuditChainBrokenError(report)
        publication = AuditHeadPublication(
            day=day,
            last_event_id=report.last_event_id,
            last_hash=report.last_hash,
            event_count=report.checked,
            published_at=now,
        )
        publication.sign(current_key_id())
        with transaction.atomic():
            if AuditHeadPublication.objects.filter(day=day).exists():  # published meanwhile
                publication = AuditHeadPublication.objects.get(day=day)
                created = False
            else:
                publication.save()
    return publication, write_head_file(publication, directory), created


def load_head_file(path):
    """Read a published head file and check its signature.  Returns an
    ``Anchor``; raises ``HeadFileError`` with a message for people."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise HeadFileError(f"cannot read the published head file {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise HeadFileError(f"{path} is not a published audit head (not JSON)") from None
    wanted = ("format", "day", "last_event_id", "last_hash", "event_count", "published_at", "key_id", "signature")
    if not isinstance(data, dict) or data.get("format") != HEAD_FILE_FORMAT or any(k not in data for k in wanted):
        raise HeadFileError(f"{path} is not a published audit head (format {HEAD_FILE_FORMAT} expected)")
    if (
        not isinstance(data["event_count"], int)
        or not (data["last_event_id"] is None or isinstance(data["last_event_id"], int))
        or not isinstance(data["last_hash"], str)
    ):
        raise HeadFileError(f"{path} is not a published audit head (malformed fields)")
    body = head_document_body(data)
    if not hmac_matches(str(data["key_id"]), head_document_message(body), data["signature"]):
        raise HeadFileError(
            f"the signature of the published head {path} is not valid: the file was altered, or it was signed "
            f"with audit key id {data['key_id']!r}, which is not configured here"
        )
    try:
        day = datetime.date.fromisoformat(str(data["day"]))
    except ValueError:
        raise HeadFileError(f"{path} is not a published audit head (bad day)") from None
    source = f"published head of {day} ({Path(path).name})"
    return Anchor(source, data["last_event_id"], data["last_hash"], data["event_count"])
