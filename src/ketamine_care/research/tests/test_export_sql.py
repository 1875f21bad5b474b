"""The export's SQL path (`research.export.fast`, PostgreSQL) writes what the Python path
writes: on a generated cohort (shifted dates, patients k-anonymity suppresses, withdrawn
consent, missing values), every table holds the same rows with the same types in the same
order, the CSV files are identical, and the manifest's row counts and k-anonymity report
agree. The de-identification tests of test_export.py run on both paths (SQLite: Python;
PostgreSQL: SQL)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketamine_care.research.export import write_export
from ketamine_care.research.export.fast import shipped_versions, table_batch
from ketamine_care.research.export.run import TABLES
from ketamine_care.research.tests.export_fixtures import (
    SECRETS,
    committed_case,
    consent,
    seed_cohort,
)
from ketamine_care.research.tests.export_generated import generate
from ketamine_care.testing.base import ClinicTestCase


@pytest.mark.only_on("postgresql")
class SqlPathTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        seed_cohort(cls)
        generate(cls, 60)

    def export(self, *, sql: bool, csv: bool = True):
        folder = Path(tempfile.mkdtemp()) / "out"
        self.addCleanup(shutil.rmtree, folder.parent)
        manifest = write_export(self.project, folder, actor=self.researcher, sql=sql, csv=csv)
        return folder, manifest

    def test_both_paths_write_the_same_rows_types_and_order(self):
        python_folder, python = self.export(sql=False)  # makes the research ids and offsets
        sql_folder, fast = self.export(sql=True)  # inside the test's transaction: Django's
        assert_same_export(python_folder, python, sql_folder, fast)

    def test_the_cohort_exercises_missing_values_and_suppression(self):
        folder, _ = self.export(sql=True, csv=False)
        sessions = pq.read_table(folder / "sessions.parquet")
        doses = pq.read_table(folder / "doses.parquet")
        self.assertGreater(sessions.column("course_number").null_count, 0)
        self.assertGreater(sessions.column("minutes_dose_to_discharge").null_count, 0)
        self.assertGreater(doses.column("dose_mg_per_kg").null_count, 0)
        bases = set(doses.column("weight_basis").to_pylist())
        self.assertEqual(bases, {None, "actual", "ideal"})
        answers = pq.read_table(folder / "item_answers.parquet").to_pylist()
        self.assertNotIn("comment", {row["item"] for row in answers})
        text = json.dumps([pq.read_table(p).to_pylist() for p in folder.glob("*.parquet")],
                          default=str)  # fmt: skip
        for secret in (*SECRETS.values(), "slept badly", "some days", "Walk-in"):
            self.assertNotIn(secret, text)

    def test_a_consent_withdrawn_after_an_export_leaves_the_next(self):
        folder, before = self.export(sql=True, csv=False)
        consent(self.star, self.prescriber, status="withdrawn")
        folder, after = self.export(sql=True, csv=False)
        self.assertLess(after.tables["patients"], before.tables["patients"])
        self.assertLess(after.tables["sessions"], before.tables["sessions"])


def assert_same_export(python_folder: Path, python, sql_folder: Path, fast) -> None:
    """Same rows per table, same k-anonymity report, every table's rows, types and order
    equal, CSV files byte for byte."""
    assert fast.tables == python.tables
    assert fast.deidentification == python.deidentification
    assert fast.deidentification["suppressed"] > 0
    assert min(fast.tables.values()) > 0
    for table in TABLES:
        mine = pq.read_table(sql_folder / f"{table.name}.parquet")
        theirs = pq.read_table(python_folder / f"{table.name}.parquet")
        assert mine.schema == table.schema, table.name
        assert mine.to_pylist() == theirs.to_pylist(), table.name
        csv_name = f"{table.name}.csv"
        assert (sql_folder / csv_name).read_bytes() == (python_folder / csv_name).read_bytes()


@pytest.mark.only_on("postgresql")
@pytest.mark.django_db(transaction=True)
def test_its_own_connection_writes_what_the_python_path_writes(
    _audit_guard_lifted_for_flush, tmp_path, monkeypatch
):
    """Outside a transaction the SQL path reads through its own (ADBC) connection, which
    sees only committed rows: the same files again."""
    from ketamine_care.research.export import fast
    from ketamine_care.research.export.fast_read import AdbcSession

    case = committed_case("Export clinic", "export.test")
    generate(case, 40, seed=7)
    python = write_export(case.project, tmp_path / "python", sql=False)
    used = []
    opened = fast.open_session
    monkeypatch.setattr(fast, "open_session", lambda: used.append(opened()) or used[-1])
    others = []
    another = AdbcSession.another
    monkeypatch.setattr(AdbcSession, "another", lambda s: others.append(another(s)) or others[-1])
    mine = write_export(case.project, tmp_path / "sql", sql=True)
    assert [session.name for session in used] == ["adbc"]
    assert len(others) == 1  # the rating-scale tables were written by a second session
    assert_same_export(tmp_path / "python", python, tmp_path / "sql", mine)


@pytest.mark.only_on("postgresql")
@pytest.mark.django_db
def test_the_cohort_ids_reach_the_export_session_whole():
    """The cohort's ids leave Django's connection as one text value (`fast.cohort_ids`):
    every id once, none made up, and an empty cohort gives an empty column."""
    from django.db import connection

    from ketamine_care.research.export.fast import cohort_ids

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE cohort_ids_test (pk bigint)")
        assert cohort_ids("cohort_ids_test").to_pylist() == []
        cursor.execute(
            "INSERT INTO cohort_ids_test SELECT n * 7919 FROM generate_series(1, 2500) n"
        )
        cursor.execute("INSERT INTO cohort_ids_test VALUES (9007199254740993)")
    ids = cohort_ids("cohort_ids_test")
    assert ids.type == pa.int64()
    assert sorted(ids.to_pylist()) == [n * 7919 for n in range(1, 2501)] + [9007199254740993]


def test_every_shipped_definition_version_is_listed():
    versions = shipped_versions()
    assert ("phq9", "1.0") in versions or any(code == "phq9" for code, _ in versions)
    assert len(versions) == len(set(versions))


def test_a_batch_with_a_column_missing_is_refused():
    batch = pa.RecordBatch.from_pydict({"research_id": ["R1"]})
    with pytest.raises(KeyError):
        table_batch(TABLES[1], batch)


@pytest.mark.only_on("postgresql")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("table", "numbering"), [("adverse_events", "sess"), ("administrations", "people")]
)
def test_a_table_that_fails_fails_the_export_and_leaves_nothing_behind(
    _audit_guard_lifted_for_flush, tmp_path, monkeypatch, table, numbering
):
    """A statement that fails midway (a division by zero, in either session's group of
    tables: fast_parallel; the administrations' statement also writes the item answers)
    raises its own error, not the other session's cancellation; the
    files already written are removed and no temporary table remains."""
    from django.db import connection

    from ketamine_care.research.export import fast, fast_ratings
    from ketamine_care.research.export import fast_sql as q

    case = committed_case("Failing export clinic", "fail.test")
    broken = q.Statement(f"SELECT k.seq / 0 FROM {{{numbering}}} k", (("research_id", q.K),))
    if table in fast.STATEMENTS:
        monkeypatch.setitem(fast.STATEMENTS, table, broken)
    else:
        monkeypatch.setattr(fast_ratings, "statement", lambda items, literal: broken)
    with pytest.raises(Exception, match="division by zero"):
        write_export(case.project, tmp_path / "out", sql=True)
    assert list((tmp_path / "out").iterdir()) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'research_fast_%%'")
        assert cursor.fetchall() == []
