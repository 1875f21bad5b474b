"""The research export's tables on PostgreSQL: one SQL statement per table (`fast_sql`),
read into arrow by a session of `fast_read` (the server's COPY, never a Python object per
value) and written by the same `TableWriter` as the Python path (`run.write_table`): the
files, columns and types are the Python path's.

Order: the kept patients' table (the cohort's research ids and date offsets), the patients
table read from SQL and k-anonymised by `kanon.k_anonymise_table` (one small row per
patient), the kept patients numbered in the file's order by the client (`people_table`,
copied into the session), the courses and sessions numbered (`fast_sql.NUMBER_SESSIONS`),
then every other table joined to them (the administrations
numbered as they are read: `fast_ratings`).

Integers cross the wire where strings repeat: each row names its patient by the patient's
number in the patients file (`seq`) and each item answer its item by its number in the
export's `ItemCodes`; `decode_batch` turns them back into the research id, instrument, item
and item LOINC strings, so the files are what they were.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
from django.db import connection
from psycopg import sql as psql
from pyarrow import csv as pacsv

from ketamine_care.instruments.definition import ARCHIVE_DIR, list_codes, load_definition
from ketamine_care.research import deid
from ketamine_care.research.export import columns as c
from ketamine_care.research.export import fast_ratings as r
from ketamine_care.research.export import fast_sql as q
from ketamine_care.research.export.arrays import dictionary, micro_minutes, patient_runs, ratio
from ketamine_care.research.export.cohort import QUASI_IDENTIFIERS
from ketamine_care.research.export.fast_parallel import write_tables
from ketamine_care.research.export.fast_ratings import jsonb_order
from ketamine_care.research.export.fast_read import DjangoSession, open_session, statement_schema
from ketamine_care.research.export.kanon import k_anonymise_table, map_values
from ketamine_care.research.export.sources_measures import instrument_codes
from ketamine_care.research.export.writer import TableWriter

MINUTE_COLUMNS = {"minutes_dose_to_discharge", "infusion_minutes", "onset_minute"}
STATEMENTS: dict[str, q.Statement] = {
    "courses": q.COURSES,
    "sessions": q.SESSIONS,
    "doses": q.DOSES,
    "vitals_summaries": q.VITALS,
    "outcomes": q.OUTCOMES,
    "adverse_events": q.ADVERSE_EVENTS,
}


# Per export, on the export's own transaction only (SET LOCAL): no JIT compilation (a second
# or more per statement, for queries that run once), and sorts and hashes of the numbering
# tables in memory rather than in temporary files.
SETTINGS = ("SET LOCAL jit = off", "SET LOCAL work_mem = '256MB'")
ITEM_COLUMNS = ("instrument", "item", "item_loinc")


class ItemCodes:
    """The shipped definitions' items numbered 0, 1, ...: an item answer's number, and the
    instrument, item id and item LOINC it stands for; and the definitions numbered 0, 1,
    ... (`definitions`: code, version, LOINC panel and its items with their numbers, in
    jsonb's key order), the number the SQL sends with an administration; `item_names` and
    `item_numbers` find an answer's item from its definition's number and its key."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str | None]] = []
        self.by_version: dict[tuple[str, str], dict[str, int]] = {}
        self.definitions: list[tuple[str, str, str | None, list[tuple[str, int]]]] = []
        self._tables: tuple[pa.Array, pa.Array] | None = None

    def add(
        self, code: str, version: str, items: dict[str, str | None], panel: str | None = None
    ) -> dict[str, int]:
        numbers = {}
        for item, loinc in items.items():
            numbers[item] = len(self.rows)
            self.rows.append((code, item, loinc))
        self.by_version[(code, version)] = numbers
        self._tables = None
        keys = sorted(numbers.items(), key=lambda pair: jsonb_order(pair[0]))
        self.definitions.append((code, version, panel, keys))
        return numbers

    def column(self, name: str) -> pa.Array:
        index = ITEM_COLUMNS.index(name)
        return pa.array([row[index] for row in self.rows], pa.string())

    def panels(self) -> pa.Array:
        """Each definition's LOINC panel, by the definition's number."""
        return pa.array([panel for _, _, panel, _ in self.definitions], pa.string())

    def item_names(self) -> pa.Array:
        """Every item id of every definition, once each (`item_numbers`)."""
        return self._lookup()[0]

    def item_numbers(self) -> pa.Array:
        """An item's number at `definition * len(item_names()) + the item id's place in
        item_names()`, null where the id is no item of that definition: how
        `fast_ratings.expand_answers` looks an answer's key up."""
        return self._lookup()[1]

    def _lookup(self) -> tuple[pa.Array, pa.Array]:
        if self._tables is None:
            names = sorted({item for _, _, _, keys in self.definitions for item, _ in keys})
            place = {name: index for index, name in enumerate(names)}
            numbers: list[int | None] = [None] * (len(names) * len(self.definitions))
            for index, (_, _, _, keys) in enumerate(self.definitions):
                for item, number in keys:
                    numbers[index * len(names) + place[item]] = number
            self._tables = (pa.array(names, pa.string()), pa.array(numbers, pa.int32()))
        return self._tables


def shipped_codes() -> ItemCodes:
    """Every shipped definition version's items and panel (`sources_measures.instrument_codes`,
    as the Python path reads them)."""
    items = ItemCodes()
    for code, version in shipped_versions():
        panel, loincs = instrument_codes(code, version)
        items.add(code, version, loincs, panel)
    return items


def decode_batch(
    batch: pa.RecordBatch, rids: pa.Array | None = None, items: ItemCodes | None = None
) -> pa.RecordBatch:
    """A batch as the SQL sends it with its numbers replaced: `research_id` (a patient's
    `seq`) by the research id in `rids` at that position, `item_code` by the instrument,
    item and item LOINC it stands for, `definition` by its panel's LOINC. The strings come
    as dictionary arrays over the lists (`dictionary`): no string is copied per row, and the
    Parquet writer stores them as they are (`writer.parquet_schema`). A number outside the
    lists is an error."""
    columns = {name: batch.column(name) for name in batch.schema.names}
    if rids is not None and "research_id" in columns:
        columns["research_id"] = patient_runs(columns["research_id"], rids)
    if items is not None and "definition" in columns:
        columns["instrument_loinc"] = dictionary(columns.pop("definition"), items.panels())
    if items is not None and "item_code" in columns:
        numbers = columns.pop("item_code")
        for name in ITEM_COLUMNS:
            columns[name] = dictionary(numbers, items.column(name))
    return pa.RecordBatch.from_arrays(list(columns.values()), names=list(columns))


def table_batch(
    table: c.Table,
    batch: pa.RecordBatch,
    rids: pa.Array | None = None,
    items: ItemCodes | None = None,
) -> pa.RecordBatch:
    """A batch as read from SQL turned into the table's columns: numbers decoded
    (`decode_batch`), day numbers as dates, microseconds as minutes, the dose per kilogram
    derived (as `sources._build_doses`). String columns may stay dictionary arrays
    (`decode_batch`), which `writer.TableWriter` takes as the table's strings."""
    batch = decode_batch(batch, rids, items)
    arrays = []
    for column in table.columns:
        if column.name == "dose_mg_per_kg":
            array = ratio(batch.column("dose_mg"), batch.column("weight_kg"))
        elif column.name in MINUTE_COLUMNS:
            array = micro_minutes(batch.column(column.name))
        else:
            array = batch.column(column.name)
            if not pa.types.is_dictionary(array.type):  # a dictionary is already strings
                array = array.cast(column.arrow_type)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=table.names)


