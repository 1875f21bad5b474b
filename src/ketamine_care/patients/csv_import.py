"""Parsing a CSV of patients (one per row) for import: the same form as the register page
checks each row, so a row is accepted exactly when the page would accept it. Rows are
numbered as a spreadsheet shows them (the header is row 1), and each error names its column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ketamine_care.patients.forms import PatientForm

COLUMNS = ("mrn", "given_name", "family_name", "date_of_birth", "sex", "phone", "email")
REQUIRED_COLUMNS = ("mrn", "given_name", "family_name", "date_of_birth", "sex")
MAX_ROWS = 10_000


@dataclass
class CsvRow:
    number: int  # the spreadsheet's row number (the header is row 1)
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)  # column -> message
    data: dict | None = None  # the parsed demographics, when the form accepted the row

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class CsvPreview:
    rows: list[CsvRow] = field(default_factory=list)
    problem: str = ""  # a problem with the whole file (its header, its size)

    @property
    def valid_rows(self) -> list[CsvRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[CsvRow]:
        return [row for row in self.rows if not row.valid]

    def error_lines(self) -> list[str]:
        """`row 3, date_of_birth: Enter a valid date.`, one per error."""
        return [
            f"row {row.number}, {column}: {message}"
            for row in self.invalid_rows
            for column, message in row.errors.items()
        ]


def parse_patients_csv(text: str) -> CsvPreview:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        words = [f"missing column {', '.join(missing)}"] if missing else []
        words += [f"unknown column {', '.join(unknown)}"] if unknown else []
        return CsvPreview(problem=f"The header row has a problem: {'; '.join(words)}.")
    reader.fieldnames = header
    preview = CsvPreview()
    first_row_of: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if len(preview.rows) >= MAX_ROWS:
            return CsvPreview(problem=f"At most {MAX_ROWS} rows per file.")
        values = {name: (raw.get(name) or "").strip() for name in COLUMNS}
        row = CsvRow(number=number, values=values)
        form = PatientForm(values)
        if form.is_valid():
            row.data = form.demographics()
        else:
            row.errors = {name: errors[0] for name, errors in form.errors.items()}
        mrn = values["mrn"].lower()
        if mrn and mrn in first_row_of and "mrn" not in row.errors:
            row.errors["mrn"] = f"The same MRN as row {first_row_of[mrn]}."
        first_row_of.setdefault(mrn, number)
        preview.rows.append(row)
    return preview
