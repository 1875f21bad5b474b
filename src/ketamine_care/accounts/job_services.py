"""The clinic admin's action on background jobs: retrying a failed one (audited)."""

from __future__ import annotations

from django.db import transaction

from ketamine_care.audit.services import record
from ketamine_care.jobs.models import Export, Job
from ketamine_care.jobs.runner import requeue_failed


def retry_failed_job(*, acting_user, clinic, job: Job, request=None) -> Job:
    """Queue a failed job again with a fresh set of attempts; `JobError` if it is not failed.
    Recorded in the acting admin's clinic, system jobs included."""
    with transaction.atomic():
        previous_error = job.last_error
        job = requeue_failed(job)
        record(
            event_type="job.retried",
            actor=acting_user,
            clinic=clinic,
            obj=job,
            changes={
                "job": job.name,
                "system_job": job.clinic_id is None,
                "previous_error": previous_error,
            },
            request=request,
        )
    return job


def record_export_downloaded(*, acting_user, clinic, export: Export, request=None) -> None:
    """Audit a download of an export: the file holds the patients' records it names."""
    record(
        event_type="export.downloaded",
        actor=acting_user,
        clinic=clinic,
        obj=export,
        changes={
            "kind": export.kind,
            "rows": export.rows,
            "patients": list(export.patients),
            "count": len(export.patients),
        },
        request=request,
    )
