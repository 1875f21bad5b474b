"""Bulk Data Access (HL7 Bulk Data IG v2): `$export` as a background job writing NDJSON.

Kick-off records the request (audited) and queues a job on the project's job runner; the
worker writes one NDJSON file per resource type under FHIR_BULK_DIR/<export id>/, reading the
rows with `.iterator(chunk_size=...)` and writing each resource as soon as it is serialised,
so memory stays bounded whatever the clinic's size. Files expire FHIR_BULK_HOURS after they
are written. Levels: `system` (every registered type), `group` (the clinic's cohort: the
types about patients) and `patient` (the same types, for every patient of the clinic).
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record, record_read
from ketamine_care.fhir import registry
from ketamine_care.fhir.access import Grant
from ketamine_care.fhir.bulk_rows import batches_of, count_rows, resource_line
from ketamine_care.fhir.models import BulkExport, BulkLevel, BulkStatus
from ketamine_care.fhir.responses import FhirError
from ketamine_care.jobs.models import Job
from ketamine_care.jobs.runner import JobError, enqueue_job, register

JOB = "fhir.bulk_export"
SAVE_PROGRESS_SECONDS = 1.0


def export_dir(export: BulkExport) -> Path:
    return Path(settings.FHIR_BULK_DIR) / str(export.public_id)


def exportable_types(level: str, requested: list[str] | None, grant: Grant) -> list[str]:
    """The types this export writes: the requested ones (400 for one the server does not
    serve or the level does not cover), else every type the level covers; parts the role may
    not read are left out (the Bulk Data IG lets a server omit what the client may not see)."""
    names = registry.type_names()
    if level != BulkLevel.SYSTEM:
        names = [n for n in names if all(p.patient_path is not None for p in _parts(n))]
    if requested:
        unknown = [name for name in requested if name not in names]
        if unknown:
            raise FhirError(400, "not-supported", f"_type not exportable here: {unknown[0]}")
        names = [n for n in names if n in requested]
    return [n for n in names if any(grant.may_read(p) for p in _parts(n))]


def _parts(name: str):
    return registry.parts_of(name)


def kick_off(
    *, grant: Grant, level: str, types: list[str], since: datetime | None, request_url: str
) -> BulkExport:
    """Record the export request and queue its job, in one transaction (audited)."""
    with transaction.atomic():
        export = BulkExport.objects.create(
            clinic=grant.clinic,
            requested_by=grant.user,
            level=level,
            types=types,
            since=since,
            request_url=request_url[:1000],
        )
        export.job = enqueue_job(JOB, clinic=grant.clinic, arguments={"export": export.pk})
        export.save(update_fields=["job", "updated_at"])
        record(
            event_type="fhir.export_requested",
            actor=grant.user,
            clinic=grant.clinic,
            obj=export,
            changes={"level": level, "types": types, "since": since and since.isoformat()},
        )
    return export


def find_export(*, grant: Grant, public_id) -> BulkExport:
    """The token user's own export in its clinic; anyone else's answers 404."""
    export = BulkExport.objects.filter(
        clinic=grant.clinic, requested_by=grant.user, public_id=public_id
    ).first()
    if export is None:
        raise FhirError(404, "not-found", "No such export.")
    if export.expires_at is not None and timezone.now() >= export.expires_at:
        _expire(export)
    return export


def cancel(*, grant: Grant, export: BulkExport) -> None:
    """DELETE: stop a queued or running export, or delete a finished one's files (audited)."""
    if export.status in (BulkStatus.CANCELLED, BulkStatus.EXPIRED):
        raise FhirError(404, "not-found", "This export was already cancelled or has expired.")
    with transaction.atomic():
        export.status = BulkStatus.CANCELLED
        export.save(update_fields=["status", "updated_at"])
        record(
            event_type="fhir.export_cancelled", actor=grant.user, clinic=grant.clinic, obj=export
        )
    shutil.rmtree(export_dir(export), ignore_errors=True)


