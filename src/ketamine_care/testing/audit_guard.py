"""Lift and restore the append-only guards (audit trail, controlled-substance ledger) around
a test database flush.

Transactional tests (browser tests against a live server) end with a flush that empties every
table; the append-only triggers rightly refuse that. The SQL comes from the migration that
creates the guard, so tests restore exactly what production has.
"""

from __future__ import annotations

import importlib

from django.db import connection

# Every append-only guard: the audit trail and the controlled-substance ledger.
_migrations = [
    importlib.import_module("ketamine_care.audit.migrations.0002_append_only_triggers"),
    importlib.import_module("ketamine_care.inventory.migrations.0002_append_only_triggers"),
]


def lift() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Superuser-only: ordinary triggers do not fire in replica mode.
            cursor.execute("SET session_replication_role = replica")
        else:
            for migration in _migrations:
                for statement in migration.SQLITE_REVERSE:
                    cursor.execute(statement)


def restore() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            for migration in _migrations:
                for statement in migration.SQLITE_REVERSE + migration.SQLITE_FORWARD:
                    cursor.execute(statement)
