"""E-mails are background jobs (issue 12 item 4): queued with the write that asks for them
(none on rollback), sent by the worker, retried with backoff, shown to the clinic admin when
they fail; the job table never holds a link's secret, an address or patient data."""

from __future__ import annotations

import json
import re
import smtplib
from unittest import mock

from django.core import mail
from django.db import transaction
from django.test import Client, RequestFactory, override_settings

from ketamine_care.accounts import staffing
from ketamine_care.accounts.models import Invitation, Role
from ketamine_care.jobs.models import Job, JobStatus
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.jobs import make_due, run_worker

LINK = re.compile(r"https?://[^/\s]+/accounts/(?:invitation|password-reset)/([^\s]+)/")
REFUSED = smtplib.SMTPRecipientsRefused({"nell@test.clinic": (550, b"Nell Newhire unknown")})


def stored(job: Job) -> str:
    job.refresh_from_db()
    return json.dumps(job.arguments) + job.last_error


@override_settings(JOB_RETRY_BASE_SECONDS=30, JOB_MAX_ATTEMPTS=2)
class InvitationMailJobTests(ClinicTestCase):
    def invite(self) -> Invitation:
        return staffing.invite_user(
            clinic=self.clinic,
            actor=self.clinic_admin,
            email="nell@test.clinic",
            full_name="Nell Newhire",
            role=Role.NURSE,
            base_url="https://kc.example",
        )

    def test_queued_with_the_invitation_and_sent_by_the_worker_with_no_secret_stored(self):
        invitation = self.invite()
        job = Job.objects.get(name="mail.invitation")
        self.assertEqual((job.clinic, job.status), (self.clinic, JobStatus.QUEUED))
        self.assertEqual(mail.outbox, [])  # nothing sent on the request's path
        run_worker()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.DONE)
        self.assertEqual(len(mail.outbox), 1)
        token = LINK.search(mail.outbox[0].body).group(1)
        for secret in (token, token.split(":")[0], "nell@test.clinic", "Newhire"):
            self.assertNotIn(secret, stored(job))
        invitation.refresh_from_db()
        self.assertNotIn(invitation.token_hash, mail.outbox[0].body)
        self.assertEqual(Client().get(f"/accounts/invitation/{token}/").status_code, 200)

    def test_no_job_when_the_invitation_rolls_back(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            self.invite()
            raise RuntimeError("the request failed later")
        self.assertFalse(Job.objects.exists())
        run_worker()
        self.assertEqual(mail.outbox, [])

    def test_a_failed_send_is_retried_with_a_new_link_and_no_address_in_the_error(self):
        self.invite()
        job = Job.objects.get(name="mail.invitation")
        with mock.patch("ketamine_care.accounts.mail_jobs.send_mail", side_effect=REFUSED):
            run_worker()
        job.refresh_from_db()
        self.assertEqual((job.status, job.attempts), (JobStatus.QUEUED, 1))
        self.assertIn("SMTPRecipientsRefused", job.last_error)
        self.assertNotIn("nell", stored(job).lower())
        make_due(job)
        run_worker()
        job.refresh_from_db()
        self.assertEqual((job.status, job.attempts), (JobStatus.DONE, 2))
        token = LINK.search(mail.outbox[0].body).group(1)
        self.assertEqual(Client().get(f"/accounts/invitation/{token}/").status_code, 200)

    def test_the_clinic_admin_sees_a_failed_mail_and_another_clinic_does_not(self):
        self.invite()
        job = Job.objects.get(name="mail.invitation")
        with mock.patch("ketamine_care.accounts.mail_jobs.send_mail", side_effect=REFUSED):
            run_worker()
            make_due(job)
            run_worker()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.FAILED)
        page = self.client_for(self.clinic_admin).get("/accounts/administration/jobs/")
        self.assertContains(page, "Invitation e-mail")
        self.assertContains(page, "the e-mail could not be sent (SMTPRecipientsRefused)")
        self.assertNotContains(page, "nell@test.clinic")
        other = self.outsider.memberships.get()
        other.role = Role.CLINIC_ADMIN
        other.save()
        elsewhere = self.client_for(self.outsider).get("/accounts/administration/jobs/")
        self.assertNotContains(elsewhere, "Invitation e-mail")

    def test_a_cancelled_invitation_is_not_mailed(self):
        invitation = self.invite()
        staffing.cancel_invitation(invitation=invitation, actor=self.clinic_admin, request=None)
        run_worker()
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Job.objects.get().status, JobStatus.DONE)

    def test_only_the_latest_of_two_sends_mails_a_link(self):
        invitation = self.invite()
        request = RequestFactory().post("/")
        staffing.resend_invitation(invitation=invitation, actor=self.clinic_admin, request=request)
        run_worker()
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(Job.objects.filter(status=JobStatus.DONE).count(), 2)


class PasswordResetMailJobTests(ClinicTestCase):
    def test_queued_by_the_request_and_sent_by_the_worker_with_no_token_stored(self):
        Client().post("/accounts/password-reset/", {"email": self.nurse.email})
        job = Job.objects.get(name="mail.password_reset")
        self.assertEqual(job.clinic, self.clinic)
        self.assertEqual(mail.outbox, [])
        run_worker()
        self.assertEqual(len(mail.outbox), 1)
        token = LINK.search(mail.outbox[0].body).group(1)
        for secret in (*token.split("/"), self.nurse.email):
            self.assertNotIn(secret, stored(job))
        body = mail.outbox[0].body
        for patient_data in (self.patient.family_name, self.patient.mrn):
            self.assertNotIn(patient_data, body)

    def test_no_job_for_an_unknown_address(self):
        Client().post("/accounts/password-reset/", {"email": "nobody@nowhere.example"})
        self.assertFalse(Job.objects.exists())
