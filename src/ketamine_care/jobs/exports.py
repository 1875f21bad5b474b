"""Exports as background jobs: the request queues the work and shows its state; the worker
makes the file; the person who asked downloads it until it expires.

A kind of export registers its builder (`register_export("rems", build)`, from its app's
`ready()`). The job's stored arguments name the export by id only; the builder reads its
parameters (a date range) from the export row and returns the file, its row count and the
patients it names. The file is kept in the database (every app server and worker sees it,
backups include it) for EXPORT_HOURS, then its content is cleared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketamine_care.jobs.models import Export, Job
from ketamine_care.jobs.runner import JobError, enqueue_job, register


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    rows: int
    patients: list[str] = field(default_factory=list)  # public ids


Builder = Callable[[Export], ExportFile]


def export_hours() -> int:
    return settings.EXPORT_HOURS


def job_name(kind: str) -> str:
    return f"export.{kind}"


def register_export(kind: str, build: Builder) -> None:
    def run(job: Job) -> None:
        export = Export.objects.select_related("clinic", "requested_by").filter(
            pk=job.arguments["export"]
        )
        export = export.first()
        if export is None:
            raise JobError("the export was deleted before it was made")
        made = build(export)
        now = timezone.now()
        export.content, export.rows, export.patients = made.content, made.rows, made.patients
        export.ready_at, export.expires_at = now, now + timedelta(hours=export_hours())
        export.save(
            update_fields=[
                "content", "rows", "patients", "ready_at", "expires_at", "updated_at"
            ]
        )  # fmt: skip
        purge_expired()

    register(job_name(kind), run)


def queue_export(
    *, clinic, user, kind: str, capability: str, parameters: dict, filename: str
) -> Export:
    """Record the request and queue its job, together (no commit, no job)."""
    with transaction.atomic():
        export = Export.objects.create(
            clinic=clinic,
            requested_by=user,
            kind=kind,
            capability=capability,
            parameters=parameters,
            filename=filename,
        )
        export.job = enqueue_job(job_name(kind), clinic=clinic, arguments={"export": export.pk})
        export.save(update_fields=["job", "updated_at"])
    return export


def access_export(*, clinic, user, public_id) -> Export:
    """The user's own export in this clinic; anyone else's, or another clinic's: 404."""
    export = (
        Export.objects.select_related("job")
        .filter(clinic=clinic, requested_by=user, public_id=public_id)
        .first()
    )
    if export is None:
        raise Http404("No such export.")
    return export


def purge_expired() -> int:
    """Clear the content of every expired export (the rows stay, as its history)."""
    return Export.objects.filter(expires_at__lte=timezone.now(), content__isnull=False).update(
        content=None
    )
