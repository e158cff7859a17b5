"""Database triggers that keep the audit tables append-only.

PostgreSQL: migration 0002 creates ``marketplace_audit_append_only()`` and a
trigger on the events; migration 0010 adds one on the published heads.
SQLite (the embedded default): migration 0010 adds BEFORE UPDATE / BEFORE
DELETE triggers on both tables that abort the statement.

The code refuses changes too (``AuditLogAppendOnlyError``); the triggers stop
raw SQL from the application's own connection.  They are no defence against
someone who owns the database (a PostgreSQL superuser can switch triggers
off, anyone who can write the SQLite file can drop them): against them the
keyed hashes and the published daily head are what count.

SQLite drops a table's triggers when a migration rebuilds the table (how it
alters columns), so ``ensure_sqlite_guard`` runs after every ``migrate`` and
puts back any that are missing.  ``sqlite_guard_lifted`` is for the one
operation that must empty the tables, ``manage.py flush`` (see
marketplace/management/commands/flush.py); PostgreSQL's flush is a TRUNCATE,
which row triggers do not see.
"""

from contextlib import contextmanager

GUARDED_TABLES = {
    "marketplace_auditevent": "audit events are append-only",
    "marketplace_auditheadpublication": "published audit heads are append-only",
}


def _sqlite_triggers():
    for table, message in GUARDED_TABLES.items():
        for operation in ("UPDATE", "DELETE"):
            name = f"{table}_append_only_{operation.lower()}"
            yield (
                table,
                name,
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}: {operation} refused'); END",
            )


PG_HEAD_GUARD_SQL = """
CREATE TRIGGER marketplace_auditheadpublication_append_only
    BEFORE UPDATE OR DELETE ON marketplace_auditheadpublication
    FOR EACH ROW EXECUTE FUNCTION marketplace_audit_append_only();
"""
PG_DROP_HEAD_GUARD_SQL = """
DROP TRIGGER IF EXISTS marketplace_auditheadpublication_append_only ON marketplace_auditheadpublication;
"""


def _existing_tables(connection):
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def install_sqlite_guard(connection):
    if connection.vendor != "sqlite":
        return
    tables = _existing_tables(connection)
    with connection.cursor() as cursor:
        for table, _name, sql in _sqlite_triggers():
            if table in tables:
                cursor.execute(sql)


def remove_sqlite_guard(connection):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for _table, name, _sql in _sqlite_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_guard_installed(connection):
    if connection.vendor != "sqlite":
        return False
    names = {name for _table, name, _sql in _sqlite_triggers()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return names <= {row[0] for row in cursor.fetchall()}


def ensure_sqlite_guard(sender=None, using="default", **kwargs):
    """post_migrate receiver: put back triggers a table rebuild removed."""
    from django.db import connections

    install_sqlite_guard(connections[using])


@contextmanager
def sqlite_guard_lifted(connection):
    """Lift the SQLite triggers for a whole-database wipe, then restore them."""
    remove_sqlite_guard(connection)
    try:
        yield
    finally:
        install_sqlite_guard(connection)
