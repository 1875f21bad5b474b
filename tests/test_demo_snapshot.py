"""`testing.demo_snapshot.load_demo_once()`: the copied demo is the loaded demo, row for row,
and a database that is not in the state of the first load gets a real `load_demo()`."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from ketamine_care.accounts.models import Clinic
from ketamine_care.patients.models import Patient
from ketamine_care.testing import demo_snapshot


class _Rollback(Exception):
    pass


@contextmanager
def _rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _contents() -> dict[str, list]:
    quote = connection.ops.quote_name
    tables = sorted(connection.introspection.table_names(include_views=False))
    with connection.cursor() as cursor:
        contents = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")
            contents[table] = sorted(map(repr, cursor.fetchall()))
        return contents


@pytest.fixture
def run_copy(tmp_path, monkeypatch):
    """The run's shared copy, in a folder of the test's own (none there yet)."""
    path = tmp_path / "demo-snapshot.pickle"
    monkeypatch.setattr(demo_snapshot, "_shared_path", lambda: path)
    return path


@pytest.mark.django_db
def test_the_copied_demo_is_the_loaded_demo_row_for_row(run_copy):
    demo_snapshot._snapshot = None  # this test's first call loads (and leaves its copy)
    seen = {}
    for run in ("loaded", "copied"):
        with _rolled_back():
            seen[run] = (demo_snapshot.load_demo_once(), _contents())
            # The database goes on after a copy: new rows get new keys.
            new = Clinic.objects.create(name=f"After the {run} demo")
            assert Clinic.objects.filter(pk=new.pk).count() == 1
    assert demo_snapshot._snapshot is not None
    loaded, copied = seen["loaded"], seen["copied"]
    assert copied[0] == loaded[0]
    assert copied[1] == loaded[1]
    assert Patient.objects.count() == 0  # both were rolled back
    assert len(loaded[1]["patients_patient"]) > 10


@pytest.mark.django_db
def test_another_process_copies_the_runs_demo_row_for_row(run_copy, monkeypatch):
    with _rolled_back():
        loaded = (demo_snapshot.load_demo_once(), _contents())  # loads, or this process's copy
    if not run_copy.exists():  # this process loaded before the test: its copy for the run
        tables = demo_snapshot._tables()
        counts = demo_snapshot._counts(tables)
        kept = {t: demo_snapshot._read(t) for t in tables if counts[t]}
        demo_snapshot._share(demo_snapshot._snapshot, kept)
    # As in another process: only the run's copy (the process's own is back after the test).
    monkeypatch.setattr(demo_snapshot, "_snapshot", None)

    def refuse():
        raise AssertionError("loaded again although the run has a copy")

    monkeypatch.setattr(demo_snapshot, "load_demo", refuse)
    with _rolled_back():
        copied = (demo_snapshot.load_demo_once(), _contents())
    assert copied == loaded
    assert demo_snapshot._snapshot is not None  # the process's copy from now on
    # A database with rows the first one did not have gets a real load, not the run's copy.
    monkeypatch.setattr(demo_snapshot, "_snapshot", None)
    monkeypatch.setattr(demo_snapshot, "load_demo", lambda: {"loaded": True})
    with _rolled_back():
        Clinic.objects.create(name="Already here")
        assert demo_snapshot.load_demo_once() == {"loaded": True}


@pytest.mark.django_db
def test_a_database_unlike_the_first_gets_a_real_load(run_copy, monkeypatch):
    with _rolled_back():
        demo_snapshot.load_demo_once()  # a copy exists from here on
    assert demo_snapshot._snapshot is not None

    def refuse(snapshot):
        raise AssertionError("copied onto a database that already had other rows")

    monkeypatch.setattr(demo_snapshot, "_restore", refuse)
    # The real load itself is tested with the demo (tests/test_demo_and_health.py); what is
    # tested here is that this database gets it, not the copy.
    real_loads = []

    def load_demo():
        real_loads.append(Clinic.objects.count())
        return {"patients_created": 42}

    monkeypatch.setattr(demo_snapshot, "load_demo", load_demo)
    Clinic.objects.create(name="Already here")
    result = demo_snapshot.load_demo_once()
    assert real_loads == [1] and result == {"patients_created": 42}
    assert Clinic.objects.filter(name="Already here").exists()
