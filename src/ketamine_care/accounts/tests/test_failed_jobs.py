"""The clinic admin's failed jobs: this clinic's and the system's, never another clinic's; the
error without patient data; *Retry* queues the job again (audited) and the worker runs it."""

from __future__ import annotations

from ketamine_care.audit.models import AuditEvent
from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.jobs.runner import enqueue_job, register
from ketamine_care.jobs.tests.test_jobs import run_worker
from ketamine_care.testing.base import ClinicTestCase, make_user

RUNS: list[int] = []
register("test.flaky_then_fine", lambda job: RUNS.append(job.pk))


def failed(clinic, error: str, name: str = "test.flaky_then_fine") -> Job:
    job = enqueue_job(name, clinic=clinic, max_attempts=1)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, attempts=1, last_error=error)
    job.refresh_from_db()
    return job


class FailedJobsPageTests(ClinicTestCase):
    def setUp(self) -> None:
        RUNS.clear()
        self.ours = failed(self.clinic, "the mail server refused the connection")
        self.system = failed(None, "cannot write the anchor file: Permission denied")
        self.theirs = failed(self.other_clinic, "Zubeneschamali went wrong")

    def test_the_page_lists_this_clinics_and_system_failures_only(self) -> None:
        page = self.client_for(self.clinic_admin).get("/accounts/administration/jobs/")
        body = page.content.decode()
        self.assertEqual(page.status_code, 200)
        self.assertIn("the mail server refused the connection", body)
        self.assertIn("cannot write the anchor file: Permission denied", body)
        self.assertNotIn("Zubeneschamali", body)
        self.assertEqual(body.count('type="submit" class="button small">Retry'), 2)

    def test_the_administration_page_links_to_it(self) -> None:
        page = self.client_for(self.clinic_admin).get("/accounts/administration/")
        self.assertContains(page, 'href="/accounts/administration/jobs/"')

    def test_retry_queues_the_job_again_audited_and_the_worker_runs_it(self) -> None:
        client = self.client_for(self.clinic_admin)
        answer = client.post(f"/accounts/administration/jobs/{self.ours.public_id}/retry/")
        self.assertRedirects(answer, "/accounts/administration/jobs/")
        self.ours.refresh_from_db()
        self.assertEqual((self.ours.status, self.ours.attempts), (JobStatus.QUEUED, 0))
        event = AuditEvent.objects.get(event_type="job.retried")
        self.assertEqual((event.actor, event.clinic), (self.clinic_admin, self.clinic))
        self.assertEqual(event.object_id, str(self.ours.public_id))
        self.assertEqual(event.changes["previous_error"], "the mail server refused the connection")
        self.assertIs(event.changes["system_job"], False)
        run_worker()
        self.ours.refresh_from_db()
        self.assertEqual(self.ours.status, JobStatus.DONE)
        self.assertIn(self.ours.pk, RUNS)
        page = client.get("/accounts/administration/jobs/")
        self.assertNotContains(page, "the mail server refused the connection")

    def test_a_system_job_is_retried_in_the_admins_clinic_trail(self) -> None:
        client = self.client_for(self.clinic_admin)
        client.post(f"/accounts/administration/jobs/{self.system.public_id}/retry/")
        event = AuditEvent.objects.get(event_type="job.retried")
        self.assertEqual(event.clinic, self.clinic)
        self.assertIs(event.changes["system_job"], True)

    def test_retrying_a_job_that_is_not_failed_changes_nothing(self) -> None:
        client = self.client_for(self.clinic_admin)
        url = f"/accounts/administration/jobs/{self.ours.public_id}/retry/"
        client.post(url)
        answer = client.post(url, follow=True)
        self.assertContains(answer, "Not retried: only a failed job can be retried.")
        self.assertEqual(AuditEvent.objects.filter(event_type="job.retried").count(), 1)

    def test_another_clinics_job_is_not_found_and_other_roles_are_refused(self) -> None:
        url = f"/accounts/administration/jobs/{self.theirs.public_id}/retry/"
        self.assertEqual(self.client_for(self.clinic_admin).post(url).status_code, 404)
        other_admin = make_user("admin@elsewhere.clinic", self.other_clinic, "clinic_admin")
        mine = f"/accounts/administration/jobs/{self.ours.public_id}/retry/"
        self.assertEqual(self.client_for(other_admin).post(mine).status_code, 404)
        for user in (self.medical_director, self.nurse, self.front_desk):
            self.assertEqual(self.client_for(user).post(mine).status_code, 403)
            self.assertEqual(
                self.client_for(user).get("/accounts/administration/jobs/").status_code, 403
            )
        self.theirs.refresh_from_db()
        self.ours.refresh_from_db()
        self.assertEqual((self.theirs.status, self.ours.status), ("failed", "failed"))
        self.assertFalse(AuditEvent.objects.filter(event_type="job.retried").exists())
