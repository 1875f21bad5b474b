"""The export's files without a database: a table written as Parquet and CSV with the same
rows, batches outside the allowlist refused, formula-looking text quoted in the CSV, the
manifest's checksums, the data dictionary and the column rules."""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.test import SimpleTestCase

from ketamine_care.research import deid
from ketamine_care.research.export import columns as c
from ketamine_care.research.export.arrays import ages, minutes, shifted
from ketamine_care.research.export.dictionary import dictionary_json, dictionary_markdown
from ketamine_care.research.export.manifest import Manifest, add_file, verify_export, write_manifest
from ketamine_care.research.export.run import TABLES
from ketamine_care.research.export.writer import UNIQUE, ColumnsNotAllowed, TableWriter

DUCKDB_TYPES = {
    "string": "VARCHAR", "integer": "BIGINT", "decimal": "DOUBLE", "boolean": "BOOLEAN",
    "date": "DATE",
}  # fmt: skip
# A table with a well-formed column that research.deid does not allow.
OFF_THE_ALLOWLIST = c.Table(
    "t", "", (c.Column("research_id", "string", c.RID), c.Column("shoe_size", "integer", "x"))
)


def _events(n: int) -> pa.RecordBatch:
    table = c.ADVERSE_EVENTS
    arrays = [
        pa.array([f"R{i:04d}" for i in range(n)]),
        pa.array(list(range(1, n + 1)), pa.int64()),
        pa.array(["=HYPERLINK(1)"] + ["nausea"] * (n - 1)),
        pa.array(["mild"] * n),
        pa.array([True, False] * (n // 2) + [None] * (n % 2), pa.bool_()),
        pa.array(["resolved"] * n),
        pa.array([12.5] + [None] * (n - 1), pa.float64()),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=table.schema)


def _sample(table: c.Table, n: int) -> pa.RecordBatch:
    """`n` rows of every column type, a missing value in each column, strings repeated."""
    values = {
        "string": lambda i: f"R{i % 3:04d}",
        "integer": lambda i: i * 7 - 3,
        "decimal": lambda i: i / 4,
        "boolean": lambda i: i % 2 == 0,
        "date": lambda i: date(2020, 1, 1) + timedelta(days=40 * i),
    }
    arrays = [
        pa.array(
            [None if i == n - 1 - place % n else values[col.type](i) for i in range(n)],
            col.arrow_type,
        )
        for place, col in enumerate(table.columns)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=table.schema)


class TableWriterTests(SimpleTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(lambda: __import__("shutil").rmtree(self.folder))

    def test_parquet_and_csv_hold_the_same_rows(self):
        with TableWriter(c.ADVERSE_EVENTS, self.folder) as out:
            out.write(_events(5))
            out.write(_events(4))
        self.assertEqual(out.rows, 9)
        parquet = pq.read_table(self.folder / "adverse_events.parquet")
        with (self.folder / "adverse_events.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], c.ADVERSE_EVENTS.names)
        self.assertEqual(len(rows) - 1, parquet.num_rows)
        self.assertEqual([r[0] for r in rows[1:]], parquet.column("research_id").to_pylist())
        self.assertEqual(rows[1][4], "true")
        self.assertEqual(rows[1][6], "12.5")
        self.assertEqual(rows[2][6], "")

    def test_a_formula_in_a_cell_is_quoted_in_the_csv_only(self):
        with TableWriter(c.ADVERSE_EVENTS, self.folder) as out:
            out.write(_events(2))
        text = (self.folder / "adverse_events.csv").read_text(encoding="utf-8")
        self.assertIn("'=HYPERLINK(1)", text)
        parquet = pq.read_table(self.folder / "adverse_events.parquet")
        self.assertEqual(parquet.column("event_type")[0].as_py(), "=HYPERLINK(1)")

    def test_it_refuses_a_batch_with_a_column_outside_the_table(self):
        batch = _events(2)
        extra = batch.append_column("description", pa.array(["felt sick", "x"]))
        with TableWriter(c.ADVERSE_EVENTS, self.folder) as out:
            with self.assertRaises(ColumnsNotAllowed):
                out.write(extra)
            with self.assertRaises(ColumnsNotAllowed):
                out.write(batch.drop_columns(["onset_minute"]))

    def test_every_tables_parquet_reads_back_as_its_schema_and_rows(self):
        # Whatever the writer's encoding (dictionary pages, no statistics, no stored Arrow
        # schema), pyarrow and DuckDB read each table's declared types and the rows written,
        # from plain strings and from dictionary-encoded ones alike.
        import duckdb

        for table in TABLES:
            plain = _sample(table, 7)
            encoded = pa.RecordBatch.from_arrays(
                [
                    column.dictionary_encode() if column.type == pa.string() else column
                    for column in plain.columns
                ],
                names=table.names,
            )
            folder = self.folder / table.name
            folder.mkdir()
            with TableWriter(table, folder) as out:
                out.write(plain)
                out.write(encoded)
            path = folder / f"{table.name}.parquet"
            read = pq.read_table(path)
            self.assertEqual(read.schema, table.schema, table.name)
            self.assertEqual(read.to_pylist(), plain.to_pylist() * 2, table.name)
            with (folder / f"{table.name}.csv").open(encoding="utf-8", newline="") as f:
                cells = list(csv.reader(f))[1:]
            self.assertEqual(cells[:7], cells[7:], table.name)
            found = duckdb.sql(f"SELECT * FROM '{path}'")
            self.assertEqual(found.columns, table.names)
            self.assertEqual(
                found.types, [DUCKDB_TYPES[column.type] for column in table.columns], table.name
            )
            self.assertEqual(found.fetchall(), [tuple(r.values()) for r in plain.to_pylist()] * 2)
            row_group = pq.ParquetFile(path).metadata.row_group(0)
            for index, field in enumerate(table.schema):
                chunk = row_group.column(index)
                self.assertFalse(chunk.is_stats_set, (table.name, field.name))
                bare = field.name in UNIQUE.get(table.name, ()) or field.type == pa.bool_()
                self.assertEqual(chunk.has_dictionary_page, not bare, (table.name, field.name))

    def test_a_table_with_a_column_off_deids_allowlist_is_refused_before_any_file(self):
        with self.assertRaisesMessage(deid.NotExportable, "shoe_size"):
            TableWriter(OFF_THE_ALLOWLIST, self.folder)
        self.assertEqual(list(self.folder.iterdir()), [])

    def test_parquet_only_writes_no_csv(self):
        with TableWriter(c.ADVERSE_EVENTS, self.folder, csv=False) as out:
            out.write(_events(2))
        self.assertEqual(sorted(p.name for p in self.folder.iterdir()), ["adverse_events.parquet"])


class ManifestTests(SimpleTestCase):
    def test_checksums_verify_until_a_file_changes(self):
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(lambda: __import__("shutil").rmtree(folder))
        (folder / "a.csv").write_text("x\n1\n", encoding="utf-8")
        manifest = Manifest("p", "P", "2026-01-01T00:00:00+00:00", "0", "")
        add_file(manifest, folder, "a.csv", rows=1)
        write_manifest(manifest, folder)
        self.assertEqual(verify_export(folder), [])
        stored = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.assertEqual(stored["files"][0]["rows"], 1)
        self.assertEqual(len(stored["files"][0]["sha256"]), 64)
        (folder / "a.csv").write_text("x\n2\n", encoding="utf-8")
        self.assertEqual(verify_export(folder), ["a.csv"])
        (folder / "a.csv").unlink()
        self.assertEqual(verify_export(folder), ["a.csv"])


class ColumnRulesTests(SimpleTestCase):
    def test_every_table_passes_the_column_rules(self):
        self.assertEqual(c.check_allowlist(TABLES), [])

    def test_every_column_the_export_writes_is_on_deids_allowlist_and_none_is_an_identifier(
        self,
    ):
        for table in TABLES:
            deid.check_exportable(table.names)  # raises, naming any column it refuses
        written = {name for table in TABLES for name in table.names}
        self.assertEqual(written & deid.IDENTIFIER_COLUMNS, set())
        # One list: the allowlist names no column the export does not write either.
        self.assertEqual(deid.EXPORTABLE_COLUMNS - written, set())

    def test_a_column_off_deids_allowlist_breaks_the_rules(self):
        self.assertEqual(
            c.check_allowlist([OFF_THE_ALLOWLIST]),
            ["t.shoe_size: not on the allowlist (research.deid.EXPORTABLE_COLUMNS)"],
        )

    def test_the_rules_catch_identifiers_text_and_unshifted_dates(self):
        bad = c.Table(
            "bad",
            "",
            (
                c.Column("mrn", "string", "x"),
                c.Column("research_id", "string", "x"),
                c.Column("note_text", "string", "x"),
                c.Column("given_on", "date", "the real day"),
                c.Column("signed_at", "string", "x"),
                c.Column("offset_days", "integer", "x"),
            ),
        )
        problems = "\n".join(c.check_allowlist([bad]))
        expected_problems = ("first column", "bad.mrn", "bad.note_text", "not shifted",
                             "signed_at", "offset_days: an identifier")  # fmt: skip
        for expected in expected_problems:
            self.assertIn(expected, problems)

    def test_the_dictionary_describes_every_column(self):
        rows = {t.name: 3 for t in TABLES}
        data = dictionary_json(list(TABLES), rows)
        self.assertEqual(set(data["code_systems"]), {"LOINC", "UCUM", "project"})
        self.assertEqual([t["name"] for t in data["tables"]], [t.name for t in TABLES])
        for table, described in zip(TABLES, data["tables"], strict=True):
            self.assertEqual([col["name"] for col in described["columns"]], table.names)
            for col in described["columns"]:
                self.assertEqual(set(col), {"name", "type", "unit", "code_system", "derivation"})
                self.assertTrue(col["derivation"])
        markdown = dictionary_markdown(list(TABLES), rows)
        for table in TABLES:
            self.assertIn(f"## {table.name}", markdown)
            for name in table.names:
                self.assertIn(f"| {name} |", markdown)


class ArrayTests(SimpleTestCase):
    def test_a_column_shift_matches_deids_shift_of_each_date(self):
        days = [date(2024, 2, 28), date(2023, 12, 31), None, date(2024, 3, 1)]
        offsets = [2, -365, 10, 1]
        expected = [deid.shift_date(d, o) for d, o in zip(days, offsets, strict=True)]
        self.assertEqual(shifted(days, offsets).to_pylist(), expected)

    def test_ages_count_completed_years(self):
        born = [date(2000, 6, 15), date(2000, 6, 15), date(2000, 2, 29), date(1930, 1, 1)]
        on = [date(2030, 6, 14), date(2030, 6, 15), date(2001, 2, 28), date(2026, 1, 1)]
        self.assertEqual(ages(born, on).to_pylist(), [29, 30, 0, 96])

    def test_minutes_of_durations(self):
        values = [timedelta(minutes=40, seconds=30), None, timedelta(seconds=-90)]
        self.assertEqual(minutes(values).to_pylist(), [40.5, None, -1.5])