class FastExport:
    """The SQL path of one export: its temporary tables and reads on one session
    (`fast_read.open_session`: its own ADBC connection, or Django's), and a second one for
    some tables (`fast_parallel`)."""

    SETTINGS = SETTINGS

    def __init__(self, scope, folder: Path, *, csv: bool) -> None:
        self.scope, self.folder, self.csv = scope, folder, csv
        self.session = open_session()
        stem = f"research_fast_{secrets.token_hex(6)}"
        self.names = {
            name: f"{stem}_{name}" for name in ("cohort", "kept", "people", "plans", "sess")
        }
        self.rids: pa.Array | None = None
        self.people: pa.Table | None = None
        self.items = shipped_codes()
        connection.ensure_connection()
        self.literals = {
            "zone": self._literal(str(scope.zone)),
            "clinic": self._literal(scope.project.clinic.pk),
        }
        # Made here, on the caller's thread: its literals are quoted by Django's connection.
        self.ratings = r.statement(self.items, self._literal)

    def _literal(self, value) -> str:
        return psql.Literal(value).as_string(connection.connection)

    def sql(self, statement: str, **more: str) -> str:
        return statement.format(**self.names, **self.literals, **more)

    def __enter__(self) -> FastExport:
        try:
            for setting in SETTINGS:
                self.session.execute(setting)
            self._make_kept()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        """Drop the temporary tables and close the session. After a failure the drops may
        fail too (the transaction is aborted; its rollback removes the tables): the
        original error is the one raised."""
        failed = bool(exc) and exc[0] is not None
        try:
            for name in self.names.values():
                self.session.execute(f"DROP TABLE IF EXISTS {name}")
        except Exception:
            if not failed:
                raise
        finally:
            self.session.close()

    def _make_kept(self) -> None:
        """The consenting patients' research ids and offsets: the cohort as the export
        decided it once (`cohort.cohort_table`, on Django's connection), read from there
        by this session (`_cohort`)."""
        kept = self.names["kept"]
        self.session.execute(
            f"CREATE TEMPORARY TABLE {kept} AS "
            "SELECT rs.patient_id, rs.research_id AS rid, ps.offset_days AS shift "
            "FROM research_researchsubject rs "
            "LEFT JOIN research_patientshift ps ON ps.patient_id = rs.patient_id "
            f"WHERE rs.project_id = %s AND rs.patient_id IN (SELECT pk FROM {self._cohort()})",
            [self.scope.project.pk],
        )
        self.session.execute(f"CREATE INDEX ON {kept} (patient_id)")
        self.session.execute(f"ANALYZE {kept}")

    def _cohort(self) -> str:
        """A table of the cohort's patient ids (column `pk`) this session can read: the
        export's own on Django's connection, or its ids copied into a temporary table of
        this session (binary COPY); never the consent query again. The ids leave Django's
        connection as one value (`cohort_ids`), not a message and a Python call per row."""
        if isinstance(self.session, DjangoSession):
            return self.scope.cohort
        name = self.names["cohort"]
        self.session.ingest(name, pa.table({"pk": cohort_ids(self.scope.cohort)}))
        self.session.execute(f"ANALYZE {name}")
        return name

    def write_patients(self, today: date) -> tuple[int, dict]:
        """The k-anonymous patients table, and the kept patients numbered in its order
        (`people_table`: `{people}`, copied into this session and indexed; their courses and
        sessions are numbered by `number_sessions`, on the session that writes them)."""
        text = self.sql(q.PATIENTS.sql, today=self._literal(today))
        read = list(self.session.batches(q.PATIENTS, text))
        table = patients_before_kanon(
            pa.Table.from_batches(read, schema=statement_schema(q.PATIENTS))
        )
        anonymous, report = k_anonymise_table(table, QUASI_IDENTIFIERS)
        self.people = people_table(anonymous)
        self.session.ingest(self.names["people"], self.people)
        for statement in q.NUMBER_PEOPLE:
            self.session.execute(self.sql(statement))
        self.rids = anonymous.column("research_id").combine_chunks()
        anonymous = anonymous.drop_columns(["patient_id", "shift"])
        with TableWriter(c.PATIENTS, self.folder, csv=self.csv) as out:
            for batch in anonymous.to_batches(max_chunksize=50_000):
                out.write(batch)
        return out.rows, report.as_dict()

    def number_sessions(self) -> None:
        """`{plans}` and `{sess}` (`fast_sql.NUMBER_SESSIONS`) on the export's session, for
        every table but the patients' and the rating-scale ones."""
        for statement in q.NUMBER_SESSIONS:
            self.session.execute(self.sql(statement))

    def write_tables(self, tables, tell) -> dict[str, int]:
        """Every table but the patients' (`fast_parallel.write_tables`)."""
        return write_tables(self, tables, tell)

    def write_table(self, table: c.Table, session=None) -> int:
        """One table's file(s), read on `session` (the export's own by default)."""
        session = session or self.session
        statement = STATEMENTS[table.name]
        with TableWriter(table, self.folder, csv=self.csv) as out:
            for batch in session.batches(statement, self.sql(statement.sql)):
                out.write(table_batch(table, batch, self.rids, self.items))
        return out.rows

    def ratings_writers(self) -> tuple[TableWriter, TableWriter]:
        """The administrations and item answers files, opened (`write_rating_batch`)."""
        return (
            TableWriter(c.ADMINISTRATIONS, self.folder, csv=self.csv),
            TableWriter(c.ITEM_ANSWERS, self.folder, csv=self.csv),
        )

    def read_ratings(self, session, first: int, last: int) -> Iterator[pa.RecordBatch]:
        """The rows of the rating-scale statement (`fast_ratings`) for the kept patients
        whose ids are `first` to `last` (both included), in the files' order, as the
        statement sends them."""
        text = self.sql(self.ratings.sql, first=str(first), last=str(last))
        for setting in r.PLAN:
            session.execute(setting)
        yield from session.batches(self.ratings, text)
        for setting in r.UNPLAN:
            session.execute(setting)

    def write_rating_batch(self, writers: tuple[TableWriter, TableWriter], batch) -> None:
        """One batch of the rating-scale statement into both files."""
        administrations, answers = writers
        administrations.write(table_batch(c.ADMINISTRATIONS, batch, self.rids, self.items))
        expanded = r.expand_answers(batch, self.items)
        answers.write(table_batch(c.ITEM_ANSWERS, expanded, self.rids, self.items))

    def write_ratings(self, session=None) -> dict[str, int]:
        """The administrations and item answers files, from one statement over every kept
        patient (`fast_ratings`)."""
        session = session or self.session
        writers = self.ratings_writers()
        with writers[0], writers[1]:
            for batch in self.read_ratings(session, *r.ALL):
                self.write_rating_batch(writers, batch)
        return {"administrations": writers[0].rows, "item_answers": writers[1].rows}


