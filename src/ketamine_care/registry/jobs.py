"""The summary refresh as a background job ("registry.refresh"), retried with backoff by the
project's job runner. Its arguments are a clinic id and, optionally, patient ids (never
patient data); with `stale_only` it rebuilds only the rows that writes marked stale. Each
batch keeps a current cohort cube current (registry.cube_delta); then it rebuilds the cubes
that are not current (never built, or outdated by a deletion outside the job)."""

from __future__ import annotations

from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.jobs.runner import enqueue_job, register

REFRESH_JOB = "registry.refresh"


def run_refresh(job: Job) -> None:
    from ketamine_care.registry.cube import rebuild_cubes
    from ketamine_care.registry.services import refresh_stale, refresh_summaries

    arguments = job.arguments or {}
    if arguments.get("stale_only"):
        refresh_stale(clinic=job.clinic)
    else:
        refresh_summaries(clinic=job.clinic, patients=arguments.get("patients"))
    rebuild_cubes(clinic=job.clinic)


def enqueue_refresh(*, clinic=None, patient_ids=None, stale_only: bool = False) -> Job:
    arguments: dict = {}
    if patient_ids is not None:
        arguments["patients"] = sorted(patient_ids)
    if stale_only:
        arguments["stale_only"] = True
    return enqueue_job(REFRESH_JOB, clinic=clinic, arguments=arguments)


def refresh_pending(clinic) -> bool:
    """Whether a refresh of `clinic` is already queued or running."""
    return Job.objects.filter(
        name=REFRESH_JOB, clinic=clinic, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).exists()


def request_stale_refresh(clinic) -> Job | None:
    """Queue a stale-only refresh of `clinic` unless one is already on its way (the dashboard
    calls this when it counts stale courses; never more than one waits per clinic)."""
    if refresh_pending(clinic):
        return None
    return enqueue_refresh(clinic=clinic, stale_only=True)


def register_jobs() -> None:
    register(REFRESH_JOB, run_refresh)
