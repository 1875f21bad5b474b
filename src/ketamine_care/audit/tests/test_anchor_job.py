"""Audit anchoring as a background job: `audit-anchor --enqueue` queues it, the worker writes
the same signed lines the command writes, and an anchor file that cannot be written fails the
job (retried, then failed) with words that name the problem, not an exception's message."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import override_settings

from ketamine_care.audit.jobs import ANCHOR_JOB, enqueue_anchoring
from ketamine_care.audit.models import AuditChainHead
from ketamine_care.audit.tests.test_anchors import AnchorTestCase
from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.jobs.tests.test_jobs import make_due, run_worker


class AnchorJobTests(AnchorTestCase):
    def test_the_command_queues_the_job_and_the_worker_anchors_every_chain(self):
        out = StringIO()
        call_command("audit-anchor", "--enqueue", stdout=out)
        job = Job.objects.get(name=ANCHOR_JOB)
        self.assertIn(f"queued audit anchoring as job {job.public_id}", out.getvalue())
        self.assertIsNone(job.clinic)
        self.assertFalse(self.anchor_file.exists())  # nothing yet: the worker does it
        run_worker()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.DONE)
        anchored = {line["chain"]: line["seq"] for line in self.lines()}
        head = AuditChainHead.objects.get(chain=self.chain)
        self.assertEqual(anchored[self.chain], head.last_seq)
        self.assertIn(self.other_chain, anchored)

    def test_enqueue_with_a_file_is_refused(self):
        with self.assertRaisesMessage(CommandError, "leave out --file"):
            call_command("audit-anchor", "--enqueue", "--file", str(self.anchor_file))
        self.assertFalse(Job.objects.exists())

    def test_an_unwritable_anchor_file_fails_the_job_after_its_retries(self):
        blocked = self.anchor_file.parent / "not-a-folder"
        blocked.write_text("a file where a folder should be")
        with override_settings(AUDIT_ANCHOR_FILE=blocked / "anchors.jsonl"):
            job = Job.objects.get(pk=enqueue_anchoring().pk)
            Job.objects.filter(pk=job.pk).update(max_attempts=2)
            run_worker()
            job.refresh_from_db()
            self.assertEqual((job.status, job.attempts), (JobStatus.QUEUED, 1))
            make_due(job)
            run_worker()
        job.refresh_from_db()
        self.assertEqual((job.status, job.attempts), (JobStatus.FAILED, 2))
        self.assertEqual(job.last_error, "cannot write the anchor file: File exists")
