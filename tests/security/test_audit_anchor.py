"""Finding 5 (issue 12), from the attacker's side: someone with write access
to the database (not to the servers' environment) rewrites the audit chain
and recomputes the hashes, as the probe did on a copy of the database.

Today's main re-hashed the chain with plain SHA-256, so every one of these
attacks left ``verify_audit_chain`` saying "intact".  Now each event is
HMAC-keyed, the chain head is signed and a signed head is published daily:
every attack below must be reported, with a non-zero exit and a message.
"""

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from marketplace.core.audit import publish_head, record_event, verify_chain
from marketplace.core.audit_guard import sqlite_guard_lifted
from marketplace.core.models.audit import GENESIS_HASH, HASH_KEYED, HASH_PLAIN, lanes_digest
from marketplace.models import AuditChainHead, AuditEvent, AuditHeadPublication

ROOT = Path(__file__).resolve().parents[2]
EVENTS = AuditEvent._meta.db_table
HEADS = AuditHeadPublication._meta.db_table


# --- the attacker's tools: raw SQL and querysets that bypass the model's guards --------


def _as_dba(sql, params=()):
    """Raw SQL as the database's owner, who can switch the triggers off."""
    if connection.vendor == "sqlite":
        with sqlite_guard_lifted(connection), connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _plain_hash(row):
    """The hash the old code made (plain SHA-256 over the canonical payload)."""
    row.hash_algorithm = HASH_PLAIN
    row.key_id = ""
    return hashlib.sha256(row.canonical_payload().encode("utf-8")).hexdigest()


def _rehash_from(first_id, *, algorithm_column=True):
    """Recompute every hash from ``first_id`` on as the probe did (plain
    SHA-256, the only hash one can make without the key), then move the chain
    head (a plain table) to match: the old check then said "intact"."""
    prev = AuditEvent.objects.filter(id__lt=first_id).order_by("-id").values_list("hash", flat=True).first()
    prev = prev or GENESIS_HASH
    rows = list(AuditEvent.objects.filter(id__gte=first_id).order_by("id"))
    for row in rows:
        row.prev_hash = prev
        row.hash = _plain_hash(row)
        columns = "prev_hash = %s, hash = %s" + (", hash_algorithm = %s, key_id = ''" if algorithm_column else "")
        params = [row.prev_hash, row.hash] + ([HASH_PLAIN] if algorithm_column else [])
        # A temporary value first: the hashes are unique, rows are rewritten in order.
        _as_dba(f"UPDATE {EVENTS} SET hash = %s WHERE id = %s", [f"tmp{row.pk}", row.pk])
        _as_dba(f"UPDATE {EVENTS} SET {columns} WHERE id = %s", [*params, row.pk])
        prev = row.hash
    last = AuditEvent.objects.order_by("-id").first()
    AuditChainHead.objects.filter(pk=1).update(
        last_hash=prev, last_event_id=last.pk if last else None, event_count=AuditEvent.objects.count()
    )


def _chain_with_a_disqualification():
    events = [record_event("bid.submit", object_type="marketplace.bid", object_id="7", to_state="submitted")]
    events.append(
        record_event(
            "bid.disqualify",
            object_type="marketplace.bid",
            object_id="7",
            from_state="submitted",
            to_state="disqualified",
            reason="没有提交资质证明",
        )
    )
    events += [record_event(f"project.step{i}", object_type="marketplace.project", object_id="3") for i in range(3)]
    return events


def _verify_fails(*args, match=None):
    with pytest.raises(CommandError, match=match or "BROKEN|REFUSED"):
        call_command("verify_audit_chain", *args)


# --- the probe's attacks -----------------------------------------------------------------


@pytest.mark.django_db
def test_disqualification_turned_into_qualification_and_rehashed_is_detected(tmp_path):
    events = _chain_with_a_disqualification()
    _publication, published, _created = publish_head(directory=tmp_path)
    call_command("verify_audit_chain", "--against", str(published))  # intact before the attack
    target = events[1]
    _as_dba(f"UPDATE {EVENTS} SET to_state = 'qualified', reason = '' WHERE id = %s", [target.pk])
    _rehash_from(target.pk)

    report = verify_chain()
    assert not report.ok
    assert report.broken_event_id == target.pk  # a plain hash after keyed ones
    assert "without the audit key" in report.problem
    _verify_fails(match=f"event {target.pk}")
    _verify_fails("--against", str(published))


