"""One export table written as Parquet and CSV together, a record batch at a time.

The Parquet file is written by pyarrow's `ParquetWriter` (one row group per batch or so);
the CSV through the project's formula-safe writer (`core.spreadsheet`), so a value a
spreadsheet would run as a formula is quoted. Neither holds more than one batch in memory.
A table with a column outside the de-identification allowlist
(`research.deid.EXPORTABLE_COLUMNS`) is refused before any file is opened, and a batch whose
columns are not exactly the table's (names, order, types) is refused too. A string column
may come dictionary-encoded (`dictionary<int32, string>`: the SQL path's research ids and
item strings, decoded from numbers without copying a string per row); its values are what
count.

How the Parquet file is encoded (`parquet_schema`, `PARQUET_OPTIONS`): every string column
but a table's unique ones (`UNIQUE`) is written from a dictionary array, so the writer
stores the dictionary and its indices as they are instead of hashing every string again;
no column statistics (min/max per row group: the rows are in patient order and research
ids are random, so no column's range would let a reader skip a row group); and no stored
Arrow schema, so a reader takes each column's type from its Parquet type (`string`,
`int64`, `double`, `date32`, `bool`), which gives back the table's Arrow schema exactly
rather than the dictionary types written.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ketamine_care.core import spreadsheet
from ketamine_care.research import deid
from ketamine_care.research.export.columns import Table

# String columns whose values are all different (one row per patient): written plain.
UNIQUE = {"patients": frozenset({"research_id"})}
DICTIONARY = pa.dictionary(pa.int32(), pa.string())
PARQUET_OPTIONS = {"compression": "zstd", "write_statistics": False, "store_schema": False}


class ColumnsNotAllowed(ValueError):
    pass


def parquet_schema(table: Table) -> pa.Schema:
    """The Arrow schema the table's Parquet file is written with: its string columns as
    dictionaries, but for its unique ones (`UNIQUE`)."""
    unique = UNIQUE.get(table.name, frozenset())
    return pa.schema(
        [
            pa.field(f.name, DICTIONARY)
            if f.type == pa.string() and f.name not in unique
            else pa.field(f.name, f.type)
            for f in table.schema
        ]
    )


def decoded(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` with its dictionary columns as plain ones (what a reader of the files sees)."""
    arrays = [
        column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
        for column in batch.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _allowed(table: Table, schema: pa.Schema) -> bool:
    """The table's columns, in order, each of the table's type or a dictionary of it."""
    if schema.names != table.names:
        return False
    for field, declared in zip(schema, table.schema, strict=True):
        if field.type == declared.type:
            continue
        if field.type != DICTIONARY or declared.type != pa.string():
            return False
    return True


class TableWriter:
    """`with TableWriter(table, folder, csv=True) as out: out.write(batch)`; `out.rows`."""

    def __init__(self, table: Table, folder: Path, *, csv: bool = True) -> None:
        deid.check_exportable(table.names)  # raises NotExportable, nothing written
        self.table = table
        self.rows = 0
        self.paths = [folder / f"{table.name}.parquet"]
        self._schema = parquet_schema(table)
        unique = UNIQUE.get(table.name, frozenset())
        self._parquet = pq.ParquetWriter(
            self.paths[0],
            self._schema,
            use_dictionary=[name for name in table.names if name not in unique],
            **PARQUET_OPTIONS,
        )
        self._csv_file = None
        self._csv = None
        if csv:
            self.paths.append(folder / f"{table.name}.csv")
            self._csv_file = self.paths[1].open("w", encoding="utf-8", newline="")
            self._csv = spreadsheet.writer(self._csv_file)
            self._csv.writerow(table.names)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self, batch: pa.RecordBatch) -> None:
        if not _allowed(self.table, batch.schema):
            raise ColumnsNotAllowed(
                f"{self.table.name}: columns {batch.schema.names} are not the table's "
                f"{self.table.names}"
            )
        if batch.num_rows == 0:
            return
        self._parquet.write_batch(self._encoded(batch))
        if self._csv is not None:
            self._csv.writerows(zip(*(_cells(column) for column in batch.columns), strict=True))
        self.rows += batch.num_rows

    def _encoded(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """`batch` in the Parquet schema: plain strings dictionary-encoded where it wants a
        dictionary, dictionaries decoded where it wants plain strings."""
        arrays = []
        for column, field in zip(batch.columns, self._schema, strict=True):
            if column.type != field.type:
                column = (
                    column.dictionary_encode()
                    if field.type == DICTIONARY
                    else column.cast(field.type)
                )
            arrays.append(column)
        return pa.RecordBatch.from_arrays(arrays, schema=self._schema)

    def close(self) -> None:
        self._parquet.close()
        if self._csv_file is not None:
            self._csv_file.close()


def _cells(column: pa.Array) -> list:
    """A column's values as CSV cells: dates as YYYY-MM-DD, booleans as true/false, a
    missing value as an empty cell."""
    if pa.types.is_boolean(column.type):
        return [None if v is None else ("true" if v else "false") for v in column.to_pylist()]
    return column.to_pylist()
