"""The audit log at scale (issue 18, 4): ``audit.batched()`` writes many
events in a constant number of statements; on PostgreSQL the log is
``AUDIT_LANES`` hash chains, so unrelated transactions append side by side,
and a change to any lane is still detected."""

import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from marketplace.core import audit
from marketplace.core.audit import publish_head, record_event, verify_chain
from marketplace.core.audit_guard import sqlite_guard_lifted
from marketplace.core.models.audit import AUDIT_LANES, AuditLogAppendOnlyError, lane_genesis
from marketplace.models import AuditChainHead, AuditEvent
from tests.fsm_app.models import Gadget

TABLE = AuditEvent._meta.db_table


def _as_dba(sql, params=()):
    """Write behind the code's back, as someone who owns the database could."""
    if connection.vendor == "sqlite":
        with sqlite_guard_lifted(connection), connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("lanes need SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL); SQLite writes one lane")


# --- batched() ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_a_batch_costs_a_constant_number_of_statements(django_assert_max_num_queries, count):
    record_event("before")
    with django_assert_max_num_queries(6), audit.batched():
        # savepoint, lane head, one INSERT, head update, release (+ the lane row on a new database)
        events = [
            record_event("batch.step", object_type="x.y", object_id=str(i), details={"i": i}) for i in range(count)
        ]
        assert all(event.pk is None for event in events)  # written at the end of the block
    assert [event.pk for event in events] == sorted(event.pk for event in events)
    stored = list(AuditEvent.objects.filter(action="batch.step").order_by("id"))
    assert [event.hash for event in stored] == [event.hash for event in events]
    assert all(event.hash == event.compute_hash() for event in stored)  # what the database gives back
    report = verify_chain()
    assert report.ok and report.checked == count + 1


@pytest.mark.django_db
def test_a_batch_writes_the_hashes_one_by_one_recording_would(monkeypatch):
    moment = timezone.now()
    monkeypatch.setattr(audit.timezone, "now", lambda: moment)
    record_event("before")

    def record_all():
        return [record_event("same.step", object_type="x.y", object_id=str(i), reason=f"r{i}") for i in range(4)]

    with transaction.atomic():
        one_by_one = [(event.prev_hash, event.hash) for event in record_all()]
        transaction.set_rollback(True)
    with audit.batched():
        batch = record_all()
    assert [(event.prev_hash, event.hash) for event in batch] == one_by_one
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_batch_carries_fsm_transitions_in_order_and_vanishes_with_its_block():
    with transaction.atomic():
        gadget = Gadget.objects.create()
    with transaction.atomic(), audit.batched():
        gadget.submit()
        gadget.save()
        record_event("after.submit", obj=gadget)
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True))[-2:] == [
        "gadget.submit",
        "after.submit",
    ]
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), audit.batched():
        record_event("lost")
        raise RuntimeError
    assert AuditEvent.objects.count() == count
    assert verify_chain().ok


@pytest.mark.django_db
def test_an_event_in_a_savepoint_inside_a_batch_goes_with_the_savepoint():
    with audit.batched():
        record_event("kept.1")
        with pytest.raises(RuntimeError), transaction.atomic():
            record_event("dropped")  # its savepoint is rolled back: never written
            raise RuntimeError
        with transaction.atomic():
            record_event("kept.inner")  # its savepoint is released: written in order
        with audit.batched():  # joins the outer batch
            record_event("kept.2")
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "kept.1",
        "kept.inner",
        "kept.2",
    ]
    assert verify_chain().ok


@pytest.mark.django_db
def test_bulk_create_stays_refused():
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(action="x", prev_hash="a" * 64, hash="b" * 64)])
    assert not hasattr(AuditEvent.objects, "_append_rows")


# --- lanes (PostgreSQL) ---------------------------------------------------------------------


def _in_thread(target):
    errors = []

    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.django_db(transaction=True)
