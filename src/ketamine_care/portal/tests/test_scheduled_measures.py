"""Scheduled questionnaires (issue 14 item 5): made from the protocol and the clinic's
settings, sent by jobs on the database task backend with the patient's consent, channels and
the clinic's quiet hours; due, sent, opened, completed and expired; resent from the
outstanding list with a new link (the old one revoked); a missed one in the pre-session
checks."""

from __future__ import annotations

import io
import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.instruments.models import Administration
from ketamine_care.jobs.models import Job
from ketamine_care.patients.models import Patient
from ketamine_care.portal import sms
from ketamine_care.portal.models import ContactPreference, MeasureRequest, MeasureSettings
from ketamine_care.portal.tests.test_self_report import answers
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.jobs import run_worker
from ketamine_care.testing.measure_requests import consent, make_measure_request
from ketamine_care.treatment_sessions.services import pre_check_results
from ketamine_care.treatment_sessions.tests.factories import activate, screened_session

LINK = re.compile(r"https://kc\.example(/self-report/[^\s]+/)")
ANSWERS = {**answers("phq9", [1] * 9), **answers("cssrs_screener", [0] * 7)}


@override_settings(
    SITE_URL="https://kc.example", SMS_BACKEND="ketamine_care.portal.sms.LocmemBackend"
)
class ScheduledMeasureTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        cache.clear()
        sms.outbox.clear()
        Patient.objects.filter(pk=self.patient.pk).update(
            email="jamie@example.org", phone="+15555550100"
        )
        self.patient.refresh_from_db()
        # No quiet hours unless a test sets them: the outcome must not hang on the hour.
        self.settings_row = MeasureSettings.objects.create(
            clinic=self.clinic,
            quiet_start=time(0),
            quiet_end=time(0),
            instruments=["phq9"],
            updated_by=self.medical_director,
        )
        self.session = screened_session(
            self.patient,
            self.version,
            self.prescriber,
            scheduled_for=timezone.now() + timedelta(hours=20),
        )

    def run_schedule(self) -> str:
        out = io.StringIO()
        call_command("send-measures", stdout=out)
        return out.getvalue()

    def test_a_visit_tomorrow_sends_its_questionnaire_which_is_opened_and_answered(self):
        consent(self.patient, self.nurse)
        self.assertIn("queued 2 message(s)", self.run_schedule())  # questionnaire + instructions
        request = MeasureRequest.objects.get()
        self.assertEqual((request.kind, request.session), ("pre_visit", self.session))
        self.assertEqual(request.state_at(timezone.now()), "due")
        job = Job.objects.get(name="measures.send_request")
        self.assertEqual(job.arguments, {"request": request.pk})  # an id, never a secret
        run_worker()
        request.refresh_from_db()
        self.assertEqual((request.state_at(timezone.now()), request.channels), ("sent", ["email"]))
        [message] = [m for m in mail.outbox if "questionnaire" in m.subject]
        self.assertEqual(message.to, ["jamie@example.org"])
        self.assertIn("Hello Jamie", message.body)
        url = LINK.search(message.body).group(1)
        self.assertEqual(self.client.get(url).status_code, 200)
        request.refresh_from_db()
        self.assertEqual(request.state_at(timezone.now()), "opened")
        response = self.client.post(url, ANSWERS)
        self.assertContains(response, "Thank you")
        request.refresh_from_db()
        self.assertEqual(request.state_at(timezone.now()), "completed")
        answered = Administration.objects.get(patient=self.patient, instrument_code="phq9")
        self.assertEqual(answered.time_point, "pre_session")
        self.assertTrue(AuditEvent.objects.filter(event_type="measure_request.sent").exists())
        # A second run makes and sends nothing again.
        self.assertIn("scheduled 0, queued 0", self.run_schedule())

    def test_without_consent_nothing_is_queued_and_the_request_says_why(self):
        self.run_schedule()
        request = MeasureRequest.objects.get()
        self.assertEqual((request.held, request.queued_at), ("no_consent", None))
        self.assertFalse(Job.objects.exists())
        run_worker()
        self.assertEqual(mail.outbox, [])

    def test_consent_withdrawn_after_queueing_means_the_worker_sends_nothing(self):
        preference = consent(self.patient, self.nurse, by_sms=True)
        self.run_schedule()
        preference.consent_to_contact = False
        preference.save()
        run_worker()
        self.assertEqual((mail.outbox, sms.outbox), ([], []))
        request = MeasureRequest.objects.get()
        self.assertEqual((request.state_at(timezone.now()), request.held), ("due", "no_consent"))
        self.assertIsNone(request.link)

    def test_quiet_hours_hold_the_message_until_they_end(self):
        consent(self.patient, self.nurse)
        now = timezone.now().astimezone(ZoneInfo(self.clinic.time_zone))
        self.settings_row.quiet_start = (now - timedelta(hours=1)).time()
        self.settings_row.quiet_end = (now + timedelta(hours=1)).time()
        self.settings_row.save()
        self.assertIn("queued 0", self.run_schedule())
        self.assertEqual(MeasureRequest.objects.get().held, "quiet_hours")
        self.settings_row.quiet_start = self.settings_row.quiet_end = time(0)
        self.settings_row.save()
        self.assertIn("queued 2", self.run_schedule())

    def test_text_messages_go_through_the_backend_named_in_the_settings(self):
        consent(self.patient, self.nurse, by_email=False, by_sms=True)
        self.run_schedule()
        run_worker()
        self.assertEqual(mail.outbox, [])
        self.assertEqual({m.to for m in sms.outbox}, {"+15555550100"})
        self.assertTrue(any("/self-report/" in m.body for m in sms.outbox))

    @override_settings(SMS_BACKEND="ketamine_care.portal.sms.DisabledBackend")
    def test_a_refused_text_does_not_resend_the_email_and_alone_it_is_retried(self):
        preference = consent(self.patient, self.nurse, by_sms=True)
        self.run_schedule()
        run_worker()
        request = MeasureRequest.objects.get()
        self.assertEqual((request.state_at(timezone.now()), request.channels), ("sent", ["email"]))
        job = Job.objects.get(name="measures.send_request")
        self.assertEqual((job.status, job.attempts), ("done", 1))
        # Text only, and the backend refuses: the job fails (retried), nothing is marked sent.
        preference.by_email = False
        preference.save()
        other = make_measure_request(session=self.session, kind="after_session_1d")
        self.run_schedule()
        run_worker()
        other.refresh_from_db()
        self.assertIsNone(other.sent_at)
        failed = Job.objects.filter(name="measures.send_request").exclude(pk=job.pk).get()
        self.assertIn("sms (SmsError)", failed.last_error)

    def test_resend_revokes_the_old_link_and_sends_a_new_one(self):
        consent(self.patient, self.nurse)
        self.run_schedule()
        run_worker()
        old = LINK.search(mail.outbox[0].body).group(1)
        request = MeasureRequest.objects.get()
        client = self.client_for(self.nurse)
        response = client.post(f"/self-report/measures/{request.public_id}/resend/")
        self.assertEqual(response.status_code, 302)
        run_worker()
        self.assertEqual(self.client.get(old).status_code, 404)
        new = LINK.search(mail.outbox[-1].body).group(1)
        self.assertNotEqual(new, old)
        self.assertEqual(self.client.get(new).status_code, 200)
        event = AuditEvent.objects.get(event_type="measure_request.resent")
        self.assertEqual((event.actor, event.patient), (self.nurse, self.patient))

    def test_another_clinics_request_answers_404(self):
        request = make_measure_request(session=self.session)
        client = self.client_for(self.outsider)
        response = client.post(f"/self-report/measures/{request.public_id}/resend/")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(event_type="measure_request.resent").exists())

    def test_a_missed_questionnaire_shows_in_the_pre_session_checks_without_blocking(self):
        make_measure_request(session=self.session, kind="pre_visit")
        [notice] = [c for c in pre_check_results(self.session) if c.key == "missed_measure"]
        self.assertIn("PHQ-9", notice.message)
        self.assertFalse(notice.blocks_dosing)

    def test_the_chart_and_the_outstanding_list_show_the_request_and_its_state(self):
        make_measure_request(session=self.session)
        consent(self.patient, self.nurse)
        chart = self.client_for(self.nurse).get(f"/patients/{self.patient.public_id}/")
        self.assertContains(chart, 'id="measure-requests"')
        self.assertContains(chart, "Agrees to be contacted by e-mail")
        listed = self.client_for(self.nurse).get("/self-report/measures/")
        self.assertContains(listed, "Rivera, Jamie")
        self.assertContains(listed, "Due")
        elsewhere = self.client_for(self.outsider).get("/self-report/measures/")
        self.assertContains(elsewhere, "No outstanding measures.")

    def test_contact_preferences_are_recorded_and_audited(self):
        client = self.client_for(self.front_desk)
        url = f"/self-report/contact/{self.patient.public_id}/"
        client.post(url, {"consent_to_contact": "on", "by_sms": "on"})
        preference = ContactPreference.objects.get(patient=self.patient)
        self.assertEqual((preference.consent_to_contact, preference.by_email), (True, False))
        self.assertTrue(
            AuditEvent.objects.filter(event_type="contact_preference.recorded").exists()
        )
        other = f"/self-report/contact/{self.other_patient.public_id}/"
        self.assertEqual(client.post(other, {}).status_code, 404)


