"""The administration page's *Export the clinic's record* button: the export
(clinic_export.py) made by a background job, zipped, and downloaded from the export's page
by the clinic administrator who asked, until it expires (jobs/exports.py)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ketamine_care.accounts.permissions import Capability
from ketamine_care.audit.services import record
from ketamine_care.fhir.clinic_export import export_clinic
from ketamine_care.jobs.exports import ExportFile, queue_export, register_export
from ketamine_care.jobs.models import Export
from ketamine_care.patients.models import Patient

KIND = "clinic"


def request_clinic_export(*, clinic, actor, request=None) -> Export:
    with transaction.atomic():
        export = queue_export(
            clinic=clinic,
            user=actor,
            kind=KIND,
            capability=Capability.MANAGE_MEMBERS.value,
            parameters={},
            filename=f"clinic-export-{timezone.now():%Y-%m-%d}.zip",
        )
        export.content_type = "application/zip"
        export.save(update_fields=["content_type", "updated_at"])
        record(
            event_type="clinic.export_requested",
            actor=actor,
            clinic=clinic,
            obj=export,
            request=request,
        )
    return export


def build_clinic_export(export: Export) -> ExportFile:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        manifest = export_clinic(clinic=export.clinic, path=folder, actor=export.requested_by)
        archive = shutil.make_archive(str(Path(tmp) / "clinic"), "zip", folder)
        content = Path(archive).read_bytes()
    patients = Patient.objects.filter(clinic=export.clinic).values_list("public_id", flat=True)
    return ExportFile(
        content=content,
        rows=sum(f["lines"] for f in manifest["files"]),
        patients=[str(p) for p in patients],
    )


def register() -> None:
    register_export(KIND, build_clinic_export)
