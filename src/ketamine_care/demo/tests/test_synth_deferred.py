"""`synth`'s server copies with the copied tables' indexes and constraints set aside
(PostgreSQL, `demo/synth/deferred.py`): the same rows as copies made with every index in
place, and afterwards the migrated schema exactly (every index and constraint there, with
its definition, valid and validated); a failed copy leaves the schema and the pool as
they were."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from ketamine_care.demo.synth import deferred, replicate
from ketamine_care.demo.synth.run import synthesize
from ketamine_care.patients.models import Patient

pytestmark = [
    pytest.mark.only_on("postgresql"),
    pytest.mark.django_db(transaction=True, reset_sequences=True),
]

# Every index and constraint of the schema, as PostgreSQL states them, with their validity.
SCHEMA = """
SELECT tablename || ' ' || indexname || ' ' || indexdef FROM pg_indexes
WHERE schemaname = current_schema()
UNION ALL
SELECT conrelid::regclass::text || ' ' || conname || ' ' || contype::text || ' '
       || convalidated::text || ' ' || condeferrable::text || ' ' || condeferred::text || ' '
       || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
UNION ALL
SELECT indexrelid::regclass::text || ' ' || indisvalid::text || indisready::text
       || indislive::text
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relnamespace = current_schema()::regnamespace
ORDER BY 1
"""
# Columns written at the moment of the run, not drawn from the seed.
MOMENT = {"refreshed_at"}


def _schema() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA)
        return [row[0] for row in cursor.fetchall()]


def _checksums() -> dict[str, tuple[int, str]]:
    """Per copied table: rows and the md5 of every row's values, in id order."""
    sums = {}
    with connection.cursor() as cursor:
        for table in replicate._tables():
            described = connection.introspection.get_table_description(cursor, table)
            columns = [c.name for c in described]
            kept = ", ".join(f'"{c}"' for c in columns if c not in MOMENT and c != "id")
            order = "plan_id" if table.startswith("registry_") else "id"
            cursor.execute(
                f"SELECT count(*), md5(string_agg(row({kept})::text, '|' ORDER BY {order})) "  # noqa: S608
                f'FROM "{table}"'
            )
            sums[table] = cursor.fetchone()
    return sums


def _load(defer: bool, monkeypatch) -> dict:
    monkeypatch.setattr(replicate, "POOL", 10)
    dataset = synthesize(patients=40, seed=11, batch_size=5, workers=1, defer=defer)
    assert dataset.timings.get("copy", 0) > 0
    assert ("rebuild" in dataset.timings) is defer
    return _checksums()


def _flush() -> None:
    """Empty every table and restart every sequence, as a fresh database."""
    from ketamine_care.testing import audit_guard

    audit_guard.lift()
    try:
        call_command("flush", interactive=False, verbosity=0)
    finally:
        audit_guard.restore()


def test_set_aside_gives_the_same_rows_and_the_migrated_schema(
    _audit_guard_lifted_for_flush, monkeypatch
):
    migrated = _schema()
    assert any("patient_family_trgm" in line for line in migrated)
    with_indexes = _load(False, monkeypatch)
    assert _schema() == migrated
    _flush()
    set_aside = _load(True, monkeypatch)
    assert set_aside == with_indexes
    assert with_indexes["patients_patient"][0] == 40
    for table in (
        "treatment_sessions_treatmentsession",
        "treatment_sessions_vitalsignsreading",
        "inventory_ledgerentry",
        "instruments_administration",
        "registry_coursesummary",
    ):
        assert with_indexes[table][0] > 0, table
    assert _schema() == migrated


def test_by_default_indexes_are_set_aside_only_when_the_copies_double_the_patients(
    _audit_guard_lifted_for_flush, monkeypatch
):
    monkeypatch.setattr(replicate, "POOL", 10)
    first = synthesize(patients=40, seed=3, batch_size=5)
    assert "rebuild" in first.timings  # 30 copied onto 10
    second = synthesize(patients=20, seed=4, batch_size=5)
    assert "rebuild" not in second.timings  # 10 copied onto 50
    assert second.timings.get("copy", 0) > 0
    assert Patient.objects.count() == 60


def test_a_failed_copy_leaves_the_schema_and_the_pool_as_they_were(
    _audit_guard_lifted_for_flush, monkeypatch
):
    migrated = _schema()
    monkeypatch.setattr(replicate, "POOL", 10)
    calls = []
    real = replicate.copy_batch

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("copy failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(replicate, "copy_batch", failing)
    with pytest.raises(RuntimeError, match="copy failed"):
        synthesize(patients=40, seed=11, batch_size=5, defer=True)
    assert _schema() == migrated
    assert Patient.objects.count() == 10  # the pool, committed before the copies


def test_only_secondary_indexes_unique_constraints_and_foreign_keys_are_set_aside(
    _audit_guard_lifted_for_flush,
):
    from django.db import transaction

    tables = replicate._tables()
    with transaction.atomic():
        aside = deferred.set_aside(tables)
        names = {name for name, _sql in aside.statements()}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE t.relname = ANY(%s) AND c.contype IN ('f', 'u')",
                [tables],
            )
            assert cursor.fetchone()[0] == 0
        assert "patient_family_trgm" in names
        assert "one_session_per_planned_visit" in names
        assert "patients_patient_pkey" not in names
        deferred.restore(aside)
        transaction.set_rollback(True)
