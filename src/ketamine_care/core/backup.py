"""Backups that restore: `ketamine-care backup PATH` and `ketamine-care restore PATH`.

A backup is a folder:
- `database.dump` (PostgreSQL: `pg_dump` custom format) or `database.sqlite3` (SQLite: the
  online backup API, a consistent copy of a live database);
- `manifest.json`: the engine, when, the applied migrations, the SHA-256 of the database file,
  and every table's row count and content checksum.

The checksums are taken from the same snapshot as the copy: on PostgreSQL `pg_dump` reads the
snapshot the checksumming transaction exported; on SQLite they are read from the copy itself.
A restore checks the file's SHA-256 first, loads it into the empty database `DATABASE_URL`
names (refused when it holds any table, unless `force`), and then checks every table against
the manifest. Any difference is an error, never a warning.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
_BATCH = 2000


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class TableSummary:
    rows: int
    sha256: str


def backup(target: Path) -> dict[str, Any]:
    """Write a backup of the default database into the folder `target` (created, must be
    empty); returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new or empty folder")
    target.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    database_file = target / FILES[engine]
    if engine == "postgresql":
        tables = _pg_dump(database_file)
    else:
        connection.ensure_connection()
        _sqlite_copy(connection.connection, database_file)
        tables = _sqlite_summaries(database_file)
    manifest = {
        "format_version": FORMAT_VERSION,
        "engine": engine,
        "created_at": timezone.now().isoformat(),
        "migrations": _applied_migrations(),
        "file": {"name": database_file.name, "sha256": _file_sha256(database_file)},
        "tables": {name: summary.__dict__ for name, summary in tables.items()},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def restore(source: Path, *, force: bool = False) -> dict[str, Any]:
    """Load the backup in `source` into the default database and check it; returns the
    manifest. The database must hold no table unless `force` (then it is replaced)."""
    manifest = _read_manifest(Path(source))
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            f"this backup is of a {manifest['engine']} database and DATABASE_URL names a "
            f"{engine} one: restore it into {manifest['engine']}"
        )
    database_file = Path(source) / manifest["file"]["name"]
    if _file_sha256(database_file) != manifest["file"]["sha256"]:
        raise BackupError(f"{database_file.name} does not match its checksum: damaged backup")
    existing = connection.introspection.table_names()
    if existing and not force:
        raise BackupError(
            f"the database holds {len(existing)} tables: restore into an empty database, or "
            "give --force to replace its contents"
        )
    if engine == "postgresql":
        _pg_restore(database_file, clean=bool(existing))
    else:
        connection.close()
        with sqlite3.connect(database_file) as backup_db:
            _sqlite_copy(backup_db, Path(connection.settings_dict["NAME"]))
    connection.close()
    check(manifest)
    return manifest


def check(manifest: dict[str, Any]) -> None:
    """Every table of the manifest is in the database with the same rows."""
    tables = sorted(manifest["tables"])
    if connection.vendor == "sqlite":
        found = _sqlite_summaries(Path(connection.settings_dict["NAME"]), tables)
    else:
        with connection.cursor() as cursor:
            found = _table_summaries(cursor, tables)
    differ = [
        name for name, expected in manifest["tables"].items() if found[name].__dict__ != expected
    ]
    if differ:
        raise BackupError(f"after the restore these tables differ from the backup: {differ}")


# ---- PostgreSQL ---------------------------------------------------------------------------


def _pg_dump(database_file: Path) -> dict[str, TableSummary]:
    """Checksums and dump from one snapshot: this transaction exports it and pg_dump uses it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = _table_summaries(cursor, connection.introspection.table_names(cursor))
        _run_pg(
            "pg_dump",
            ["--format=custom", f"--snapshot={snapshot}", f"--file={database_file}"],
        )
    return tables


def _pg_restore(database_file: Path, *, clean: bool) -> None:
    connection.close()
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        options += ["--clean", "--if-exists"]
    _run_pg("pg_restore", [*options, str(database_file)])


def _run_pg(tool: str, arguments: list[str]) -> None:
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    target = [
        f"--host={settings.get('HOST') or 'localhost'}",
        f"--port={settings.get('PORT') or 5432}",
        f"--username={settings.get('USER') or ''}",
        f"--dbname={settings['NAME']}",
        "--no-password",
    ]
    result = subprocess.run(
        [_pg_tool(tool), *target, *arguments], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def _pg_tool(name: str) -> str:
    """`pg_dump` / `pg_restore` from PG_BIN_DIR, the PATH, or Debian's versioned folders."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    debian = os.environ.get("PG_DEBIAN_GLOB", "/usr/lib/postgresql/*/bin")
    candidates += [Path(d) / name for d in sorted(glob.glob(debian), reverse=True)]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    raise BackupError(f"{name} was not found: install the PostgreSQL client or set PG_BIN_DIR")


# ---- SQLite -------------------------------------------------------------------------------


def _sqlite_copy(source: sqlite3.Connection, target_file: Path) -> None:
    """The online backup API: a consistent copy even while others write."""
    target_file.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(target_file) as target:
        source.backup(target)


def _sqlite_summaries(database_file: Path, tables: list[str] | None = None):
    """Read with a plain sqlite3 connection on both sides: Django's converts dates on read."""
    with sqlite3.connect(database_file) as db:
        cursor = db.cursor()
        if tables is None:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            tables = [row[0] for row in cursor.fetchall()]
        return _table_summaries(cursor, tables)


# ---- Both ---------------------------------------------------------------------------------


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in FILES:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _table_summaries(cursor, tables: list[str]) -> dict[str, TableSummary]:
    return {name: _summarise(cursor, name) for name in sorted(tables)}


def _summarise(cursor, table: str) -> TableSummary:
    """Row count and a SHA-256 over every row, in a fixed order (every column)."""
    digest = hashlib.sha256()
    rows = 0
    for row in _rows(cursor, table):
        digest.update(repr(row).encode())
        rows += 1
    return TableSummary(rows, digest.hexdigest())


def _rows(cursor, table: str) -> Iterator[tuple]:
    quoted = '"' + table.replace('"', '""') + '"'
    cursor.execute(f"SELECT * FROM {quoted} LIMIT 0")  # noqa: S608 - a table name we listed
    count = len(cursor.description)
    order = ", ".join(str(i) for i in range(1, count + 1))
    cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608
    while batch := cursor.fetchmany(_BATCH):
        yield from (tuple(_normal(value) for value in row) for row in batch)


def _normal(value: Any) -> Any:
    """The same value whichever driver read it (SQLite's sqlite3 or Django's cursor)."""
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _applied_migrations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{source} holds no {MANIFEST}: not a ketamine-care backup") from exc
    except json.JSONDecodeError as exc:
        raise BackupError(f"{source / MANIFEST} is not valid JSON: the backup is damaged") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.get('format_version')!r} is not supported")
    return manifest