def _expire(export: BulkExport) -> None:
    shutil.rmtree(export_dir(export), ignore_errors=True)
    if export.status == BulkStatus.DONE:
        export.status = BulkStatus.EXPIRED
        export.save(update_fields=["status", "updated_at"])


def purge_expired() -> int:
    """Delete the files of every expired export; the rows stay as history."""
    expired = BulkExport.objects.filter(expires_at__lte=timezone.now(), status=BulkStatus.DONE)
    count = 0
    for export in expired:
        _expire(export)
        count += 1
    return count


def run_export(job: Job) -> None:
    """The worker's side: write every type's NDJSON file, then publish the manifest."""
    export = BulkExport.objects.select_related("clinic", "requested_by").filter(
        pk=job.arguments["export"]
    )
    export = export.first()
    if export is None:
        raise JobError("the export was deleted before it was made")
    if export.status == BulkStatus.CANCELLED:
        return
    started = timezone.now()
    directory = export_dir(export)
    output = []
    try:
        progress = Progress(export, total=count_rows(export))
        directory.mkdir(parents=True, exist_ok=True)
        for name in export.types:
            count = write_type(export, name, directory / f"{name}.ndjson", progress)
            output.append({"type": name, "file": f"{name}.ndjson", "count": count})
    except Cancelled:
        shutil.rmtree(directory, ignore_errors=True)
        return
    finish(export, output=output, started=started)
    purge_expired()


def finish(export: BulkExport, *, output: list[dict], started: datetime) -> None:
    with transaction.atomic():
        current = BulkExport.objects.select_for_update(of=("self",), no_key=True).get(pk=export.pk)
        if current.status == BulkStatus.CANCELLED:  # cancelled while it ran
            shutil.rmtree(export_dir(export), ignore_errors=True)
            return
        current.status, current.output, current.transaction_time = BulkStatus.DONE, output, started
        current.expires_at = timezone.now() + timedelta(hours=settings.FHIR_BULK_HOURS)
        current.save(update_fields=["status", "output", "transaction_time", "expires_at"])
        record(
            event_type="fhir.bulk_exported",
            actor=export.requested_by,
            clinic=export.clinic,
            obj=export,
            changes={"level": export.level, "count": sum(o["count"] for o in output)},
        )


def write_type(export: BulkExport, name: str, path: Path, progress: Progress) -> int:
    """Stream one type's resources (every part the requester's role may read) to `path`,
    a batch at a time: each line is the row's plain data (bulk_rows.resource_line)."""
    count = 0
    with path.open("wb") as out:
        for part, batch in batches_of(export, name):
            out.write(b"".join(resource_line(part, row) + b"\n" for row in batch))
            count += len(batch)
            progress.advance(len(batch))
    return count


class Cancelled(Exception):
    """The export was cancelled (DELETE) while the worker wrote it."""


class Progress:
    """Resources written so far, saved for X-Progress at most once a second (one small
    UPDATE), which also notices a cancellation and stops the worker."""

    def __init__(self, export: BulkExport, *, total: int) -> None:
        self.pk, self.done, self.saved_at = export.pk, 0, time.monotonic()
        running = BulkExport.objects.filter(pk=self.pk).exclude(status=BulkStatus.CANCELLED)
        if not running.update(status=BulkStatus.RUNNING, resources_total=total):
            raise Cancelled

    def advance(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.saved_at >= SAVE_PROGRESS_SECONDS:
            self.saved_at = time.monotonic()
            running = BulkExport.objects.filter(pk=self.pk, status=BulkStatus.RUNNING)
            if not running.update(resources_done=self.done):
                raise Cancelled


def register_job() -> None:
    register(JOB, run_export)


def record_download(*, grant: Grant, export: BulkExport, resource_type: str, count: int) -> None:
    """A file of the export was downloaded: a read of the patient data it holds. The event
    names the export (its level, types and `_since` are in its kick-off event) and the
    number of resources, not each patient: a file may hold a whole clinic."""
    record_read(
        event_type="fhir.export_downloaded",
        actor=grant.user,
        clinic=grant.clinic,
        obj=export,
        part=resource_type,
        count=count,
    )