@pytest.mark.django_db
def test_rehashing_the_whole_chain_without_the_key_is_detected():
    """Downgrade every event to plain SHA-256 and move the head: only the
    head's keyed signature can tell, and it does."""
    events = _chain_with_a_disqualification()
    _as_dba(f"UPDATE {EVENTS} SET to_state = 'qualified' WHERE id = %s", [events[1].pk])
    _rehash_from(events[0].pk)
    report = verify_chain()
    assert not report.ok
    assert "signature" in report.problem
    _verify_fails(match="signature")


@pytest.mark.django_db
def test_keeping_the_keyed_label_but_plain_hash_is_detected():
    events = _chain_with_a_disqualification()
    _as_dba(f"UPDATE {EVENTS} SET to_state = 'qualified' WHERE id = %s", [events[1].pk])
    # Recompute the later links, leaving hash_algorithm as it was.
    _rehash_from(events[1].pk, algorithm_column=False)
    report = verify_chain()
    assert not report.ok and report.broken_event_id == events[1].pk
    assert "content does not match" in report.problem


@pytest.mark.django_db
def test_deleted_event_with_recomputed_chain_is_detected(tmp_path):
    events = _chain_with_a_disqualification()
    _publication, published, _created = publish_head(directory=tmp_path)
    _as_dba(f"DELETE FROM {EVENTS} WHERE id = %s", [events[1].pk])
    _rehash_from(events[2].pk)
    assert not verify_chain().ok
    _verify_fails()
    _verify_fails("--against", str(published))


@pytest.mark.django_db
def test_truncation_after_a_published_head_is_caught_by_the_file(tmp_path):
    """The attacker cuts the chain back to an older state and restores the
    chain head signed back then (from a backup: a valid signature), and
    removes the head publications from the database.  The chain alone is
    then consistent; the head published outside the database is not in it."""
    events = _chain_with_a_disqualification()
    fields = ("last_hash", "last_event_id", "event_count", "key_id", "signature")
    backup = AuditChainHead.objects.values(*fields).get(lane=0)
    later = [record_event(f"award.step{i}", object_type="marketplace.project", object_id="3") for i in range(3)]
    publication, published, _created = publish_head(directory=tmp_path)
    assert publication.last_event_id == later[-1].pk and publication.event_count == len(events) + 3

    for event in later:
        _as_dba(f"DELETE FROM {EVENTS} WHERE id = %s", [event.pk])
    AuditChainHead.objects.filter(pk=1).update(**backup)
    _as_dba(f"DELETE FROM {HEADS}")

    assert verify_chain().ok  # the database alone cannot tell
    with pytest.raises(CommandError) as refused:
        call_command("verify_audit_chain", "--against", str(published))
    message = str(refused.value)
    assert f"event {later[-1].pk}" in message and "not in the chain" in message


@pytest.mark.django_db
def test_truncation_is_caught_by_the_published_rows_too(tmp_path):
    """Without the file: the signed publication rows in the database are
    anchors as well, as long as the attacker leaves them."""
    _chain_with_a_disqualification()
    fields = ("last_hash", "last_event_id", "event_count", "key_id", "signature")
    backup = AuditChainHead.objects.values(*fields).get(lane=0)
    extra = record_event("award.step")
    publish_head(directory=tmp_path)
    _as_dba(f"DELETE FROM {EVENTS} WHERE id = %s", [extra.pk])
    AuditChainHead.objects.filter(pk=1).update(**backup)
    report = verify_chain()
    assert not report.ok and "not in the chain" in report.problem
    _verify_fails(match="not in the chain")


@pytest.mark.django_db
def test_an_altered_or_foreign_head_file_is_refused(tmp_path):
    _chain_with_a_disqualification()
    _publication, published, _created = publish_head(directory=tmp_path)
    document = json.loads(published.read_text())

    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**document, "event_count": document["event_count"] - 1}))
    _verify_fails("--against", str(forged), match="signature of the published head")

    resigned = tmp_path / "resigned.json"  # "signed" by someone with another key
    body = {k: v for k, v in document.items() if k != "signature"}
    message = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    other = hmac.new(b"not-the-platform-key-" * 2, message.encode(), hashlib.sha256).hexdigest()
    resigned.write_text(json.dumps({**document, "signature": other}))
    _verify_fails("--against", str(resigned), match="signature of the published head")

    _verify_fails("--against", str(tmp_path / "missing.json"), match="cannot read")
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    _verify_fails("--against", str(junk), match="not a published audit head")


# --- the published head ----------------------------------------------------------------------


