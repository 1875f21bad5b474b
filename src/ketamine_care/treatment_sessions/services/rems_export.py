"""The REMS CSV export as a background job (`jobs.exports`): asking for it is recorded and
queues the work; the worker writes the file and records which patients' forms left the
system (`rems_form.exported`, as the person who asked)."""

from __future__ import annotations

import io
from datetime import date

from django.db import transaction

from ketamine_care.accounts.permissions import Capability
from ketamine_care.audit.services import record
from ketamine_care.core import spreadsheet
from ketamine_care.core.clock import clinic_date_of
from ketamine_care.jobs.exports import ExportFile, queue_export, register_export
from ketamine_care.jobs.models import Export
from ketamine_care.treatment_sessions import queries
from ketamine_care.treatment_sessions.services.rems import FIELDS, record_exported

KIND = "rems"
HEADER = ["session", "mrn", "session_date", "due_date", "submitted_at", "method", *FIELDS]


def request_rems_export(*, clinic, actor, start: date, end: date, request=None) -> Export:
    with transaction.atomic():
        export = queue_export(
            clinic=clinic,
            user=actor,
            kind=KIND,
            capability=Capability.VIEW_SESSIONS.value,
            parameters={"start": start.isoformat(), "end": end.isoformat()},
            filename=f"rems-{start}-{end}.csv",
        )
        record(
            event_type="rems_form.export_requested",
            actor=actor,
            clinic=clinic,
            obj=export,
            changes={"start": start.isoformat(), "end": end.isoformat()},
            request=request,
        )
    return export


def rems_csv(forms_in_range) -> str:
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(HEADER)
    for row in forms_in_range:
        writer.writerow(
            [
                row.session.public_id,
                row.session.patient.mrn,
                clinic_date_of(row.session.clinic, row.session.scheduled_for),
                row.due_date,
                row.submitted_at or "",
                row.submission_method,
                *[row.values.get(name, "") for name in FIELDS],
            ]
        )
    return out.getvalue()


def build_rems_export(export: Export) -> ExportFile:
    start = date.fromisoformat(export.parameters["start"])
    end = date.fromisoformat(export.parameters["end"])
    forms_in_range = list(queries.rems_forms(export.clinic, start, end))
    record_exported(
        clinic=export.clinic, forms=forms_in_range, start=start, end=end, actor=export.requested_by
    )
    patients = list(dict.fromkeys(str(f.session.patient.public_id) for f in forms_in_range))
    return ExportFile(
        content=rems_csv(forms_in_range).encode("utf-8"),
        rows=len(forms_in_range),
        patients=patients,
    )


def register() -> None:
    register_export(KIND, build_rems_export)
