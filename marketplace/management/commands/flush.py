"""Django's ``flush``, able to empty the append-only audit tables on SQLite.

The SQLite triggers (marketplace.core.audit_guard) refuse every DELETE on the
audit tables, and SQLite's flush is a DELETE per table; the test runner
flushes after every transactional test.  Flushing wipes the whole database
on purpose, so the triggers are lifted for it and put back.  (PostgreSQL's
flush is a TRUNCATE, which its row triggers do not see.)
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from marketplace.core.audit_guard import sqlite_guard_lifted


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with sqlite_guard_lifted(connection):
            return super().handle(**options)
