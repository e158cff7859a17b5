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
    # events whose hash was re-made (all of them, unless checked without the key)
    recomputed: int = 0


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


class _Walk:
    """The walk along the chain, event after event, shared by the check of
    the database (``verify_chain``) and of an exported copy
    (``verify_export``): the links, the algorithm order, each event's hash
    (``recompute``) and the anchors met on the way."""

    def __init__(self, anchors, *, recompute=True):
        self.anchors = list(anchors)
        self.recompute = recompute
        self.expected_prev = GENESIS_HASH
        self.checked = 0
        self.recomputed = 0
        self.keyed_seen = False
        self.last_id = None
        self.pending = {}
        for anchor in self.anchors:
            if anchor.event_count == 0:
                anchor.matched = anchor.last_event_id is None and anchor.last_hash == GENESIS_HASH
            else:
                self.pending.setdefault(anchor.last_event_id, []).append(anchor)

    def broken(self, event_id, problem):
        return ChainReport(False, self.checked, event_id, problem, self.last_id, self.expected_prev)

    def step(self, event):
        """Check one event; a ``ChainReport`` if it breaks the chain, else None."""
        if event.prev_hash != self.expected_prev:
            return self.broken(event.pk, "previous-hash mismatch: an event before it was removed, inserted or altered")
        if event.hash_algorithm == HASH_PLAIN:
            if self.keyed_seen:
                return self.broken(
                    event.pk,
                    "a plain SHA-256 event after keyed ones: the event was re-hashed by someone without the audit key",
                )
        elif event.hash_algorithm == HASH_KEYED:
            self.keyed_seen = True
        else:
            return self.broken(event.pk, f"unknown hash algorithm {event.hash_algorithm!r}: the row was altered")
        # A plain SHA-256 needs no key: it is re-made even without one.
        if self.recompute or event.hash_algorithm == HASH_PLAIN:
            try:
                computed = event.compute_hash()
            except UnknownAuditKeyError:
                return self.broken(
                    event.pk,
                    f"its hash was made with audit key id {event.key_id!r}, which is not configured "
                    "(AUDIT_HMAC_KEY_ID / AUDIT_HMAC_PREVIOUS_KEYS)",
                )
            if computed != event.hash:
                return self.broken(event.pk, "content does not match its hash: the row was altered")
            self.recomputed += 1
        self.expected_prev = event.hash
        self.checked += 1
        self.last_id = event.pk
        for anchor in self.pending.pop(event.pk, ()):
            if anchor.last_hash != event.hash or anchor.event_count != self.checked:
                return self.broken(
                    event.pk,
                    f"the chain does not match the {anchor.source} (event {anchor.last_event_id}: published "
                    f"{anchor.event_count} events, hash {anchor.last_hash[:16]}…; found {self.checked} events, "
                    f"hash {event.hash[:16]}…): history before it was rewritten or events were removed",
                )
            anchor.matched = True
        return None

    def unmatched(self):
        """A report for the first anchor the walk never met, or None."""
        for anchor in self.anchors:
            if not anchor.matched:
                return self.broken(
                    anchor.last_event_id,
                    f"event {anchor.last_event_id}, the newest event of the {anchor.source} "
                    f"({anchor.event_count} events), is not in the chain: the chain was cut short or the event removed",
                )
        return None

    def report(self):
        return ChainReport(
            True,
            self.checked,
            None,
            "" if self.checked else "empty log",
            self.last_id,
            self.expected_prev,
            anchors_checked=len(self.anchors),
            recomputed=self.recomputed,
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
    walk = _Walk(anchors)
    events = AuditEvent.objects.order_by("id")
    if head is not None and head.last_event_id is not None:
        events = events.filter(id__lte=head.last_event_id)
    for event in events.iterator(chunk_size=batch_size):
        if (report := walk.step(event)) is not None:
            return report
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_hash != walk.expected_prev:
        return walk.broken(
            head.last_event_id if head else None,
            "the newest events were removed: the chain head does not match the last event",
        )
    if head is not None and (walk.checked or head.event_count):
        if not head.signature_is_valid():
            return walk.broken(
                head.last_event_id,
                "the chain head's signature is not valid: the head was rewritten without the audit key",
            )
        if head.event_count != walk.checked:
            return walk.broken(
                head.last_event_id,
                f"the chain head counts {head.event_count} events but {walk.checked} were found: events were removed",
            )
    return walk.unmatched() or walk.report()


# --- an exported copy of the log ----------------------------------------------

#: The fields of an exported event (one JSON object a line): what its hash
#: covers, its id, and the hash itself.
EXPORT_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "from_state",
    "to_state",
    "reason",
    "details",
    "prev_hash",
    "hash",
    "hash_algorithm",
    "key_id",
)


