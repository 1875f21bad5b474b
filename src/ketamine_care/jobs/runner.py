"""Enqueue and run background jobs on django-tasks, with retries and backoff.

django-tasks runs a task once: it has no retry. `run_job` adds it: a failed attempt that has
attempts left is enqueued again with `run_after` = now + backoff (`backoff_seconds`), and the
job shows as failed only after its last attempt. Handlers register by name
(`register("audit.anchor", handler)`) from their app's `ready()` or module; a job row names the
handler, so a job queued by one app server runs on any worker.

The job row and its first attempt are written in the caller's transaction: both commit or
neither does, and the worker cannot see the attempt before the job exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ketamine_care.jobs.models import Job, JobStatus

logger = logging.getLogger("ketamine_care.jobs")

Handler = Callable[[Job], None]
_HANDLERS: dict[str, Handler] = {}


class JobError(Exception):
    """A failure whose message is safe to store and show: no patient data, ever."""


class JobFailed(Exception):
    """Raised to django-tasks after a job's last attempt, with the stored error only."""


def register(name: str, handler: Handler) -> None:
    _HANDLERS[name] = handler


def handler_names() -> list[str]:
    return sorted(_HANDLERS)


def backoff_seconds(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...): doubling from
    JOB_RETRY_BASE_SECONDS, capped at JOB_RETRY_MAX_SECONDS."""
    base, cap = settings.JOB_RETRY_BASE_SECONDS, settings.JOB_RETRY_MAX_SECONDS
    return min(base * 2 ** max(attempt - 1, 0), cap)


def safe_error(exc: BaseException) -> str:
    """What may be stored and shown of a failure: a `JobError`'s own words, otherwise only
    the exception's class (a message could quote a name or a record)."""
    if isinstance(exc, JobError):
        return str(exc)[:500]
    return f"{type(exc).__name__} (the message is not stored)"


def enqueue_job(
    name: str, *, clinic=None, arguments: dict | None = None, max_attempts: int | None = None
) -> Job:
    """Queue handler `name` to run on the worker. `arguments` holds ids, never patient data."""
    if name not in _HANDLERS:
        raise ValueError(f"no job handler is registered as {name!r}")
    with transaction.atomic():
        job = Job.objects.create(
            name=name,
            clinic=clinic,
            arguments=arguments or {},
            max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
        )
        _enqueue_attempt(job, run_after=None)
    return job


def requeue_failed(job: Job) -> Job:
    """Start a failed job again with a fresh set of attempts (the *Retry* button)."""
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",), no_key=True).get(pk=job.pk)
        if job.status != JobStatus.FAILED:
            raise JobError("only a failed job can be retried")
        job.attempts = 0
        job.status = JobStatus.QUEUED
        job.finished_at = None
        job.save(update_fields=["attempts", "status", "finished_at", "updated_at"])
        _enqueue_attempt(job, run_after=None)
    return job


def _enqueue_attempt(job: Job, *, run_after: datetime | None) -> None:
    attempt = run_job.using(run_after=run_after) if run_after else run_job
    result = attempt.enqueue(job.pk)
    job.next_attempt_at = run_after
    job.task_result_id = str(result.id)
    job.save(update_fields=["next_attempt_at", "task_result_id", "updated_at"])


@task()
def run_job(job_id: int) -> str:
    """One attempt of a job (the django-tasks task every job runs through)."""
    job = _start_attempt(job_id)
    if job is None:
        return "skipped"
    try:
        # The handler's writes and "done" commit together: a failed attempt leaves nothing
        # half-way in the database for the next attempt to trip over.
        with transaction.atomic():
            _HANDLERS[job.name](job)
            job.status, job.finished_at, job.last_error = JobStatus.DONE, timezone.now(), ""
            job.next_attempt_at = None
            fields = ["status", "finished_at", "last_error", "next_attempt_at", "updated_at"]
            job.save(update_fields=fields)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        return _attempt_failed(job, exc)
    return "done"


def _start_attempt(job_id: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",), no_key=True).filter(pk=job_id).first()
        # Gone, finished, or already running on another worker: nothing to do.
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.save(update_fields=["status", "attempts", "updated_at"])
    if job.name not in _HANDLERS:
        _attempt_failed(job, JobError(f"no job handler is registered as {job.name!r}"))
        return None
    return job


def _attempt_failed(job: Job, exc: Exception) -> str:
    job.last_error = safe_error(exc)
    logger.warning(
        "job failed",
        extra={
            "job": job.name,
            "job_id": str(job.public_id),
            "attempt": job.attempts,
            "error": job.last_error,
        },
    )
    if job.attempts < job.max_attempts:
        with transaction.atomic():
            job.status = JobStatus.QUEUED
            job.save(update_fields=["status", "last_error", "updated_at"])
            delay = timedelta(seconds=backoff_seconds(job.attempts))
            _enqueue_attempt(job, run_after=timezone.now() + delay)
        return "retrying"
    job.status, job.finished_at, job.next_attempt_at = JobStatus.FAILED, timezone.now(), None
    job.save(update_fields=["status", "finished_at", "last_error", "next_attempt_at", "updated_at"])
    # django-tasks records the last attempt as failed too, with the stored words only.
    raise JobFailed(job.last_error) from None