def cohort_ids(cohort: str) -> pa.Array:
    """The ids in the cohort table `cohort` (on Django's connection), in no set order: one
    text value, the ids a line each, parsed by arrow. At a million patients, 0.05 s of this
    process's CPU against 3 s for a COPY read row by row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT string_agg(pk::text, E'\\n') FROM {cohort}")  # a name made here
        text = cursor.fetchone()[0]
    if not text:
        return pa.array([], pa.int64())
    read = pacsv.read_csv(
        pa.BufferReader(text.encode()),
        read_options=pacsv.ReadOptions(column_names=["pk"], use_threads=False),
        convert_options=pacsv.ConvertOptions(column_types={"pk": pa.int64()}),
    )
    return read.column("pk").combine_chunks()


def patients_before_kanon(read: pa.Table) -> pa.Table:
    """The patients table's columns (ages in deid's bands), then the patient id and offset."""
    bands = map_values(read.column("age").combine_chunks(), lambda age: deid.age_band(int(age)))
    arrays = [
        read.column("research_id"),
        read.column("sex"),
        bands.cast(pa.string()),
        read.column("protocol"),
        read.column("start_month"),
        read.column("courses"),
        read.column("patient_id"),
        read.column("shift"),
    ]
    schema = c.PATIENTS.schema.append(pa.field("patient_id", pa.int64()))
    schema = schema.append(pa.field("shift", pa.int32()))
    return pa.Table.from_arrays(arrays, schema=schema)


def people_table(anonymous: pa.Table) -> pa.Table:
    """`{people}`: the kept patients' ids and offsets, each numbered (`seq`) by its place
    in the patients file, which is the research id's place in `rids` (the numbers the
    statements send). The file is in patient-id order, so `seq` follows the patient ids."""
    return pa.table(
        {
            "patient_id": anonymous.column("patient_id"),
            "shift": anonymous.column("shift"),
            "seq": pa.array(np.arange(anonymous.num_rows, dtype=np.int32)),
        }
    )


def shipped_versions() -> list[tuple[str, str]]:
    """(code, version) of every shipped instrument definition, current and archived."""
    found = []
    for code in list_codes():
        versions = {load_definition(code).version}
        versions |= {path.stem for path in (ARCHIVE_DIR / code).glob("*.json")}
        found += [(code, version) for version in sorted(versions)]
    return found
