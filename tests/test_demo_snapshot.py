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


@pytest.mark.django_db
def test_the_copied_demo_is_the_loaded_demo_row_for_row():
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
def test_a_database_unlike_the_first_gets_a_real_load(monkeypatch):
    with _rolled_back():
        demo_snapshot.load_demo_once()  # a copy exists from here on
    assert demo_snapshot._snapshot is not None

    def refuse(snapshot):
        raise AssertionError("copied onto a database that already had other rows")

    monkeypatch.setattr(demo_snapshot, "_restore", refuse)
    Clinic.objects.create(name="Already here")
    result = demo_snapshot.load_demo_once()
    assert result["patients_created"] > 10
    assert Clinic.objects.filter(name="Already here").exists()
