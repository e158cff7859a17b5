import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from marketplace.core.audit import record_event, verify_chain
from marketplace.core.audit_guard import sqlite_guard_lifted
from marketplace.core.models.audit import GENESIS_HASH, AuditLogAppendOnlyError
from marketplace.models import AuditChainHead, AuditEvent
from tests.fsm_app.models import Gadget

TABLE = AuditEvent._meta.db_table


def _raw(sql, params=()):
    """Write to the table behind the code's back, as a DBA could."""
    if connection.vendor == "sqlite":
        # Whoever can write the database file can drop the triggers.
        with sqlite_guard_lifted(connection), connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch user triggers off for a transaction.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.django_db
def test_events_form_a_hash_chain(make_user):
    user = make_user()
    start = AuditChainHead.objects.get(pk=1)  # creating the account is an event too
    assert AuditEvent.objects.order_by("id").first().prev_hash == GENESIS_HASH
    first = record_event("test.one", actor=user, object_type="x.y", object_id="1", details={"amount": "12.50"})
    second = record_event("test.two", object_type="x.y", object_id="1", from_state="a", to_state="b")
    assert first.prev_hash == start.last_hash
    assert second.prev_hash == first.hash
    assert first.actor_label == user.public_label
    assert len(first.hash) == 64 and first.hash == first.compute_hash()
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_hash == second.hash and head.event_count == start.event_count + 2
    report = verify_chain()
    assert report.ok and report.checked == start.event_count + 2


@pytest.mark.django_db
def test_code_refuses_to_update_or_delete_events():
    event = record_event("test.one")
    event.reason = "rewritten"
    with pytest.raises(AuditLogAppendOnlyError):
        event.save()
    with pytest.raises(AuditLogAppendOnlyError):
        event.delete()
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
def test_database_refuses_raw_update_and_delete():
    # PostgreSQL: trigger from migration 0002; SQLite: triggers from 0010.
    event = record_event("test.one")
    for sql in (f"UPDATE {TABLE} SET reason = 'x' WHERE id = %s", f"DELETE FROM {TABLE} WHERE id = %s"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])


@pytest.mark.django_db
def test_tampered_row_is_found_and_named():
    events = [record_event(f"test.{i}", reason=f"r{i}") for i in range(5)]
    call_command("verify_audit_chain")  # intact
    _raw(f"UPDATE {TABLE} SET reason = 'forged' WHERE id = %s", [events[2].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_event_id == events[2].pk
    assert report.checked == 2
    with pytest.raises(CommandError, match=f"event {events[2].pk}"):
        call_command("verify_audit_chain")


@pytest.mark.django_db
def test_removed_event_breaks_the_next_link():
    events = [record_event(f"test.{i}") for i in range(4)]
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])
    report = verify_chain()
    assert not report.ok and report.broken_event_id == events[2].pk
    assert "previous-hash" in report.problem


@pytest.mark.django_db
def test_removed_tail_is_detected_by_the_head():
    events = [record_event(f"test.{i}") for i in range(3)]
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[-1].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_event_id == events[-1].pk
    assert "newest" in report.problem


@pytest.mark.django_db
def test_fsm_transitions_write_audit_events(make_user):
    user = make_user("procurement_officer")
    gadget = Gadget.objects.create()
    with transaction.atomic():
        gadget.submit(by=user, reason="ready")
        gadget.save()
    event = AuditEvent.objects.get(action="gadget.submit")
    assert (event.from_state, event.to_state) == ("draft", "submitted")
    assert event.actor == user and event.reason == "ready"
    assert (event.object_type, event.object_id) == ("fsm_app.gadget", str(gadget.pk))
    gadget.approve()
    assert AuditEvent.objects.filter(action="gadget.approve", actor=None).count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_fsm_state_cannot_be_assigned_directly():
    gadget = Gadget.objects.create()
    with pytest.raises(AttributeError):
        gadget.state = "approved"


@pytest.mark.django_db
def test_event_vanishes_with_a_rolled_back_transaction():
    record_event("test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event("test.lost")
        raise RuntimeError
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.kept"]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers differently")
    errors = []

    def write(n):
        try:
            for i in range(10):
                record_event(f"test.t{n}.{i}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain()
    assert report.ok and report.checked == 40


@pytest.mark.django_db
def test_floats_are_refused_in_details():
    with pytest.raises(TypeError, match="float"):
        record_event("test.money", details={"amount": 12.5})
    with pytest.raises(TypeError):
        record_event("test.money", details={"rows": [{"amount": 1e16}]})
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_base_manager_refuses_changes_too():
    record_event("test.one")
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent._base_manager.all().delete()
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent._base_manager.all().update(reason="x")


@pytest.mark.django_db
def test_events_appended_after_the_head_was_read_are_not_a_broken_tail(monkeypatch):
    from marketplace.core import audit as audit_service

    record_event("test.one")
    real_order_by = AuditChainHead.objects.order_by

    def heads_then_append(*args):
        heads = list(real_order_by(*args))
        record_event("test.meanwhile")  # another service commits while the check runs
        return heads

    monkeypatch.setattr(audit_service.AuditChainHead.objects, "order_by", heads_then_append)
    report = verify_chain()
    assert report.ok and report.checked == 1
    monkeypatch.undo()
    assert verify_chain().checked == 2


@pytest.mark.django_db(transaction=True)
def test_transition_outside_a_transaction_is_refused():
    gadget = Gadget.objects.create()
    with pytest.raises(RuntimeError, match="transaction"):
        gadget.submit()
    assert not AuditEvent.objects.filter(action="gadget.submit").exists()


@pytest.mark.django_db
def test_a_self_signed_up_phone_number_never_enters_the_chain(make_user):
    """The chain is kept for ever: an account whose user name is its mobile
    number is labelled masked."""
    user = make_user(username="13912345678", phone="13912345678", email="")
    event = record_event("test.phone", actor=user, object_type="x.y", object_id="1")
    assert "13912345678" not in event.actor_label
    assert event.actor_label == "139****5678"