def export_line(event):
    """One event as a line of the export (JSON, no newline inside)."""
    created = event.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    row = {name: getattr(event, name) for name in EXPORT_FIELDS if name not in ("id", "created_at")}
    row.update(id=event.pk, created_at=created)
    return json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def export_events(*, up_to=None, batch_size=2000):
    """The lines of an export of the log, oldest first, from the first event
    to ``up_to`` (an event id) or to the chain head read now."""
    if up_to is None:
        head = AuditChainHead.objects.filter(pk=1).first()
        up_to = head.last_event_id if head is not None else None
        if up_to is None:
            return
    events = AuditEvent.objects.filter(id__lte=up_to).order_by("id")
    for event in events.iterator(chunk_size=batch_size):
        yield export_line(event)


class ExportFileError(Exception):
    """An export file that cannot be read."""


def _event_from_line(number, line):
    try:
        row = json.loads(line)
        if not isinstance(row, dict) or any(name not in row for name in EXPORT_FIELDS):
            raise ValueError
        created = datetime.datetime.fromisoformat(row["created_at"]) if row["created_at"] else None
        if not isinstance(row["id"], int) or not isinstance(row["details"], (dict, list)):
            raise ValueError
    except (ValueError, TypeError):
        raise ExportFileError(f"line {number} is not an exported audit event") from None
    return AuditEvent(
        id=row["id"],
        created_at=created,
        **{name: row[name] for name in EXPORT_FIELDS if name not in ("id", "created_at")},
    )


def _exported_events(path):
    try:
        handle = Path(path).open(encoding="utf-8")
    except OSError as exc:
        raise ExportFileError(f"cannot read the export {path}: {exc.strerror or exc}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _event_from_line(number, line)


def verify_export(path, *, anchors=(), recompute=True):
    """Check an exported copy of the log (``export_audit_log``) with the
    same walk as ``verify_chain``: from the first event, every link, and
    each published head in ``anchors`` found with its hash and count.

    ``recompute=False`` is the check anyone can make without the audit key:
    the links and the counts (and plain SHA-256 hashes, which need no key)
    but not the keyed hashes, so it proves the export holds the sequence of
    hashes the heads published, not that each event's content is the one
    its hash was made over.  Raises ``ExportFileError`` for a file that is
    not an export."""
    walk = _Walk(anchors, recompute=recompute)
    for event in _exported_events(path):
        if (report := walk.step(event)) is not None:
            return report
    return walk.unmatched() or walk.report()


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


def head_file_text(publication):
    """The text of a published head file (the public page serves the same)."""
    return json.dumps(publication.as_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_head_file(publication, directory=None):
    """Write ``audit-head-<day>.json`` and ``latest.json``; return the day's path."""
    directory = Path(directory) if directory else head_directory()
    text = head_file_text(publication)
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


def load_head_file(path, *, check_signature=True):
    """Read a published head file and check its signature.  Returns an
    ``Anchor``; raises ``HeadFileError`` with a message for people.
    ``check_signature=False`` (for whoever does not hold the audit key: the
    signature is an HMAC) reads the head without checking it."""
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
    if check_signature and not hmac_matches(str(data["key_id"]), head_document_message(body), data["signature"]):
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
