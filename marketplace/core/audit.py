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

**Lanes: writers that do not queue (issue 18).**  One chain head locked to
commit made every transaction that writes an event wait for the previous
one (4 writers appended at 0.8x the rate of 1).  The log is now
``AUDIT_LANES`` (16) independent hash chains, each with its own head row and
genesis.  A transaction's first event takes the first lane head no other
transaction holds (``SELECT … FOR UPDATE SKIP LOCKED``) and keeps it until
it commits: its later events go to the same lane, contiguous, so each
transaction holds one lane lock and unrelated transactions append side by
side.  SQLite has no SKIP LOCKED (and one writer at a time anyway): there,
everything goes to lane 0.  Lane 0 is the old single chain, unchanged, so
history from before the lanes verifies as it did.

Why this stays tamper-evident: within a lane, id order is chain order (an
event's id is drawn while its lane is locked, and the lock is held until
commit), each event links to its lane's previous hash under the keyed HMAC
(a lane other than 0 is part of what it covers), each lane head is signed
over its newest event, hash, count and lane, and the daily published head
(format 2) signs every non-empty lane's (newest event, hash, count) with
the totals.  Removing a lane's tail breaks its head; putting back an older
signed head for that lane is caught by the published head naming the
removed event.  Format 1 heads (one chain) name lane 0 and still verify.

Verification is one linear pass in id order (``_Walk``) keeping, per lane,
the hash the next event must link to and the count so far; an export
(``export_audit_log``) carries each event's lane (an older export without
it is all lane 0), and is checked by the same walk.