def test_two_transactions_append_at_once_without_waiting_for_each_other():
    _postgresql_only()
    assert AuditChainHead.objects.count() == AUDIT_LANES  # post_migrate made them
    first_holds = threading.Event()
    second_done = threading.Event()

    def first():
        with transaction.atomic():
            record_event("first.1")
            first_holds.set()
            # Still open: with one chain head the second writer would wait here.
            assert second_done.wait(10), "the second writer waited for the first one's lane"
            record_event("first.2")

    def second():
        assert first_holds.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            record_event("second.1")
            record_event("second.2")
        second_done.set()

    threads = [_in_thread(first), _in_thread(second)]
    for thread, _errors in threads:
        thread.join(20)
    assert [errors for _thread, errors in threads] == [[], []]
    lanes = dict(AuditEvent.objects.values_list("action", "lane"))
    # Each transaction's events are in one lane, the two lanes differ.
    assert lanes["first.1"] == lanes["first.2"] != lanes["second.1"] == lanes["second.2"]
    first_2 = AuditEvent.objects.get(action="first.2")
    assert first_2.prev_hash == AuditEvent.objects.get(action="first.1").hash
    assert AuditEvent.objects.get(action="second.1").prev_hash == lane_genesis(lanes["second.1"])
    report = verify_chain()
    assert report.ok and report.checked == 4 and len(report.lanes) == 2


@pytest.mark.django_db(transaction=True)
def test_many_writers_spread_over_lanes_and_the_log_verifies_and_exports(tmp_path, settings):
    _postgresql_only()
    settings.AUDIT_HEAD_DIR = tmp_path
    barrier = threading.Barrier(4)

    def write(n):
        def run():
            barrier.wait(10)
            for i in range(15):
                with transaction.atomic():
                    record_event(f"w{n}.{i}.a")
                    record_event(f"w{n}.{i}.b")

        return run

    threads = [_in_thread(write(n)) for n in range(4)]
    for thread, _errors in threads:
        thread.join(60)
    assert [errors for _thread, errors in threads] == [[]] * 4
    assert AuditEvent.objects.values("lane").distinct().count() >= 2
    for event in AuditEvent.objects.filter(action__endswith=".b"):  # a transaction's pair is contiguous
        partner = AuditEvent.objects.get(action=event.action[:-1] + "a")
        assert (event.lane, event.prev_hash) == (partner.lane, partner.hash)
    report = verify_chain()
    assert report.ok and report.checked == 120
    publication, head_file, _ = publish_head(directory=tmp_path)
    assert len(publication.lanes) == AuditEvent.objects.values("lane").distinct().count()
    call_command("verify_audit_chain", "--head", str(head_file))
    export = tmp_path / "export.jsonl"
    record_event("after.the.head")
    call_command("export_audit_log", "--head", str(head_file), "--output", str(export))
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 120 and {line["lane"] for line in lines} == {lane["lane"] for lane in publication.lanes}
    call_command("verify_audit_chain", "--from-file", str(export), "--head", str(head_file))
    call_command("verify_audit_chain", "--from-file", str(export), "--head", str(head_file), "--without-key")


def _two_lanes():
    """Events in lanes 0 and 1: a transaction holds lane 0 while another writes."""
    holding = threading.Event()
    done = threading.Event()

    def hold():
        with transaction.atomic():
            record_event("lane0.1")
            holding.set()
            done.wait(10)
            record_event("lane0.2")

    def other():
        holding.wait(10)
        for i in range(3):
            with transaction.atomic():
                record_event(f"lane1.{i}")
        done.set()

    threads = [_in_thread(hold), _in_thread(other)]
    for thread, _errors in threads:
        thread.join(20)
    assert [errors for _thread, errors in threads] == [[], []]
    assert set(AuditEvent.objects.values_list("lane", flat=True)) == {0, 1}
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lane", [0, 1])
def test_an_altered_or_deleted_event_in_any_lane_is_detected(lane):
    _postgresql_only()
    _two_lanes()
    middle = AuditEvent.objects.filter(lane=lane).order_by("id")[1]
    _as_dba(f"UPDATE {TABLE} SET reason = 'rewritten' WHERE id = %s", [middle.pk])
    report = verify_chain()
    assert not report.ok and report.broken_event_id == middle.pk and "altered" in report.problem
    _as_dba(f"UPDATE {TABLE} SET reason = '' WHERE id = %s", [middle.pk])
    assert verify_chain().ok
    first = AuditEvent.objects.filter(lane=lane).order_by("id").first()
    _as_dba(f"DELETE FROM {TABLE} WHERE id = %s", [first.pk])
    report = verify_chain()
    assert not report.ok and f"lane {lane}" in report.problem and report.broken_event_id == middle.pk


