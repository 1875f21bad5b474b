"""The demo data for tests, loaded once per test process and copied in for every later test.

`load_demo()` makes its patients, histories, sessions and ledger through the services, which
takes some 11 s of CPU on SQLite and more on PostgreSQL; a dozen test modules start from it.
`load_demo_once()` runs the real `load_demo()` the first time in a process and keeps a copy of
every row it added. A later call on a database in the same state as before that first load
(every table holds as many rows as it did then; the tables the demo fills are empty) inserts
those rows again, unchanged, and returns the same result. On any other database, or once the
clinics' dates have moved on (the demo's records are placed relative to today), it runs
`load_demo()` itself.

The copy is also the test run's: the first process to load writes it to the run's folder
(`testing.migrated.run_folder()`), and a process with no copy of its own yet takes that one
when its database is in the state the first load started from (the same row counts, and the
same rows in every table that had any: each worker's test database is a copy of the run's
migrated template). So a run loads the demo once, not once per test process.

The rows are copied as stored: PostgreSQL through COPY, SQLite through each value's own
storage class (no Python conversion on the way). Foreign keys are deferred to the commit on
both engines, so the tables go in any order; the append-only guards refuse updates and
deletes, not inserts.
"""

from __future__ import annotations

import copy
import os
import pickle
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from ketamine_care.demo.data import DEMO_TIME_ZONE, OTHER_TIME_ZONE, load_demo


@dataclass
class _Snapshot:
    key: tuple
    counts: dict[str, int]  # every table's rows before the first load
    rows: dict[str, object]  # table -> its added rows (COPY text or value tuples)
    result: dict


_snapshot: _Snapshot | None = None


def load_demo_once() -> dict:
    """What `load_demo()` gives on this database, from the process's copy when it can."""
    global _snapshot
    key = _key()
    tables = _tables()
    counts = _counts(tables)
    if _snapshot is not None and _snapshot.key == key:
        if _snapshot.counts != counts:
            return load_demo()  # not the database the copy was made on
        _restore(_snapshot)
        return copy.deepcopy(_snapshot.result)
    kept = {t: _read(t) for t in tables if counts[t]}
    shared = _run_copy(key, counts, kept)
    if shared is not None:
        _snapshot = shared
        _restore(shared)
        return copy.deepcopy(shared.result)
    result = load_demo()
    after = _counts(tables)
    added = [t for t in tables if after[t] != counts[t]]
    if any(counts[t] for t in added) or any(_read(t) != rows for t, rows in kept.items()):
        return result  # the load changed rows that were there before: nothing to copy
    _snapshot = _Snapshot(key, counts, {t: _read(t) for t in added}, copy.deepcopy(result))
    _share(_snapshot, kept)
    return result


def _shared_path() -> Path | None:
    """Where the run's processes share the copy; None outside a test run."""
    from ketamine_care.testing.migrated import RUN_FOLDER_VARIABLE

    folder = os.environ.get(RUN_FOLDER_VARIABLE)
    return Path(folder) / f"demo-snapshot-{connection.vendor}.pickle" if folder else None


def _share(snapshot: _Snapshot, kept: dict) -> None:
    """Writes the copy for the run's other processes (the first one written stays)."""
    path = _shared_path()
    if path is None or path.exists():
        return
    partial = path.with_suffix(f".{os.getpid()}")
    partial.write_bytes(pickle.dumps((snapshot.key[0], snapshot.key[2], kept, snapshot)))
    os.replace(partial, path)


def _run_copy(key: tuple, counts: dict[str, int], kept: dict) -> _Snapshot | None:
    """The run's copy, for this database (`key`), when it is in the state the copy's load
    started from: the same counts and, in every table that had rows, the same rows."""
    path = _shared_path()
    if path is None or not path.exists():
        return None
    vendor, dates, their_kept, snapshot = pickle.loads(path.read_bytes())
    if (vendor, dates) != (key[0], key[2]) or snapshot.counts != counts or their_kept != kept:
        return None
    snapshot.key = key  # from here on, this process's copy
    return snapshot


def _key() -> tuple:
    """The database, and the demo clinics' dates: a copy from another day is not today's."""
    now = timezone.now()
    dates = tuple(
        now.astimezone(zoneinfo.ZoneInfo(z)).date() for z in (DEMO_TIME_ZONE, OTHER_TIME_ZONE)
    )
    return (connection.vendor, connection.settings_dict["NAME"], dates)


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names(include_views=False))


def _counts(tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    select = ", ".join(f"(SELECT count(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _read(table: str):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as out:
                return b"".join(bytes(block) for block in out)
        # Stored columns only (a generated column is computed again); likely(x) is x itself,
        # but as an expression it has no declared type, so the driver's converters (dates,
        # booleans) leave the stored value as it is.
        cursor.execute(f"PRAGMA table_xinfo({quote(table)})")
        columns = [quote(row[1]) for row in cursor.fetchall() if row[-1] == 0]
        values = ", ".join(f"likely({c})" for c in columns)
        cursor.execute(f"SELECT {values} FROM {quote(table)} ORDER BY rowid")
        return (columns, cursor.fetchall())


def _restore(snapshot: _Snapshot) -> None:
    quote = connection.ops.quote_name
    # One transaction: the foreign keys are checked when it commits, with every row in.
    with transaction.atomic(), connection.cursor() as cursor:
        _user_triggers(cursor, snapshot, "DISABLE")
        for table, rows in snapshot.rows.items():
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as into:
                    into.write(rows)
                continue
            columns, values = rows
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({', '.join(columns)}) VALUES ({marks})", values
            )
        _user_triggers(cursor, snapshot, "ENABLE")
        if connection.vendor == "postgresql":
            for statement in connection.ops.sequence_reset_sql(no_style(), _models(snapshot)):
                cursor.execute(statement)


def _user_triggers(cursor, snapshot: _Snapshot, switch: str) -> None:
    """PostgreSQL: the copied rows already hold what the tables' own triggers wrote during the
    load (e.g. the search names a patient's insert adds), so those triggers stay off while the
    rows go in, within the transaction. Foreign-key checks are system triggers: they stay on."""
    if connection.vendor != "postgresql":
        return
    if switch == "ENABLE":
        # Every row is in: check the deferred foreign keys now, as ALTER TABLE waits for none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    quote = connection.ops.quote_name
    for table in snapshot.rows:
        cursor.execute(f"ALTER TABLE {quote(table)} {switch} TRIGGER USER")
    if switch == "ENABLE":
        # Back to how Django declares its foreign keys (DEFERRABLE INITIALLY DEFERRED; the
        # project declares no other deferrable constraint) for the rest of the transaction.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _models(snapshot: _Snapshot) -> list:
    from django.apps import apps

    return [m for m in apps.get_models() if m._meta.db_table in snapshot.rows]