class MeasureSettingsTests(ClinicTestCase):
    def test_the_clinic_changes_quiet_hours_and_the_patient_view_on_its_settings_page(self):
        client = self.client_for(self.medical_director)
        page = client.get("/alerts/settings/")
        self.assertContains(page, 'id="section-measure-settings"')
        self.assertContains(page, "shipped defaults (INSTITUTIONAL)")
        response = client.post(
            "/self-report/settings/measures/",
            {"quiet_start": "22:00", "quiet_end": "07:30", "instruments": ["phq9", "gad7"],
             "show_scores_to_patient": "on"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        row = MeasureSettings.objects.get(clinic=self.clinic)
        self.assertEqual((row.quiet_start, row.quiet_end), (time(22, 0), time(7, 30)))
        self.assertEqual((row.instruments, row.show_scores_to_patient), (["phq9", "gad7"], True))
        self.assertTrue(AuditEvent.objects.filter(event_type="measure_settings.changed").exists())
        # A clinician-rated scale cannot be sent home.
        client.post(
            "/self-report/settings/measures/",
            {"quiet_start": "22:00", "quiet_end": "07:30", "instruments": ["madrs"]},
        )
        self.assertEqual(MeasureSettings.objects.get(clinic=self.clinic).instruments,
                         ["phq9", "gad7"])  # fmt: skip
        self.assertEqual(self.client_for(self.nurse).post("/self-report/settings/measures/",
                                                          {}).status_code, 403)  # fmt: skip


class FollowUpTests(ClinicTestCase):
    def test_follow_up_waits_while_a_later_visit_is_booked(self):
        from ketamine_care.portal.measures import schedule_requests
        from ketamine_care.treatment_sessions.models import TreatmentSession
        from ketamine_care.treatment_sessions.tests.factories import discharged_session

        version = activate(self.clinic, self.medical_director)
        done = discharged_session(self.patient, version, self.nurse, self.prescriber)
        TreatmentSession.objects.filter(pk=done.pk).update(
            dose_started_at=timezone.now() - timedelta(days=29, hours=2),
            discharged_at=timezone.now() - timedelta(days=29),
        )
        later = screened_session(
            self.patient, version, self.prescriber,
            scheduled_for=timezone.now() + timedelta(days=10),
        )  # fmt: skip
        schedule_requests(clinic=self.clinic)
        self.assertFalse(MeasureRequest.objects.filter(kind="follow_up").exists())
        TreatmentSession.objects.filter(pk=later.pk).update(state="cancelled", state_reason="moved")
        schedule_requests(clinic=self.clinic)
        follow = MeasureRequest.objects.get(kind="follow_up")
        self.assertEqual((follow.session, follow.instrument_codes), (done, ["phq9"]))
