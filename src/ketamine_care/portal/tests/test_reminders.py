"""E-mailed reminders for unanswered self-report questionnaires (issue 12 item 4): queued by
`ketamine-care send-reminders` (none on rollback, once per link), sent by the worker with the
patient's first name and a link whose secret is made at sending (the job table never holds
it; the first link keeps working), retried with backoff, failures shown to clinic admins."""

from __future__ import annotations

import io
import json
import re
import smtplib
from datetime import timedelta
from unittest import mock

from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.patients.models import Patient
from ketamine_care.portal.models import SelfReportLink
from ketamine_care.portal.reminders import queue_due_reminders
from ketamine_care.portal.services import create_link
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.jobs import make_due, run_worker

LINK = re.compile(r"https://kc\.example(/self-report/[^\s]+/)")
SEND = "ketamine_care.portal.reminders.send_mail"


@override_settings(
    SITE_URL="https://kc.example", JOB_MAX_ATTEMPTS=2, SELF_REPORT_REMINDER_AFTER_HOURS=24
)
class SelfReportReminderTests(ClinicTestCase):
    def setUp(self):
        cache.clear()
        Patient.objects.filter(pk=self.patient.pk).update(email="jamie@example.org")
        self.link, token = create_link(
            patient=self.patient, actor=self.nurse, instrument_codes=["phq9"]
        )
        self.first_url = f"/self-report/{token}/"
        self.age(hours=25)

    def age(self, *, hours: int, link=None):
        made = timezone.now() - timedelta(hours=hours)
        SelfReportLink.objects.filter(pk=(link or self.link).pk).update(created_at=made)

    def queue(self) -> str:
        out = io.StringIO()
        call_command("send-reminders", stdout=out)
        return out.getvalue()

    def test_the_worker_mails_the_first_name_and_a_link_that_opens_the_questionnaire(self):
        self.assertIn("queued 1 reminder(s)", self.queue())
        job = Job.objects.get(name="reminder.self_report")
        self.assertEqual((job.clinic, job.arguments), (self.clinic, {"link": self.link.pk}))
        self.assertEqual(mail.outbox, [])
        run_worker()
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["jamie@example.org"])
        self.assertIn("Hello Jamie,", message.body)
        patient_data = (self.patient.family_name, self.patient.mrn, self.clinic.name, "phq9")
        for text in (*patient_data, str(self.patient.date_of_birth), "PHQ"):
            self.assertNotIn(text, message.subject + message.body)
        reminder_url = LINK.search(message.body).group(1)
        token = reminder_url.split("/")[2]
        job.refresh_from_db()
        self.assertNotIn(token.split(":")[0], json.dumps(job.arguments) + job.last_error)
        self.assertContains(Client().get(reminder_url), "Hello Jamie")
        self.assertContains(Client().get(self.first_url), "Hello Jamie")  # still works
        event = AuditEvent.objects.get(event_type="self_report_link.reminded")
        self.assertEqual(event.patient, self.patient)

    def test_a_link_is_reminded_once_and_only_when_due(self):
        young, _ = create_link(patient=self.patient, actor=self.nurse, instrument_codes=["phq9"])
        used, _ = create_link(patient=self.patient, actor=self.nurse, instrument_codes=["phq9"])
        for link in (young, used):
            self.age(hours=1 if link is young else 30, link=link)
        SelfReportLink.objects.filter(pk=used.pk).update(used_at=timezone.now())
        self.assertIn("queued 1", self.queue())
        self.assertIn("queued 0", self.queue())  # not twice, even before the worker ran
        run_worker()
        run_worker()
        self.assertEqual(len(mail.outbox), 1)

    def test_no_reminder_without_an_address_or_after_the_link_closed(self):
        Patient.objects.filter(pk=self.patient.pk).update(email="")
        self.assertIn("queued 0", self.queue())
        Patient.objects.filter(pk=self.patient.pk).update(email="jamie@example.org")
        self.queue()
        SelfReportLink.objects.filter(pk=self.link.pk).update(revoked_at=timezone.now())
        run_worker()  # revoked after queuing: the job sends nothing
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Job.objects.get().status, JobStatus.DONE)

    def test_nothing_is_queued_when_the_transaction_rolls_back(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            self.assertEqual(queue_due_reminders(), 1)
            raise RuntimeError("later")
        self.assertFalse(Job.objects.exists())
        self.link.refresh_from_db()
        self.assertIsNone(self.link.reminder_queued_at)

    def test_a_failed_send_is_retried_and_then_shown_to_the_clinic_admin(self):
        self.queue()
        job = Job.objects.get()
        refused = smtplib.SMTPRecipientsRefused({"jamie@example.org": (550, b"Jamie unknown")})
        with mock.patch(SEND, side_effect=refused):
            run_worker()
            job.refresh_from_db()
            self.assertEqual((job.status, job.attempts), (JobStatus.QUEUED, 1))
            make_due(job)
            run_worker()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.FAILED)
        self.assertNotIn("jamie", job.last_error.lower())
        self.link.refresh_from_db()
        self.assertIsNone(self.link.reminder_token_sha256)  # no secret left from the failure
        page = self.client_for(self.clinic_admin).get("/accounts/administration/jobs/")
        self.assertContains(page, "Questionnaire reminder e-mail")
        self.assertContains(page, "the e-mail could not be sent (SMTPRecipientsRefused)")

    @override_settings(SITE_URL="")
    def test_the_command_needs_the_sites_address(self):
        with self.assertRaisesMessage(CommandError, "SITE_URL"):
            self.queue()
        self.assertFalse(Job.objects.exists())
