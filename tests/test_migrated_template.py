"""The run's migrated template (`testing.migrated`): every test database and every copy a test
makes has each migration applied, and a copy holds no rows of the run's tests."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from ketamine_care.testing.migrated import migrated_postgres, migrated_sqlite_file


def _on_disk() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


@pytest.mark.django_db
def test_this_workers_test_database_has_every_migration_applied():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert set(executor.loader.applied_migrations) >= _on_disk()


def test_a_migrated_sqlite_copy_has_every_migration_and_no_clinic(tmp_path):
    path = migrated_sqlite_file(tmp_path / "copy.sqlite3")
    with contextlib.closing(sqlite3.connect(path)) as db:
        applied = set(db.execute("SELECT app, name FROM django_migrations"))
        clinics = db.execute("SELECT count(*) FROM accounts_clinic").fetchone()[0]
    assert applied >= _on_disk()
    assert clinics == 0
    # A second copy is a file of its own.
    again = migrated_sqlite_file(tmp_path / "again.sqlite3")
    assert again != path and again.read_bytes() == path.read_bytes()


@pytest.mark.database_engine
@pytest.mark.only_on("postgresql")
def test_a_migrated_postgres_copy_has_every_migration_and_no_clinic():
    import psycopg

    admin_url = os.environ["DATABASE_URL"]
    name = f"kc_copy_{uuid.uuid4().hex[:8]}"
    migrated_postgres(admin_url, name)
    try:
        with psycopg.connect(f"{admin_url.rsplit('/', 1)[0]}/{name}") as db:
            applied = set(db.execute("SELECT app, name FROM django_migrations").fetchall())
            clinics = db.execute("SELECT count(*) FROM accounts_clinic").fetchone()[0]
        assert applied >= _on_disk()
        assert clinics == 0
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