@pytest.mark.django_db
def test_publish_audit_head_writes_a_signed_file_and_a_row(tmp_path, settings):
    settings.AUDIT_HEAD_DIR = tmp_path
    _chain_with_a_disqualification()
    call_command("publish_audit_head")
    publication = AuditHeadPublication.objects.get()
    path = tmp_path / f"audit-head-{publication.day.isoformat()}.json"
    document = json.loads(path.read_text())
    assert document == json.loads((tmp_path / "latest.json").read_text())
    head = AuditChainHead.objects.get(lane=0)
    assert document["format"] == "marketplace-audit-head/2"
    assert (
        document["lanes"]
        == publication.lanes
        == [
            {
                "lane": 0,
                "last_event_id": head.last_event_id,
                "last_hash": head.last_hash,
                "event_count": head.event_count,
            }
        ]
    )
    assert document["last_hash"] == lanes_digest(document["lanes"]) == publication.last_hash
    assert document["event_count"] == head.event_count == publication.event_count
    assert document["last_event_id"] == head.last_event_id
    assert document["key_id"] == settings.AUDIT_HMAC_KEY_ID
    assert settings.AUDIT_HMAC_KEY not in path.read_text()
    # Once a day: a second run re-writes the file from the same record.
    record_event("later.event")
    call_command("publish_audit_head")
    assert AuditHeadPublication.objects.count() == 1
    assert json.loads(path.read_text()) == document
    call_command("verify_audit_chain", "--against", str(path))


