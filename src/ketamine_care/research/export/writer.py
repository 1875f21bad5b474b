"""One export table written as Parquet and CSV together, a record batch at a time.

The Parquet file is written by pyarrow's `ParquetWriter` (one row group per batch or so);
the CSV through the project's formula-safe writer (`core.spreadsheet`), so a value a
spreadsheet would run as a formula is quoted. Neither holds more than one batch in memory.
A batch whose columns are not exactly the table's (names, order, types) is refused: the
table's column list is the export's allowlist.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ketamine_care.core import spreadsheet
from ketamine_care.research.export.columns import Table


class ColumnsNotAllowed(ValueError):
    pass


class TableWriter:
    """`with TableWriter(table, folder, csv=True) as out: out.write(batch)`; `out.rows`."""

    def __init__(self, table: Table, folder: Path, *, csv: bool = True) -> None:
        self.table = table
        self.rows = 0
        self.paths = [folder / f"{table.name}.parquet"]
        self._parquet = pq.ParquetWriter(self.paths[0], table.schema, compression="zstd")
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
        if batch.schema != self.table.schema:
            raise ColumnsNotAllowed(
                f"{self.table.name}: columns {batch.schema.names} are not the table's "
                f"{self.table.names}"
            )
        if batch.num_rows == 0:
            return
        self._parquet.write_batch(batch)
        if self._csv is not None:
            self._csv.writerows(zip(*(_cells(column) for column in batch.columns), strict=True))
        self.rows += batch.num_rows

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
