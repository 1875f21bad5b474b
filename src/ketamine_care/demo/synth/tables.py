"""Row buffers for the synthetic load and the two ways of writing them: PostgreSQL's COPY
(psycopg `cursor.copy`) and, for SQLite (tests, small N), `executemany` of the values Django
itself would have stored. Rows carry their primary keys: ids are reserved from each table's
sequence before a batch is generated, so children can name their parents without a round
trip. JSON columns arrive already serialised."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter

from django.db import connection, models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escaped(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


_TEXT = {
    str: _escaped,
    int: str,
    bool: lambda v: "t" if v else "f",
    Decimal: str,
    float: repr,
    datetime: datetime.isoformat,
    date: date.isoformat,
    uuid.UUID: str,
}


class Table:
    """The rows of one model for one batch, each a dict of attnames; `defaults` fill the
    columns a row leaves out."""

    def __init__(self, model: type[models.Model], defaults: dict | None = None) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.names = [f.attname for f in self.fields]
        self.defaults = defaults or {}
        self.rows: list[dict] = []

    def add(self, **row) -> dict:
        full = {**self.defaults, **row}
        self.rows.append(full)
        return full

    def tuples(self) -> list[tuple]:
        missing = set(self.names) - set(self.rows[0]) if self.rows else set()
        if missing:
            raise ValueError(f"{self.model.__name__}: no value for {sorted(missing)}")
        getter = itemgetter(*self.names)
        return [getter(row) for row in self.rows]


class Ids:
    """Primary keys handed out in blocks: on PostgreSQL from the table's own sequence (so the
    app's later inserts never collide), on SQLite after the largest id in use."""

    def __init__(self) -> None:
        self.next: dict[type, int] = {}
        self.sequences: dict[type, str] = {}

    def block(self, model: type[models.Model], count: int) -> int:
        """Reserve `count` ids; the first of them."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                if model not in self.sequences:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                    self.sequences[model] = cursor.fetchone()[0]
                sequence = self.sequences[model]
                cursor.execute(
                    "SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count]
                )
                return cursor.fetchone()[0] - count + 1
            if model not in self.next:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')  # noqa: S608
                self.next[model] = cursor.fetchone()[0]
        first = self.next[model]
        self.next[model] = first + count
        return first


def render(table: Table) -> tuple[str, list[str], bytes, int]:
    """The table's rows in COPY's text format: (table, columns, data, row count); the buffer
    is emptied. Made without a database connection (in a worker process)."""
    rows = table.tuples()
    text = _TEXT.get
    lines = ["\t".join("\\N" if v is None else text(type(v), str)(v) for v in row) for row in rows]
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    table.rows.clear()
    return table.model._meta.db_table, [f.column for f in table.fields], data, len(rows)


def copy_rendered(name: str, columns: list[str], data: bytes) -> None:
    """COPY rendered rows into `name` (PostgreSQL)."""
    if not data:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
            copy.write(data)


def write(table: Table) -> int:
    """Insert the table's rows; how many."""
    if not table.rows:
        return 0
    rows = table.tuples()
    columns = [f.column for f in table.fields]
    name = table.model._meta.db_table
    if connection.vendor == "postgresql":
        _copy(name, columns, rows)
    else:
        _insert(name, columns, table.fields, rows)
    count = len(rows)
    table.rows.clear()
    return count


def _copy(name: str, columns: list[str], rows: list[tuple]) -> None:
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def _insert(name: str, columns: list[str], fields, rows: list[tuple]) -> None:
    """The values Django's own save would store (dates, UUIDs, decimals as SQLite keeps
    them); JSON columns are already text."""
    prep = [
        None
        if isinstance(f, models.JSONField)
        else (lambda v, f=f: f.get_db_prep_save(v, connection))
        for f in fields
    ]
    converted = [
        tuple(v if p is None or v is None else p(v) for p, v in zip(prep, row, strict=True))
        for row in rows
    ]
    placeholders = ", ".join(["%s"] * len(columns))
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f'INSERT INTO "{name}" ({quoted}) VALUES ({placeholders})',  # noqa: S608
            converted,
        )
