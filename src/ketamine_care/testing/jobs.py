"""Running background jobs in a test: `ketamine-care worker --batch`, in this process."""

from __future__ import annotations

from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from ketamine_care.jobs.models import Job


def run_worker() -> str:
    """`ketamine-care worker --batch` inside the test's transaction: the worker's reconnect
    between jobs would close the test's own connection (PostgreSQL)."""
    out = StringIO()
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command("worker", "--batch", "--no-startup-delay", "--verbosity", "0", stdout=out)
    return out.getvalue()


def make_due(job: Job) -> None:
    """Move the job's waiting attempt to now, as if its backoff had passed."""
    job.refresh_from_db()
    DBTaskResult.objects.filter(pk=job.task_result_id).update(run_after=timezone.now())
