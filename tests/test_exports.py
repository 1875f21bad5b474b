"""Exports run as background jobs (issue 12 item 4): asking for the REMS CSV queues it (none
on rollback); the worker makes the file, retried with backoff; the person who asked sees its
state and downloads it until it expires, each download audited; nobody else finds it (404);
the job table holds an id, never the file or patient data; failures reach the clinic admin."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from ketamine_care.accounts.models import Membership, Role
from ketamine_care.audit.models import AuditEvent
from ketamine_care.demo.sessions import _esketamine_session
from ketamine_care.jobs.models import Export, Job, JobStatus
from ketamine_care.testing.base import PASSWORD, ClinicTestCase, make_user
from ketamine_care.testing.inventory import make_esketamine_devices, receive
from ketamine_care.testing.jobs import make_due, run_worker
from ketamine_care.treatment_sessions.services.rems_export import request_rems_export
from ketamine_care.treatment_sessions.tests.factories import activate

BUILD = "ketamine_care.treatment_sessions.services.rems_export.rems_csv"
DATES = {"start": "2000-01-01", "end": "2100-01-01"}


@override_settings(JOB_RETRY_BASE_SECONDS=30, JOB_MAX_ATTEMPTS=2)
class RemsExportJobTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        director = cls.medical_director
        version = activate(cls.clinic, director, "esketamine-trd-label")
        devices = make_esketamine_devices(clinic=cls.clinic, actor=director)
        lot = receive(devices, director, 6, "device", lot_number="ESK-EXPORT")
        _esketamine_session(
            cls.patient, version, cls.nurse, cls.prescriber, lot=lot, password=PASSWORD
        )

    def ask(self, user=None):
        client = self.client_for(user or self.prescriber)
        response = client.post("/sessions/rems/export/", DATES)
        self.assertEqual(response.status_code, 302)
        return client, response["Location"]

    def test_asking_queues_a_job_that_makes_the_file_to_download(self):
        client, page_url = self.ask()
        export = Export.objects.get()
        self.assertEqual(page_url, f"/accounts/exports/{export.public_id}/")
        self.assertEqual(export.job.status, JobStatus.QUEUED)
        self.assertContains(client.get(page_url), "Being prepared")
        self.assertEqual(client.get(page_url + "download/").status_code, 409)
        run_worker()
        page = client.get(page_url)
        self.assertContains(page, "Ready")
        self.assertContains(page, f"{page_url}download/")
        download = client.get(page_url + "download/")
        self.assertEqual(download.status_code, 200)
        self.assertIn("attachment;", download["Content-Disposition"])
        self.assertIn(self.patient.mrn, download.content.decode())
        made = AuditEvent.objects.get(event_type="rems_form.exported")
        self.assertEqual(made.actor, self.prescriber)
        self.assertIn(str(self.patient.public_id), made.changes["patients"])
        downloaded = AuditEvent.objects.get(event_type="export.downloaded")
        self.assertEqual(downloaded.changes["patients"], [str(self.patient.public_id)])
        self.assertTrue(AuditEvent.objects.filter(event_type="rems_form.export_requested"))

    def test_the_job_stores_an_id_and_no_patient_data(self):
        self.ask()
        run_worker()
        job = Job.objects.get(name="export.rems")
        self.assertEqual(job.arguments, {"export": Export.objects.get().pk})
        stored = json.dumps(job.arguments) + job.last_error
        for patient_data in (self.patient.mrn, self.patient.family_name):
            self.assertNotIn(patient_data, stored)

    def test_nothing_is_queued_when_the_request_rolls_back(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            request_rems_export(
                clinic=self.clinic,
                actor=self.prescriber,
                start=timezone.localdate(),
                end=timezone.localdate(),
            )
            raise RuntimeError("later in the same request")
        self.assertFalse(Export.objects.exists())
        self.assertFalse(Job.objects.exists())

    def test_only_the_person_who_asked_finds_it_and_another_clinic_gets_404(self):
        _, page_url = self.ask()
        run_worker()
        colleague = make_user("md2@test.clinic", self.clinic, Role.MEDICAL_DIRECTOR)
        for user in (colleague, self.outsider):
            for url in (page_url, page_url + "download/"):
                with self.subTest(user=user.email, url=url):
                    self.assertEqual(self.client_for(user).get(url).status_code, 404)

    def test_losing_the_capability_closes_the_download(self):
        client, page_url = self.ask()
        run_worker()
        Membership.objects.filter(user=self.prescriber).update(role=Role.FRONT_DESK)
        self.assertEqual(client.get(page_url + "download/").status_code, 403)

    def test_a_failed_attempt_is_retried_then_the_file_is_made(self):
        client, page_url = self.ask()
        with mock.patch(BUILD, side_effect=ValueError(f"MRN {self.patient.mrn} broke")):
            run_worker()
        job = Job.objects.get(name="export.rems")
        self.assertEqual((job.status, job.attempts), (JobStatus.QUEUED, 1))
        self.assertNotIn(self.patient.mrn, job.last_error)
        self.assertFalse(AuditEvent.objects.filter(event_type="rems_form.exported"))
        make_due(job)
        run_worker()
        self.assertEqual(client.get(page_url + "download/").status_code, 200)

    def test_a_failed_export_shows_as_failed_and_reaches_the_clinic_admin(self):
        client, page_url = self.ask()
        with mock.patch(BUILD, side_effect=ValueError("boom")):
            run_worker()
            make_due(Job.objects.get(name="export.rems"))
            run_worker()
        self.assertContains(client.get(page_url), "Failed")
        admin_page = self.client_for(self.clinic_admin).get("/accounts/administration/jobs/")
        self.assertContains(admin_page, "REMS CSV export")
        self.assertContains(admin_page, "ValueError (the message is not stored)")
        other_admin = make_user("admin@elsewhere.clinic", self.other_clinic, Role.CLINIC_ADMIN)
        elsewhere = self.client_for(other_admin).get("/accounts/administration/jobs/")
        self.assertNotContains(elsewhere, "REMS CSV export")

    def test_an_expired_file_is_gone_and_its_content_cleared(self):
        client, page_url = self.ask()
        run_worker()
        Export.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        self.assertEqual(client.get(page_url + "download/").status_code, 410)
        self.assertContains(client.get(page_url), "Expired")
        self.ask()
        run_worker()  # the next export's job clears expired files
        self.assertEqual(Export.objects.filter(content__isnull=False).count(), 1)