@pytest.mark.django_db(transaction=True)
def test_a_removed_lane_tail_is_detected_by_its_head_and_by_the_published_head(tmp_path):
    _postgresql_only()
    _two_lanes()
    head = AuditChainHead.objects.get(lane=1)
    fields = ("last_hash", "last_event_id", "event_count", "key_id", "signature")
    backup = AuditChainHead.objects.values(*fields).get(lane=1)
    tail = record_event("lane.tail")  # no other writer: lane 0
    assert tail.lane == 0
    with transaction.atomic():
        # Hold lane 0 so that the next event goes to lane 1.
        AuditChainHead.objects.select_for_update().get(lane=0)
        _thread, errors = _in_thread(lambda: record_event("lane1.tail"))
        _thread.join(20)
    assert errors == []
    tail = AuditEvent.objects.get(action="lane1.tail")
    assert tail.lane == 1 and tail.prev_hash == head.last_hash
    _publication, head_file, _ = publish_head(directory=tmp_path)

    _as_dba(f"DELETE FROM {TABLE} WHERE id = %s", [tail.pk])
    report = verify_chain()
    assert not report.ok and "newest events of lane 1 were removed" in report.problem
    # The lane's older signed head put back (a backup): it agrees with the
    # shortened lane, but the published head names the removed event.
    _as_dba(
        "UPDATE marketplace_auditchainhead SET last_hash = %s, last_event_id = %s, event_count = %s, key_id = %s, "
        "signature = %s WHERE lane = 1",
        [backup[name] for name in fields],
    )
    report = verify_chain()
    assert not report.ok and "is not in the chain" in report.problem and report.broken_event_id == tail.pk
    with pytest.raises(CommandError, match="lane 1"):
        call_command("verify_audit_chain", "--head", str(head_file))


@pytest.mark.django_db
def test_a_format_1_head_file_still_verifies(tmp_path, settings):
    """Heads published before the lanes (format 1) name the single chain, lane 0."""
    from marketplace.core.audit import load_head_file
    from marketplace.core.audit_keys import hmac_hex
    from marketplace.core.models.audit import head_document_message

    for i in range(3):
        record_event(f"old.{i}")
    head = AuditChainHead.objects.get(lane=0)
    body = {
        "format": "marketplace-audit-head/1",
        "day": "2026-11-01",
        "last_event_id": head.last_event_id,
        "last_hash": head.last_hash,
        "event_count": head.event_count,
        "published_at": "2026-11-01T16:00:00.000000+00:00",
        "key_id": settings.AUDIT_HMAC_KEY_ID,
    }
    path = tmp_path / "audit-head-2026-11-01.json"
    signature = hmac_hex(settings.AUDIT_HMAC_KEY_ID, head_document_message(body))
    path.write_text(json.dumps({**body, "signature": signature}), encoding="utf-8")
    published = load_head_file(path)
    assert [(a.lane, a.last_event_id, a.event_count) for a in published.anchors] == [
        (0, head.last_event_id, head.event_count)
    ]
    record_event("new")
    call_command("verify_audit_chain", "--head", str(path))
    export = tmp_path / "export.jsonl"
    call_command("export_audit_log", "--head", str(path), "--output", str(export))
    # An export written before the lanes has no "lane": read as lane 0.
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    export.write_text("".join(json.dumps({k: v for k, v in line.items() if k != "lane"}) + "\n" for line in lines))
    call_command("verify_audit_chain", "--from-file", str(export), "--head", str(path))