@pytest.mark.django_db
def test_a_broken_chain_is_never_published(tmp_path):
    events = _chain_with_a_disqualification()
    _as_dba(f"UPDATE {EVENTS} SET to_state = 'qualified' WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match="Nothing published"):
        call_command("publish_audit_head", "--dir", str(tmp_path))
    assert not AuditHeadPublication.objects.exists()
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_the_daily_task_publishes(tmp_path, settings):
    from marketplace.tasks import publish_audit_head

    settings.AUDIT_HEAD_DIR = tmp_path
    record_event("test.one")
    result = publish_audit_head.delay().get()
    assert result["ok"] and result["events"] == AuditChainHead.objects.get(lane=0).event_count
    assert settings.CELERY_BEAT_SCHEDULE["publish-audit-head-daily"]["task"] == "marketplace.tasks.publish_audit_head"


@pytest.mark.django_db
def test_an_empty_chain_publishes_and_verifies(tmp_path):
    _publication, path, _created = publish_head(directory=tmp_path)
    assert json.loads(path.read_text())["event_count"] == AuditEvent.objects.count()
    call_command("verify_audit_chain", "--against", str(path))


# --- events written before the key (plain SHA-256) -------------------------------------------


def _legacy_chain(n):
    """Rows as main wrote them before migration 0010 (plain SHA-256), and
    the head signed by the migration."""
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    rows = []
    for i in range(n):
        row = AuditEvent(action=f"legacy.{i}", object_type="x.y", object_id=str(i), prev_hash=head.last_hash)
        row.hash = _plain_hash(row)
        row.save()
        head.last_hash, head.last_event_id, head.event_count = row.hash, row.pk, head.event_count + 1
        rows.append(row)
    from django.conf import settings

    head.sign(settings.AUDIT_HMAC_KEY_ID)
    head.save()
    return rows


@pytest.mark.django_db
def test_legacy_plain_events_verify_and_stay_one_chain():
    legacy = _legacy_chain(3)
    keyed = record_event("after.migration")
    assert keyed.prev_hash == legacy[-1].hash and keyed.hash_algorithm == HASH_KEYED
    assert [e.hash_algorithm for e in AuditEvent.objects.order_by("id")] == [HASH_PLAIN] * 3 + [HASH_KEYED]
    report = verify_chain()
    assert report.ok and report.checked == 4


@pytest.mark.django_db
def test_rewriting_the_legacy_part_is_detected_by_the_first_keyed_event():
    legacy = _legacy_chain(3)
    keyed = record_event("after.migration")
    _as_dba(f"UPDATE {EVENTS} SET to_state = 'qualified' WHERE id = %s", [legacy[1].pk])
    # Re-hash the plain part only (the attacker can), leave the keyed event.
    prev = legacy[0].hash
    for row in AuditEvent.objects.filter(id__in=[legacy[1].pk, legacy[2].pk]).order_by("id"):
        row.prev_hash = prev
        row.hash = _plain_hash(row)
        _as_dba(f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE id = %s", [row.prev_hash, row.hash, row.pk])
        prev = row.hash
    report = verify_chain()
    assert not report.ok
    assert report.broken_event_id == keyed.pk and "previous-hash" in report.problem


# --- the key ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_events_are_keyed_with_the_configured_key(settings):
    event = record_event("test.keyed")
    assert (event.hash_algorithm, event.key_id) == (HASH_KEYED, settings.AUDIT_HMAC_KEY_ID)
    assert event.hash != hashlib.sha256(event.canonical_payload().encode()).hexdigest()
    settings.AUDIT_HMAC_KEY = "another-key-" * 4  # the same id, another secret: nothing verifies
    assert not verify_chain().ok


@pytest.mark.django_db
def test_key_rotation_by_key_id(settings):
    old_key = settings.AUDIT_HMAC_KEY
    old_id = settings.AUDIT_HMAC_KEY_ID
    first = record_event("before.rotation")
    settings.AUDIT_HMAC_KEY_ID = "2027"
    settings.AUDIT_HMAC_KEY = "the-rotated-audit-key-" * 3
    settings.AUDIT_HMAC_PREVIOUS_KEYS = {old_id: old_key}
    second = record_event("after.rotation")
    assert (first.key_id, second.key_id) == (old_id, "2027")
    assert verify_chain().ok
    settings.AUDIT_HMAC_PREVIOUS_KEYS = {}
    report = verify_chain()
    assert not report.ok and old_id in report.problem and "not configured" in report.problem


def _manage(args, extra_env, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "ALLOWED_HOSTS", "AUDIT_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV_FILE": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
    "ALLOWED_HOSTS": "fuwu.example.gov.cn",
}


def test_production_without_the_audit_key_refuses_to_start(tmp_path):
    result = _manage(["check"], PRODUCTION, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "AUDIT_HMAC_KEY is not set" in result.stderr
    short = _manage(["check"], {**PRODUCTION, "AUDIT_HMAC_KEY": "short"}, tmp_path)
    assert short.returncode != 0 and "AUDIT_HMAC_KEY is too short" in short.stderr
    ok = _manage(["check"], {**PRODUCTION, "AUDIT_HMAC_KEY": "z" * 40}, tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_debug_derives_a_development_key(tmp_path):
    code = "from django.conf import settings; print(settings.AUDIT_HMAC_KEY_ID, len(settings.AUDIT_HMAC_KEY))"
    result = _manage(["shell", "-c", code], {"DJANGO_DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["dev", "64"]


# --- append-only in the database itself ------------------------------------------------------------


@pytest.mark.django_db
def test_database_triggers_refuse_update_and_delete_of_events_and_heads(tmp_path):
    """SQLite (migration 0010) as PostgreSQL (0002 and 0010)."""
    record_event("test.one")
    publication, _path, _created = publish_head(directory=tmp_path)
    event = AuditEvent.objects.get(action="test.one")
    statements = [
        (f"UPDATE {EVENTS} SET reason = 'x' WHERE id = %s", event.pk),
        (f"DELETE FROM {EVENTS} WHERE id = %s", event.pk),
        (f"UPDATE {HEADS} SET event_count = 0 WHERE id = %s", publication.pk),
        (f"DELETE FROM {HEADS} WHERE id = %s", publication.pk),
    ]
    for sql, pk in statements:
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
    assert AuditHeadPublication.objects.get().event_count == publication.event_count


@pytest.mark.django_db
def test_published_heads_refuse_changes_in_code(tmp_path):
    from marketplace.core.models.audit import AuditLogAppendOnlyError

    publication, _path, _created = publish_head(directory=tmp_path)
    publication.event_count = 0
    with pytest.raises(AuditLogAppendOnlyError):
        publication.save()
    with pytest.raises(AuditLogAppendOnlyError):
        publication.delete()
    with pytest.raises(AuditLogAppendOnlyError):
        AuditHeadPublication.objects.update(event_count=0)
    with pytest.raises(AuditLogAppendOnlyError):
        AuditHeadPublication.objects.all().delete()


@pytest.mark.django_db
def test_sqlite_triggers_come_back_after_migrate():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite drops triggers when it rebuilds a table")
    from marketplace.core.audit_guard import ensure_sqlite_guard, remove_sqlite_guard, sqlite_guard_installed

    assert sqlite_guard_installed(connection)
    remove_sqlite_guard(connection)  # as a table rebuild would
    assert not sqlite_guard_installed(connection)
    ensure_sqlite_guard(using=connection.alias)  # the post_migrate receiver
    assert sqlite_guard_installed(connection)
