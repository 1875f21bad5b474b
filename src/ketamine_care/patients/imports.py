"""Importing patients from a parsed CSV (csv_import.py): every row registers through
`register_patient` (the domain rules, the MRN's uniqueness, a patient.registered event), all
in one transaction, with one patients.imported event naming the file's rows."""

from __future__ import annotations

from django.db import transaction

from ketamine_care.audit.services import record
from ketamine_care.core.errors import DomainError, ValidationFailed
from ketamine_care.patients.csv_import import CsvPreview
from ketamine_care.patients.demographics import register_patient


class _Rollback(Exception):
    pass


def check_against_clinic(*, clinic, actor, preview: CsvPreview) -> CsvPreview:
    """Add the rules only the clinic can answer (an MRN already in use, a date of birth in
    the clinic's future) to the preview's rows, by registering every valid row in a
    transaction that is then rolled back: nothing is written."""
    try:
        with transaction.atomic():
            for row in preview.valid_rows:
                try:
                    with transaction.atomic():
                        register_patient(clinic=clinic, actor=actor, **row.data)
                except DomainError as error:
                    row.errors = dict(error.fields) or {"mrn": error.message}
            raise _Rollback
    except _Rollback:
        pass
    return preview


def import_patients(
    *, clinic, actor, preview: CsvPreview, skip_invalid: bool = False, request=None
) -> list:
    """Register every valid row, all or nothing. Refused (nothing written) while any row is
    invalid, unless `skip_invalid`: then the invalid rows are left out and named in the
    patients.imported event."""
    if preview.problem:
        raise ValidationFailed(preview.problem)
    if preview.invalid_rows and not skip_invalid:
        raise ValidationFailed(
            "Nothing was imported: correct these rows or skip them.",
            fields={"rows": "; ".join(preview.error_lines())},
        )
    patients = []
    with transaction.atomic():
        for row in preview.valid_rows:
            try:
                patients.append(
                    register_patient(clinic=clinic, actor=actor, request=request, **row.data)
                )
            except DomainError as error:  # changed since the preview: undo every row
                raise ValidationFailed(
                    f"Nothing was imported: row {row.number} is no longer valid.",
                    fields={f"row {row.number}": error.message},
                ) from error
        record(
            event_type="patients.imported",
            actor=actor,
            clinic=clinic,
            changes={
                "count": len(patients),
                "skipped_rows": [row.number for row in preview.invalid_rows],
            },
            request=request,
        )
    return patients
