"""How the SQL path reads its statements' rows into arrow, on one of two connections:

- `AdbcSession`: its own connection through the Arrow project's PostgreSQL driver (ADBC),
  which reads the server's binary COPY straight into arrow in C++: no Python call per row.
  Used when Django's connection has nothing uncommitted (a separate connection sees only
  committed rows: the research ids and offsets the export just made are committed first).
- `DjangoSession`: Django's own connection, `COPY (SELECT ...) TO STDOUT` as CSV parsed by
  pyarrow in row-aligned blocks (one Python call per row to receive it). Used inside a
  transaction (tests, a caller's atomic block) or when the driver is not installed.

Both run the same statements (`fast_sql`) and give batches of the statement's declared
columns and types; the temporary tables a statement reads are made on the same session.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from urllib.parse import quote, urlencode

import pyarrow as pa
from django.conf import settings
from django.db import connection
from psycopg import ClientCursor
from pyarrow import csv as pacsv

from ketamine_care.research.export import fast_sql as q

READ_BLOCK = 8 << 20  # bytes of CSV parsed at a time (a Parquet row group or so)
FETCH_ROWS = 20_000  # rows per batch of a statement read through psycopg (`_fetched`)
PREFETCH = 4  # record batches the driver reads ahead of the writer
PREFER_ADBC = True  # False: always Django's connection (the benchmark measures both)


def statement_schema(statement: q.Statement) -> pa.Schema:
    return pa.schema([pa.field(name, type_) for name, type_ in statement.columns])


class DjangoSession:
    name = "django"

    def execute(self, sql: str, params=None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def executemany(self, sql: str, rows: list) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def ingest(self, name: str, table: pa.Table) -> None:
        """`table` (integer and string columns) as a new temporary table `name` (COPY)."""
        types = {pa.int64(): "bigint", pa.int32(): "integer", pa.string(): "text"}
        columns = ", ".join(f"{f.name} {types[f.type]}" for f in table.schema)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
            with cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy:
                for row in zip(*(column.to_pylist() for column in table.columns), strict=True):
                    copy.write_row(row)

    def batches(self, statement: q.Statement, text: str) -> Iterator[pa.RecordBatch]:
        """The rows as record batches. Strings: an empty unquoted field is NULL, a quoted
        one the empty string (PostgreSQL's CSV)."""
        names = [name for name, _ in statement.columns]
        if any(pa.types.is_list(type_) for _, type_ in statement.columns):
            yield from _fetched(statement, text)
            return
        convert = pacsv.ConvertOptions(
            column_types=dict(statement.columns),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        )
        options = pacsv.ReadOptions(column_names=names, block_size=READ_BLOCK, use_threads=False)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({text}) TO STDOUT (FORMAT csv)") as copy,
        ):
            for block in _blocks(copy):
                table = pacsv.read_csv(
                    pa.BufferReader(block), read_options=options, convert_options=convert
                )
                yield from table.to_batches()

    def cancel(self) -> None:
        """Never runs beside another session (one connection: nothing to cancel)."""

    def close(self) -> None:
        pass


def _fetched(statement: q.Statement, text: str) -> Iterator[pa.RecordBatch]:
    """The rows of a statement with array columns (CSV has no arrays): fetched by psycopg,
    which reads PostgreSQL's arrays into lists, a block of rows at a time."""
    schema = statement_schema(statement)
    with connection.cursor() as cursor:
        cursor.execute(text)
        while rows := cursor.fetchmany(FETCH_ROWS):
            columns = zip(*rows, strict=True)
            arrays = [pa.array(column, f.type) for column, f in zip(columns, schema, strict=True)]
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)


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


class AdbcSession:
    name = "adbc"

    def __init__(self, dbapi) -> None:
        self._dbapi = dbapi
        self._connection = dbapi.connect(database_uri())
        self._cursor = self._connection.cursor()

    def another(self) -> AdbcSession:
        """A second session of its own (its own connection and transaction)."""
        return AdbcSession(self._dbapi)

    def ingest(self, name: str, table: pa.Table) -> None:
        """`table` as a new temporary table `name` of this session (binary COPY)."""
        self._cursor.adbc_ingest(name, table, mode="create", temporary=True)

    def cancel(self) -> None:
        """Stop the statement this session runs (from another thread), if any."""
        self._cursor.adbc_cancel()

    def execute(self, sql: str, params=None) -> None:
        self._cursor.execute(_inline(sql, params))

    def executemany(self, sql: str, rows: list) -> None:
        for row in rows:
            self._cursor.execute(_inline(sql, row))

    def batches(self, statement: q.Statement, text: str) -> Iterator[pa.RecordBatch]:
        """The rows as record batches, renamed and cast to the statement's columns. The
        driver reads the next batches on a thread of its own (`prefetched`) while the caller
        writes this one: the server, the driver and the writer work at the same time."""
        schema = statement_schema(statement)
        self._cursor.execute(text)
        for batch in prefetched(self._cursor.fetch_record_batch()):
            arrays = [batch.column(i).cast(f.type) for i, f in enumerate(schema)]
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)

    def close(self) -> None:
        self._cursor.close()
        self._connection.rollback()  # only temporary tables: nothing to keep
        self._connection.close()


_DONE = object()


def prefetched(source: Iterable, depth: int = PREFETCH) -> Iterator:
    """`source`'s items, read ahead by up to `depth` items on a thread (pyarrow and the
    driver release the GIL while they read). An error of the source is raised here; when
    the caller stops early (or fails), the thread stops after its current item."""
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in source:
                if not put((None, item)):
                    return
        except BaseException as error:  # handed to the caller, raised there
            put((error, None))
            return
        put((None, _DONE))

    reader = threading.Thread(target=read, name="research-export-read", daemon=True)
    reader.start()
    try:
        while True:
            error, item = ahead.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        reader.join()


def _inline(sql: str, params) -> str:
    """`sql` with its %s parameters as literals, quoted by psycopg for Django's connection."""
    if not params:
        return sql
    connection.ensure_connection()
    return ClientCursor(connection.connection).mogrify(sql, params)


def database_uri() -> str:
    """A libpq URI for Django's default database (a socket folder as HOST goes in the
    query string, as libpq wants it)."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = db.get("HOST") or "", str(db.get("PORT") or "")
    query = {"host": host} if host.startswith("/") else {}
    if port and (query or not host):
        query["port"] = port
    location = "" if query.get("host") else (f"{host}:{port}" if host and port else host)
    tail = ("?" + urlencode(query)) if query else ""
    return f"postgresql://{auth}{location}/{quote(db['NAME'], safe='')}{tail}"


def open_session() -> DjangoSession | AdbcSession:
    """ADBC when it can see what Django's connection wrote (nothing uncommitted) and the
    driver is installed; Django's connection otherwise."""
    if PREFER_ADBC and not connection.in_atomic_block:
        try:
            import adbc_driver_postgresql.dbapi as dbapi
        except ImportError:
            return DjangoSession()
        return AdbcSession(dbapi)
    return DjangoSession()