**Batches.**  ``with batched():`` collects the events recorded in the block
(the FSM receiver's too) and writes them at its end in one multi-row INSERT
and one head update, in order, hashed exactly as one by one: a constant
number of statements for an opening of any size.
"""

import contextvars
import datetime
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from marketplace.core.audit_keys import UnknownAuditKeyError, current_key_id, hmac_matches
from marketplace.core.models.audit import (
    AUDIT_LANES,
    GENESIS_HASH,
    HASH_KEYED,
    HASH_PLAIN,
    HEAD_FILE_FORMAT,
    HEAD_FILE_FORMAT_V1,
    HEAD_FILE_FORMATS,
    AuditChainHead,
    AuditEvent,
    AuditHeadPublication,
    head_document_body,
    head_document_message,
    lane_genesis,
    lanes_digest,
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


def _build_event(action, actor, obj, object_type, object_id, from_state, to_state, reason, details):
    if obj is not None:
        object_type = object_type or _object_type(obj)
        object_id = object_id or ("" if obj.pk is None else str(obj.pk))
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
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
        hash_algorithm=HASH_KEYED,
        key_id=current_key_id(),
    )


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
    """Append one event to a lane of the chain and return it.

    Runs in the caller's transaction (or its own): the lane's head is
    locked until the transaction ends, so the events of a lane are appended
    one after another, and the event disappears with the caller's work if
    that is rolled back.  Inside ``batched()`` the event is returned unsaved
    (no ``pk``, ``prev_hash`` or ``hash`` yet) and written at the end of the
    block.

    Lock order: a service takes its row locks (``select_for_update``) first
    and writes audit events after them, so a lane head is always the last
    lock taken and two services cannot deadlock on it.
    """
    event = _build_event(action, actor, obj, object_type, object_id, from_state, to_state, reason, details)
    batch = _batch.get()
    if batch is not None:
        batch.add(event)
        return event
    with transaction.atomic():
        _append([event])
    return event


# --- lanes --------------------------------------------------------------------


class _LaneHeld:
    """Put in the transaction's on-commit list when a lane is taken: while it
    is there, the transaction (or the savepoint that took the lane, whose
    rollback also releases the row lock) still holds the lane.  Calling it
    after the commit does nothing.  (Django has no on-rollback hook; its
    on-commit list is the record of which savepoints survived.)"""

    def __init__(self, lane):
        self.lane = lane

    def __call__(self):
        pass


def _held_lane(connection):
    held = getattr(connection, "_audit_lane_held", None)
    if held is not None and any(func is held for _sids, func, _robust in connection.run_on_commit):
        return held.lane
    return None


def _lock_lane_head():
    """Lock and return the head of the lane this transaction appends to.

    The first append of a transaction takes the first lane head no other
    transaction holds (``SELECT … FOR UPDATE SKIP LOCKED``); later appends in
    the same transaction reuse it, so a transaction's events are contiguous
    in one lane and it holds one lane lock.  Where the database cannot skip
    locked rows (SQLite, whose writers queue on the file anyway), or every
    lane is busy, or the lanes were not created (``ensure_lanes``), it waits
    for lane 0 (created if missing, as the single chain head was)."""
    connection = transaction.get_connection()
    heads = AuditChainHead.objects.select_for_update()
    lane = _held_lane(connection)
    if lane is not None:
        return heads.get(lane=lane)
    head = None
    if connection.features.has_select_for_update_skip_locked:
        head = AuditChainHead.objects.select_for_update(skip_locked=True).order_by("lane").first()
    if head is None:
        head, _ = heads.get_or_create(lane=0, defaults={"pk": 1, "last_hash": lane_genesis(0)})
    connection._audit_lane_held = _LaneHeld(head.lane)
    transaction.on_commit(connection._audit_lane_held)
    return head


def ensure_lanes(sender=None, using="default", **kwargs):
    """Create the missing lane heads (``AUDIT_LANES`` of them) on a database
    that can skip locked rows; a ``post_migrate`` receiver, since a flush
    empties the table.  Lane 0 keeps the single chain's row (pk 1)."""
    from django.db import connections

    if sender is not None and getattr(sender, "label", "marketplace") != "marketplace":
        return
    connection = connections[using]
    if not connection.features.has_select_for_update_skip_locked:
        return
    if AuditChainHead._meta.db_table not in connection.introspection.table_names():
        return
    missing = set(range(AUDIT_LANES)) - set(AuditChainHead.objects.using(using).values_list("lane", flat=True))
    AuditChainHead.objects.using(using).bulk_create(
        [AuditChainHead(pk=lane + 1, lane=lane, last_hash=lane_genesis(lane)) for lane in sorted(missing)],
        ignore_conflicts=True,
    )


def _append(events):
    """Link, hash and write ``events`` in order at the tail of this
    transaction's lane, and move the lane's head (run inside an atomic block)."""
    head = _lock_lane_head()
    prev = head.last_hash
    for event in events:
        event.lane = head.lane
        event.prev_hash = prev
        event.hash = event.compute_hash()
        prev = event.hash
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.get_queryset()._append_rows(events)
    head.last_hash = prev
    head.last_event_id = events[-1].pk
    head.event_count += len(events)
    head.sign(current_key_id())
    head.save(update_fields=["last_hash", "last_event_id", "event_count", "key_id", "signature"])


class _Batch:
    def __init__(self, connection):
        self.connection = connection
        self.savepoints = list(connection.savepoint_ids)
        self.queued = []  # (event, None or the marker of the savepoint it was recorded in)

    def add(self, event):
        marker = None
        if self.connection.savepoint_ids != self.savepoints:
            # Recorded inside a savepoint opened within the block: if that
            # savepoint is rolled back, Django drops its on-commit callbacks,
            # and the event must go too (the flush keeps it only while its
            # marker is still in the list).
            marker = _LaneHeld(None)
            transaction.on_commit(marker)
        self.queued.append((event, marker))

    def flush(self):
        queued, self.queued = self.queued, []
        alive = {id(func) for _sids, func, _robust in self.connection.run_on_commit}
        events = [event for event, marker in queued if marker is None or id(marker) in alive]
        if events:
            _append(events)


_batch = contextvars.ContextVar("audit_batch", default=None)


@contextmanager
def batched():
    """Collect the events recorded in the block and write them at its end in
    one multi-row INSERT and one head update, in order, with the hashes they
    would have had one by one; the block is atomic (a savepoint in the
    caller's transaction), so its work and its events commit or vanish
    together.  ``record_event`` returns the event unsaved until the end of
    the block.  An event recorded inside a savepoint within the block that
    is rolled back is not written.  A nested ``batched()`` joins the outer
    one."""
    if _batch.get() is not None:
        yield
        return
    with transaction.atomic():
        batch = _Batch(transaction.get_connection())
        token = _batch.set(batch)
        try:
            yield
            batch.flush()
        finally:
            _batch.reset(token)


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
    # every non-empty lane's tail: [{"lane", "last_event_id", "last_hash", "event_count"}, …]
    lanes: list = field(default_factory=list)


@dataclass
class Anchor:
    """A lane's head the chain must contain: where it came from, the newest
    event of the lane then, its hash and the number of the lane's events up
    to it (format 1 heads name lane 0, the single chain)."""

    source: str
    last_event_id: int | None
    last_hash: str
    event_count: int
    matched: bool = field(default=False)
    lane: int = 0


@dataclass
class PublishedHead:
    """A published head read from its file: its totals (for messages) and
    one ``Anchor`` per lane it names."""

    source: str
    last_event_id: int | None
    last_hash: str
    event_count: int
    anchors: list

    def lane_ends(self):
        """``{lane: newest event id}`` of the lanes it names."""
        return {anchor.lane: anchor.last_event_id for anchor in self.anchors if anchor.last_event_id is not None}


def _lane_anchors(source, lanes):
    return [
        Anchor(
            f"{source}, lane {item['lane']}",
            item["last_event_id"],
            item["last_hash"],
            item["event_count"],
            lane=item["lane"],
        )
        for item in lanes
    ]


def _anchors_of(head, source):
    """The per-lane anchors of a published head (a model or a file's dict)."""
    get = head.get if isinstance(head, dict) else lambda name: getattr(head, name, None)
    if get("lanes") is None:  # format 1: the single chain, lane 0
        return [Anchor(source, get("last_event_id"), get("last_hash"), get("event_count"))]
    return _lane_anchors(source, get("lanes"))


def _flatten(anchors):
    for anchor in anchors:
        if isinstance(anchor, PublishedHead):
            yield from anchor.anchors
        else:
            yield anchor


class _Walk:
    """The walk along the log in id order, event after event, shared by the
    check of the database (``verify_chain``) and of an exported copy
    (``verify_export``).  One pass keeps, per lane, the hash the next event
    must link to and the count so far: within a lane, id order is chain order
    (the lane's head is locked from before an event's id is drawn until its
    transaction commits).  Checked per event: the link, the algorithm order,
    its hash (``recompute``) and the anchors met on the way."""

    def __init__(self, anchors, *, recompute=True):
        self.anchors = list(_flatten(anchors))
        self.recompute = recompute
        self.expected = {}  # lane -> the hash its next event must link to
        self.counts = {}  # lane -> events checked
        self.last = {}  # lane -> newest event id checked
        self.checked = 0
        self.recomputed = 0
        self.keyed_seen = False
        self.last_id = None
        self.pending = {}
        for anchor in self.anchors:
            if anchor.event_count == 0:
                anchor.matched = anchor.last_event_id is None and anchor.last_hash == lane_genesis(anchor.lane)
            else:
                self.pending.setdefault(anchor.last_event_id, []).append(anchor)

    def expected_prev(self, lane):
        return self.expected.get(lane, lane_genesis(lane))

    def broken(self, event_id, problem):
        return ChainReport(False, self.checked, event_id, problem, self.last_id, self.expected_prev(0))

    def step(self, event):
        """Check one event; a ``ChainReport`` if it breaks the chain, else None."""
        lane = event.lane
        if not isinstance(lane, int) or not 0 <= lane < AUDIT_LANES:
            return self.broken(event.pk, f"unknown lane {lane!r}: the row was altered")
        if event.prev_hash != self.expected_prev(lane):
            return self.broken(
                event.pk,
                f"previous-hash mismatch in lane {lane}: an event before it was removed, inserted or altered",
            )
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
        self.expected[lane] = event.hash
        self.counts[lane] = self.counts.get(lane, 0) + 1
        self.last[lane] = event.pk
        self.checked += 1
        self.last_id = event.pk
        for anchor in self.pending.pop(event.pk, ()):
            if anchor.lane != lane or anchor.last_hash != event.hash or anchor.event_count != self.counts[lane]:
                return self.broken(
                    event.pk,
                    f"the chain does not match the {anchor.source} (event {anchor.last_event_id}: published "
                    f"{anchor.event_count} events, hash {anchor.last_hash[:16]}…; found {self.counts[lane]} events "
                    f"in lane {lane}, hash {event.hash[:16]}…): history before it was rewritten or events were removed",
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

    def lanes(self):
        return [
            {"lane": lane, "last_event_id": self.last[lane], "last_hash": self.expected[lane], "event_count": count}
            for lane, count in sorted(self.counts.items())
        ]

    def report(self):
        return ChainReport(
            True,
            self.checked,
            None,
            "" if self.checked else "empty log",
            self.last_id,
            self.expected_prev(0),
            anchors_checked=len(self.anchors),
            recomputed=self.recomputed,
            lanes=self.lanes(),
        )


def verify_chain(batch_size=2000, *, anchors=()):
    """Walk the log from the first event in one pass (linear in its size);
    report the first broken link.

    The lane heads are read first and, in each lane, only events up to its
    head are walked, so events appended while the check runs are not
    mistaken for a broken tail (they are checked the next time).  Each
    event's hash is re-made with the algorithm and key it names; a plain
    SHA-256 event after a keyed one is refused (a downgrade to re-hash
    without the key); each lane head's signature and event count must match
    the walk.  ``anchors`` (published heads, from files; the signed rows of
    ``AuditHeadPublication`` are always added) must each be found in the
    chain with the same hash and the same number of events in their lane
    before them."""
    heads = {head.lane: head for head in AuditChainHead.objects.order_by("lane")}
    anchors = list(anchors)
    for publication in AuditHeadPublication.objects.order_by("day"):
        message = head_document_message(head_document_body(publication))
        if not hmac_matches(publication.key_id, message, publication.signature):
            return ChainReport(
                False, 0, publication.last_event_id, f"the published head of {publication.day} has an invalid signature"
            )
        anchors.extend(_anchors_of(publication, f"published head of {publication.day}"))
    walk = _Walk(anchors)
    ends = {lane: head.last_event_id for lane, head in heads.items()}
    top = max((end for end in ends.values() if end is not None), default=None)
    events = AuditEvent.objects.order_by("id")
    if top is not None:
        events = events.filter(id__lte=top)
    elif heads:
        events = events.none()
    for event in events.iterator(chunk_size=batch_size):
        if event.lane not in heads:
            return walk.broken(event.pk, f"lane {event.lane} has no chain head: its head was removed")
        end = ends[event.lane]
        if end is None or event.pk > end:
            continue  # appended to its lane after the heads were read
        if (report := walk.step(event)) is not None:
            return report
    for lane, head in heads.items():
        if head.last_hash != walk.expected_prev(lane):
            return walk.broken(
                head.last_event_id,
                f"the newest events of lane {lane} were removed: its chain head does not match its last event",
            )
        found = walk.counts.get(lane, 0)
        if found or head.event_count:
            if not head.signature_is_valid():
                return walk.broken(
                    head.last_event_id,
                    f"the chain head of lane {lane} has no valid signature: it was rewritten without the audit key",
                )
            if head.event_count != found:
                return walk.broken(
                    head.last_event_id,
                    f"the chain head of lane {lane} counts {head.event_count} events but {found} were found: "
                    "events were removed",
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
#: Written since the lanes (issue 18); an older export has no lane: all lane 0.
EXPORT_OPTIONAL_FIELDS = ("lane",)


def export_line(event):
    """One event as a line of the export (JSON, no newline inside)."""
    created = event.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    row = {name: getattr(event, name) for name in EXPORT_FIELDS if name not in ("id", "created_at")}
    row.update(id=event.pk, created_at=created, lane=event.lane)
    return json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def export_events(*, up_to=None, batch_size=2000):
    """The lines of an export of the log, oldest first (id order): every
    event up to ``up_to``, an event id, or ``{lane: event id}`` (a published
    head's lanes, ``PublishedHead.lane_ends()``), or to each lane's head read
    now."""
    if up_to is None:
        up_to = {
            head.lane: head.last_event_id
            for head in AuditChainHead.objects.exclude(last_event_id=None).order_by("lane")
        }
    if isinstance(up_to, dict):
        ends = up_to
        top = max(ends.values(), default=None)
    else:
        ends, top = None, up_to
    if top is None:
        return
    events = AuditEvent.objects.filter(id__lte=top).order_by("id")
    for event in events.iterator(chunk_size=batch_size):
        if ends is None or event.pk <= ends.get(event.lane, -1):
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
        if not isinstance(row.setdefault("lane", 0), int) or isinstance(row["lane"], bool):
            raise ValueError
    except (ValueError, TypeError):
        raise ExportFileError(f"line {number} is not an exported audit event") from None
    return AuditEvent(
        id=row["id"],
        created_at=created,
        lane=row["lane"],
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
        lanes = report.lanes
        publication = AuditHeadPublication(
            day=day,
            last_event_id=max((lane["last_event_id"] for lane in lanes), default=None),
            last_hash=lanes_digest(lanes),
            event_count=report.checked,
            published_at=now,
            lanes=lanes,
        )
        publication.sign(current_key_id())
        with transaction.atomic():
            if AuditHeadPublication.objects.filter(day=day).exists():  # published meanwhile
                publication = AuditHeadPublication.objects.get(day=day)
                created = False
            else:
                publication.save()
    return publication, write_head_file(publication, directory), created


def _valid_lane_heads(lanes):
    def valid(item):
        return (
            isinstance(item, dict)
            and set(item) == {"lane", "last_event_id", "last_hash", "event_count"}
            and type(item["lane"]) is int
            and 0 <= item["lane"] < AUDIT_LANES
            and type(item["last_event_id"]) is int
            and isinstance(item["last_hash"], str)
            and type(item["event_count"]) is int
            and item["event_count"] > 0
        )

    return (
        isinstance(lanes, list)
        and all(valid(item) for item in lanes)
        and len({item["lane"] for item in lanes}) == len(lanes)
    )


def load_head_file(path, *, check_signature=True):
    """Read a published head file (format 1, one chain, or 2, every lane's
    head) and check its signature.  Returns a ``PublishedHead``; raises
    ``HeadFileError`` with a message for people.  ``check_signature=False``
    (for whoever does not hold the audit key: the signature is an HMAC)
    reads the head without checking it; a format 2 head's totals must still
    agree with its lanes."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise HeadFileError(f"cannot read the published head file {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise HeadFileError(f"{path} is not a published audit head (not JSON)") from None
    wanted = ("format", "day", "last_event_id", "last_hash", "event_count", "published_at", "key_id", "signature")
    if not isinstance(data, dict) or data.get("format") not in HEAD_FILE_FORMATS or any(k not in data for k in wanted):
        raise HeadFileError(
            f"{path} is not a published audit head (format {HEAD_FILE_FORMAT} or {HEAD_FILE_FORMAT_V1} expected)"
        )
    if (
        not isinstance(data["event_count"], int)
        or not (data["last_event_id"] is None or isinstance(data["last_event_id"], int))
        or not isinstance(data["last_hash"], str)
    ):
        raise HeadFileError(f"{path} is not a published audit head (malformed fields)")
    if data["format"] == HEAD_FILE_FORMAT_V1:
        data.pop("lanes", None)
    else:
        lanes = data.get("lanes")
        if not _valid_lane_heads(lanes):
            raise HeadFileError(f"{path} is not a published audit head (malformed lanes)")
    body = head_document_body(data)
    if check_signature and not hmac_matches(str(data["key_id"]), head_document_message(body), data["signature"]):
        raise HeadFileError(
            f"the signature of the published head {path} is not valid: the file was altered, or it was signed "
            f"with audit key id {data['key_id']!r}, which is not configured here"
        )
    if data["format"] == HEAD_FILE_FORMAT:
        lanes = data["lanes"]
        if (
            data["event_count"] != sum(item["event_count"] for item in lanes)
            or data["last_event_id"] != max((item["last_event_id"] for item in lanes), default=None)
            or data["last_hash"] != lanes_digest(lanes)
        ):
            raise HeadFileError(f"{path} is not a published audit head (its totals do not match its lanes)")
    try:
        day = datetime.date.fromisoformat(str(data["day"]))
    except ValueError:
        raise HeadFileError(f"{path} is not a published audit head (bad day)") from None
    source = f"published head of {day} ({Path(path).name})"
    return PublishedHead(
        source, data["last_event_id"], data["last_hash"], data["event_count"], _anchors_of(data, source)
    )
