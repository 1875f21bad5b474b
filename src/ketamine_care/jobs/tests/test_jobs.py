"""Background jobs on django-tasks' database backend: a queued job runs on the worker
(`ketamine-care worker --batch`); a failing job is retried with backoff and then shows as
failed with its error, never an exception's message; the worker's heartbeat reaches /healthz."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from ketamine_care.core import heartbeat
from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.jobs.runner import JobError, backoff_seconds, enqueue_job, register

CALLS: list[str] = []


def _works(job: Job) -> None:
    CALLS.append(job.arguments["note"])


def _fails(job: Job) -> None:
    CALLS.append("fail")
    raise ValueError("Jane Doe, MRN 12345, born 1980-01-02")  # never stored


def _fails_with_words(job: Job) -> None:
    raise JobError("the mail server refused the connection")


def _writes_then_fails(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(arguments={"half": "way"})
    raise JobError("failed after writing")


register("test.works", _works)
register("test.writes_then_fails", _writes_then_fails)
register("test.fails", _fails)
register("test.fails_with_words", _fails_with_words)


def run_worker() -> str:
    """`ketamine-care worker --batch` in this process, inside the test's transaction: the
    worker's reconnect between jobs would close the test's own connection (PostgreSQL)."""
    out = StringIO()
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command("worker", "--batch", "--no-startup-delay", "--verbosity", "0", stdout=out)
    return out.getvalue()


def make_due(job: Job) -> None:
    """Move the job's waiting attempt to now, as if its backoff had passed."""
    DBTaskResult.objects.filter(pk=job.task_result_id).update(run_after=timezone.now())


@override_settings(JOB_RETRY_BASE_SECONDS=30, JOB_RETRY_MAX_SECONDS=3600)
class JobTests(TestCase):
    def setUp(self) -> None:
        CALLS.clear()

    def test_a_queued_job_runs_on_the_worker_and_is_done(self) -> None:
        job = enqueue_job("test.works", arguments={"note": "hello"})
        self.assertEqual(job.status, JobStatus.QUEUED)
        run_worker()
        job.refresh_from_db()
        self.assertEqual(CALLS, ["hello"])
        self.assertEqual((job.status, job.attempts, job.last_error), (JobStatus.DONE, 1, ""))
        self.assertEqual(DBTaskResult.objects.get(pk=job.task_result_id).status, "SUCCESSFUL")
        run_worker()  # nothing left: the job does not run twice
        self.assertEqual(CALLS, ["hello"])

    def test_a_failing_job_is_retried_with_growing_backoff_then_fails(self) -> None:
        job = enqueue_job("test.fails", max_attempts=3)
        waits = []
        for _ in range(2):
            before = timezone.now()
            run_worker()
            job.refresh_from_db()
            self.assertEqual(job.status, JobStatus.QUEUED)
            waits.append((job.next_attempt_at - before).total_seconds())
            run_worker()  # not due yet: nothing runs
            self.assertEqual(len(CALLS), len(waits))
            make_due(job)
        self.assertAlmostEqual(waits[0], 30, delta=5)
        self.assertAlmostEqual(waits[1], 60, delta=5)
        run_worker()
        job.refresh_from_db()
        self.assertEqual((job.status, job.attempts), (JobStatus.FAILED, 3))
        self.assertEqual(CALLS, ["fail"] * 3)
        self.assertEqual(job.last_error, "ValueError (the message is not stored)")
        attempt = DBTaskResult.objects.get(pk=job.task_result_id)
        self.assertEqual(attempt.status, "FAILED")
        for stored in (job.last_error, attempt.traceback, str(attempt.return_value)):
            for secret in ("Jane", "12345", "1980"):
                self.assertNotIn(secret, stored)

    def test_a_job_error_keeps_its_own_words(self) -> None:
        job = enqueue_job("test.fails_with_words", max_attempts=1)
        run_worker()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.FAILED)
        self.assertEqual(job.last_error, "the mail server refused the connection")

    def test_a_failed_attempt_leaves_none_of_its_writes(self) -> None:
        job = enqueue_job("test.writes_then_fails", arguments={"id": 1}, max_attempts=1)
        run_worker()
        job.refresh_from_db()
        self.assertEqual((job.status, job.arguments), (JobStatus.FAILED, {"id": 1}))

    def test_an_unknown_handler_is_refused_when_queued(self) -> None:
        with self.assertRaisesMessage(ValueError, "no job handler is registered as 'nope'"):
            enqueue_job("nope")
        self.assertFalse(Job.objects.exists())

    def test_backoff_doubles_and_is_capped(self) -> None:
        self.assertEqual([backoff_seconds(n) for n in (1, 2, 3, 4)], [30, 60, 120, 240])
        self.assertEqual(backoff_seconds(20), 3600)


class HeartbeatTests(TestCase):
    def test_health_reports_no_worker_then_ok_then_stale_and_stays_healthy(self) -> None:
        heartbeat.cache.delete(heartbeat.KEY)
        self.assertEqual(self.client.get("/healthz", secure=True).json()["worker"], "none")
        heartbeat.beat()
        answer = self.client.get("/healthz", secure=True)
        self.assertEqual((answer.status_code, answer.json()["worker"]), (200, "ok"))
        heartbeat.beat(now=(timezone.now() - timedelta(minutes=10)).timestamp())
        answer = self.client.get("/healthz", secure=True)
        self.assertEqual((answer.status_code, answer.json()["worker"]), (200, "stale"))
        self.assertEqual(answer.json()["status"], "ok")

    def test_the_worker_beats_while_it_runs(self) -> None:
        heartbeat.cache.delete(heartbeat.KEY)
        run_worker()
        self.assertEqual(heartbeat.worker_status(), "ok")
