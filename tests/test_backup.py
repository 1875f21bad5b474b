"""`ketamine-care backup` and `restore` (issue 12 item 7), run as an operator runs them.

The demo clinic's data is backed up, restored into a fresh database, and then:
`audit-verify` passes on the restored chain, and every table's row count and content match
the source, compared here independently of the backup's own checksums. A damaged backup, a
non-empty target and the wrong engine are refused and change nothing. Each database run
tests its own engine's backup and restore: SQLite in the SQLite run, PostgreSQL in the
PostgreSQL run; the refusals decided before the database is touched run in the SQLite run.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ketamine_care.testing.migrated import migrated_postgres, migrated_sqlite_file

ENGINE = os.environ.get("KC_TEST_DATABASE", "sqlite")

pytestmark = pytest.mark.database_engine


def _environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KC_"))}
    env.update(
        DEBUG="False",
        SECRET_KEY="backup-test-only-" + "s" * 40,
        AUDIT_HMAC_KEY="backup-test-only-" + "a" * 40,
        AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.jsonl"),
        REQUIRE_2FA="False",
        COLLECTSTATIC_ON_MIGRATE="False",
        KC_DATA_DIR=str(tmp_path),
        DATABASE_URL=database_url,
    )
    return env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "ketamine_care", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result


class Migrated:
    """One database of the engine under test with every migration applied, once per module:
    each test's source database starts as a copy of it (SQLite: the file; PostgreSQL: CREATE
    DATABASE ... TEMPLATE). It is itself a copy of the run's migrated template
    (`testing.migrated`), made by `ketamine-care migrate` when the run had none yet."""

    def __init__(self, folder: Path) -> None:
        if ENGINE == "sqlite":
            self.path = migrated_sqlite_file(folder / "migrated.sqlite3")
        else:
            self.name = f"kc_migrated_{uuid.uuid4().hex[:8]}"
            migrated_postgres(os.environ["DATABASE_URL"], self.name)

    def drop(self) -> None:
        if ENGINE != "sqlite":
            import psycopg

            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    database = Migrated(tmp_path_factory.mktemp("migrated"))
    yield database
    database.drop()


class Databases:
    """Two databases of the engine under test: a source, migrated (a copy of `migrated`), and
    an empty restore target."""

    def __init__(self, tmp_path: Path, migrated: Migrated) -> None:
        self.tmp_path = tmp_path
        if ENGINE == "sqlite":
            self.urls = {n: f"sqlite:///{tmp_path / f'{n}.sqlite3'}" for n in ("source", "target")}
            shutil.copyfile(migrated.path, tmp_path / "source.sqlite3")
        else:
            import psycopg

            base = os.environ["DATABASE_URL"]
            self.admin = psycopg.connect(base, autocommit=True)
            suffix = uuid.uuid4().hex[:8]
            self.names = {n: f"kc_{n}_{suffix}" for n in ("source", "target")}
            root = base.rsplit("/", 1)[0]
            self.urls = {n: f"{root}/{name}" for n, name in self.names.items()}
            self.admin.execute(
                f'CREATE DATABASE "{self.names["source"]}" TEMPLATE "{migrated.name}"'
            )
            self.admin.execute(f'CREATE DATABASE "{self.names["target"]}"')

    def env(self, which: str) -> dict[str, str]:
        return _environment(self.tmp_path, self.urls[which])

    def contents(self, which: str) -> dict[str, tuple[int, str]]:
        """Every table's row count and a digest of its rows, read directly."""
        if ENGINE == "sqlite":
            path = self.urls[which].removeprefix("sqlite:///")
            with sqlite3.connect(path) as db:
                tables = [
                    r[0]
                    for r in db.execute(
                        "SELECT name FROM sqlite_master WHERE type='table' "
                        "AND name NOT LIKE 'sqlite_%'"
                    )
                ]
                return {
                    t: (
                        db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0],
                        repr(sorted(map(repr, db.execute(f'SELECT * FROM "{t}"')))),
                    )
                    for t in tables
                }
        import psycopg

        with psycopg.connect(self.urls[which]) as db:
            tables = [
                r[0]
                for r in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            ]
            digest = "md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))"
            return {
                t: db.execute(f'SELECT count(*), {digest} FROM "{t}" x').fetchone() for t in tables
            }

    def drop(self) -> None:
        if ENGINE != "sqlite":
            for name in self.names.values():
                self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.close()


@pytest.fixture
def databases(tmp_path, migrated):
    dbs = Databases(tmp_path, migrated)
    yield dbs
    dbs.drop()


def test_backup_then_restore_gives_the_same_data_and_a_verified_audit_trail(databases, tmp_path):
    source = databases.env("source")
    _run(source, "demo", "--no-serve")
    backup_dir = tmp_path / "backup"
    manifest = json.loads(_run(source, "backup", str(backup_dir), "--json").stdout)
    assert manifest["engine"] == ENGINE
    assert manifest["tables"]["audit_auditevent"]["rows"] > 100
    assert any(m.startswith("patients.") for m in manifest["migrations"])

    target = databases.env("target")
    restored = _run(target, "restore", str(backup_dir))
    assert "every table matches its checksum" in restored.stdout
    verified = json.loads(_run(target, "audit-verify", "--json").stdout)
    assert verified["ok"] is True
    # The source is only read from here on: its contents are read once.
    source_contents = databases.contents("source")
    before = databases.contents("target")
    assert before == source_contents

    # Restoring over the now non-empty database is refused and changes nothing...
    refused = _run(target, "restore", str(backup_dir), check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert databases.contents("target") == before
    # ... unless forced.
    assert "matches" in _run(target, "restore", str(backup_dir), "--force").stdout
    assert databases.contents("target") == source_contents


# Every refusal here is decided before the database is touched, by code that is the same on
# both engines (the folder, the manifest, the file's checksum; test_backup_then_restore_...
# covers each engine's own backup, restore, refusal of a non-empty database and --force):
# checked once, in the SQLite pass.
@pytest.mark.only_on("sqlite")
def test_a_damaged_or_foreign_backup_is_refused(databases, tmp_path):
    source = databases.env("source")  # migrated, and empty
    backup_dir = tmp_path / "backup"
    _run(source, "backup", str(backup_dir))
    target = databases.env("target")

    not_empty = _run(source, "backup", str(backup_dir), check=False)
    assert not_empty.returncode != 0 and "is not empty" in not_empty.stderr

    manifest_path = backup_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    database_file = backup_dir / manifest["file"]["name"]
    original = database_file.read_bytes()
    database_file.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    damaged = _run(target, "restore", str(backup_dir), check=False)
    assert damaged.returncode != 0 and "damaged backup" in damaged.stderr
    database_file.write_bytes(original)

    other = "postgresql" if ENGINE == "sqlite" else "sqlite"
    manifest_path.write_text(json.dumps({**manifest, "engine": other}))
    foreign = _run(target, "restore", str(backup_dir), check=False)
    assert foreign.returncode != 0 and f"restore it into {other}" in foreign.stderr

    missing = _run(target, "restore", str(tmp_path / "nowhere"), check=False)
    assert missing.returncode != 0 and "not a ketamine-care backup" in missing.stderr
    assert databases.contents("target") == {}  # nothing was restored
