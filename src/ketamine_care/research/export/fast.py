"""The research export's tables on PostgreSQL: one SQL statement per table (`fast_sql`),
streamed with `COPY (SELECT ...) TO STDOUT` as CSV into pyarrow's streaming CSV reader and
written by the same `TableWriter` as the Python path (`run.write_table`): no Python object
per value, and the files, columns and types are the Python path's.

Order: the kept patients' table (the cohort's research ids and date offsets), the patients
table read from SQL and k-anonymised by `kanon.k_anonymise_table` (one small row per
patient), the suppressed patients deleted from the kept table, then every other table
joined to it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
from django.db import connection
from psycopg import sql as psql
from pyarrow import csv as pacsv

from ketamine_care.instruments.definition import ARCHIVE_DIR, list_codes, load_definition
from ketamine_care.research import deid
from ketamine_care.research.export import columns as c
from ketamine_care.research.export import fast_sql as q
from ketamine_care.research.export.arrays import micro_minutes, ratio
from ketamine_care.research.export.cohort import QUASI_IDENTIFIERS
from ketamine_care.research.export.kanon import k_anonymise_table, map_values
from ketamine_care.research.export.sources_measures import instrument_codes
from ketamine_care.research.export.writer import TableWriter

READ_BLOCK = 8 << 20  # bytes of CSV per record batch (a Parquet row group or so)
MINUTE_COLUMNS = {"minutes_dose_to_discharge", "infusion_minutes", "onset_minute"}
STATEMENTS: dict[str, q.Statement] = {
    "courses": q.COURSES,
    "sessions": q.SESSIONS,
    "doses": q.DOSES,
    "vitals_summaries": q.VITALS,
    "administrations": q.ADMINISTRATIONS,
    "item_answers": q.ITEM_ANSWERS,
    "outcomes": q.OUTCOMES,
    "adverse_events": q.ADVERSE_EVENTS,
}


def _blocks(copy) -> Iterator[bytes]:
    """A COPY TO STDOUT's data in blocks of about READ_BLOCK bytes, each ending at the end
    of a row (the server sends one message per row)."""
    parts: list = []
    size = 0
    for chunk in copy:
        parts.append(chunk)
        size += len(chunk)
        if size >= READ_BLOCK:
            yield b"".join(parts)
            parts, size = [], 0
    if parts:
        yield b"".join(parts)


def read_batches(cursor, statement: q.Statement, text: str) -> Iterator[pa.RecordBatch]:
    """The statement's rows as record batches of its columns' types. Strings: an empty
    unquoted field is NULL, a quoted one the empty string (PostgreSQL's CSV)."""
    names = [name for name, _ in statement.columns]
    convert = pacsv.ConvertOptions(
        column_types=dict(statement.columns),
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        true_values=["t"],
        false_values=["f"],
    )
    options = pacsv.ReadOptions(column_names=names, block_size=READ_BLOCK, use_threads=False)
    with cursor.copy(f"COPY ({text}) TO STDOUT (FORMAT csv)") as copy:
        for block in _blocks(copy):
            table = pacsv.read_csv(
                pa.BufferReader(block), read_options=options, convert_options=convert
            )
            yield from table.to_batches()


def table_batch(table: c.Table, batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch as read from SQL turned into the table's columns: day numbers as dates,
    microseconds as minutes, the dose per kilogram derived (as `sources._build_doses`)."""
    arrays = []
    for column in table.columns:
        if column.name == "dose_mg_per_kg":
            array = ratio(batch.column("dose_mg"), batch.column("weight_kg"))
        elif column.name in MINUTE_COLUMNS:
            array = micro_minutes(batch.column(column.name))
        else:
            array = batch.column(column.name).cast(column.arrow_type)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, schema=table.schema)


class FastExport:
    """The SQL path of one export, on Django's PostgreSQL connection."""

    def __init__(self, scope, cohort: str, folder: Path, *, csv: bool) -> None:
        self.scope, self.cohort, self.folder, self.csv = scope, cohort, folder, csv
        stem = f"research_fast_{secrets.token_hex(6)}"
        self.names = {"kept": f"{stem}_kept", "codes": f"{stem}_codes"}
        connection.ensure_connection()
        self.literals = {
            "zone": self._literal(str(scope.zone)),
            "clinic": self._literal(scope.project.clinic.pk),
        }

    def _literal(self, value) -> str:
        return psql.Literal(value).as_string(connection.connection)

    def sql(self, statement: q.Statement, **more: str) -> str:
        return statement.sql.format(**self.names, **self.literals, **more)

    def __enter__(self) -> FastExport:
        with connection.cursor() as cursor:
            self._make_kept(cursor)
            self._make_codes(cursor)
        return self

    def __exit__(self, *exc) -> None:
        with connection.cursor() as cursor:
            for name in self.names.values():
                cursor.execute(f"DROP TABLE IF EXISTS {name}")

    def _make_kept(self, cursor) -> None:
        kept = self.names["kept"]
        cursor.execute(
            f"CREATE TEMPORARY TABLE {kept} AS "
            "SELECT rs.patient_id, rs.research_id AS rid, ps.offset_days AS shift "
            "FROM research_researchsubject rs "
            "LEFT JOIN research_patientshift ps ON ps.patient_id = rs.patient_id "
            f"WHERE rs.project_id = %s AND rs.patient_id IN (SELECT * FROM {self.cohort})",
            [self.scope.project.pk],
        )
        cursor.execute(f"CREATE INDEX ON {kept} (patient_id)")
        cursor.execute(f"ANALYZE {kept}")

    def _make_codes(self, cursor) -> None:
        """Every shipped instrument definition's panel code and items, as the Python path
        reads them (`sources_measures.instrument_codes`)."""
        codes = self.names["codes"]
        cursor.execute(
            f"CREATE TEMPORARY TABLE {codes} (code text, version text, panel text, items jsonb)"
        )
        rows = []
        for code, version in shipped_versions():
            panel, items = instrument_codes(code, version)
            rows.append((code, version, panel, json.dumps(items)))
        cursor.executemany(f"INSERT INTO {codes} VALUES (%s, %s, %s, %s::jsonb)", rows)
        cursor.execute(f"ANALYZE {codes}")

    def write_patients(self, today: date) -> tuple[int, dict]:
        """The k-anonymous patients table; the suppressed patients leave the kept table."""
        text = self.sql(q.PATIENTS, today=self._literal(today))
        with connection.cursor() as cursor:
            read = list(read_batches(cursor.cursor, q.PATIENTS, text))
            table = patients_before_kanon(pa.Table.from_batches(read, schema=_schema(q.PATIENTS)))
            anonymous, report = k_anonymise_table(table, QUASI_IDENTIFIERS)
            gone = set(table.column("patient_id").to_pylist())
            gone -= set(anonymous.column("patient_id").to_pylist())
            if gone:
                cursor.execute(
                    f"DELETE FROM {self.names['kept']} WHERE patient_id = ANY(%s)", [sorted(gone)]
                )
        anonymous = anonymous.drop_columns(["patient_id"])
        with TableWriter(c.PATIENTS, self.folder, csv=self.csv) as out:
            for batch in anonymous.to_batches(max_chunksize=50_000):
                out.write(batch)
        return out.rows, report.as_dict()

    def write_table(self, table: c.Table) -> int:
        statement = STATEMENTS[table.name]
        with connection.cursor() as cursor, TableWriter(table, self.folder, csv=self.csv) as out:
            for batch in read_batches(cursor.cursor, statement, self.sql(statement)):
                out.write(table_batch(table, batch))
        return out.rows


def _schema(statement: q.Statement) -> pa.Schema:
    return pa.schema([pa.field(name, type_) for name, type_ in statement.columns])


def patients_before_kanon(read: pa.Table) -> pa.Table:
    """The patients table's columns (ages in deid's bands) and the patient id last."""
    bands = map_values(read.column("age").combine_chunks(), lambda age: deid.age_band(int(age)))
    arrays = [
        read.column("research_id"),
        read.column("sex"),
        bands.cast(pa.string()),
        read.column("protocol"),
        read.column("start_month"),
        read.column("courses"),
        read.column("patient_id"),
    ]
    schema = c.PATIENTS.schema.append(pa.field("patient_id", pa.int64()))
    return pa.Table.from_arrays(arrays, schema=schema)


def shipped_versions() -> list[tuple[str, str]]:
    """(code, version) of every shipped instrument definition, current and archived."""
    found = []
    for code in list_codes():
        versions = {load_definition(code).version}
        versions |= {path.stem for path in (ARCHIVE_DIR / code).glob("*.json")}
        found += [(code, version) for version in sorted(versions)]
    return found
