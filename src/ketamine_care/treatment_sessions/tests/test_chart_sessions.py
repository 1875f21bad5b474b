"""The chart's dosing-session history: date, dose, peak BP, alerts, adverse events, signed
by; today's session on top; the same number of queries whatever the number of sessions."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketamine_care.core import sections
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.chart import PAGE_SIZE, course
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    ago,
    dosing_session,
    screened_session,
)


def _signed(patient, version, nurse, prescriber):
    session = dosing_session(patient, version, nurse, prescriber)
    services.record_vitals(
        session=session,
        actor=nurse,
        readings=[
            {"measured_at": ago(45), "bp_systolic_mmhg": 152, "bp_diastolic_mmhg": 88,
             "heart_rate_bpm": 76},
            {"measured_at": ago(38), "bp_systolic_mmhg": 128, "bp_diastolic_mmhg": 92,
             "heart_rate_bpm": 74},
            {"measured_at": ago(30), "bp_systolic_mmhg": 124, "bp_diastolic_mmhg": 78,
             "moaas": 5, "spo2_percent": 98, "heart_rate_bpm": 72},
        ],
    )  # fmt: skip
    services.mark_ready_for_discharge(session=session, actor=nurse, escort_present=True)
    services.discharge(session=session, actor=nurse)
    services.sign_session(session=session, actor=prescriber, note_text="Uneventful.")
    session.refresh_from_db()
    return session


class ChartSessionsTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def chart(self, user, query=""):
        return self.client_for(user).get(f"/patients/{self.patient.public_id}/{query}")

    def test_the_section_is_registered_after_the_treatment_section(self):
        names = [s.name for s in sections.sections(sections.PATIENT_CHART)]
        self.assertLess(names.index("treatment"), names.index("sessions"))

    def test_a_signed_session_shows_dose_peak_bp_alerts_adverse_events_and_signer(self):
        session = _signed(self.patient, self.version, self.nurse, self.prescriber)
        row = course(self.patient).get(pk=session.pk)
        # The peak is the reading with the highest systolic, with its own diastolic (152/88),
        # never the highest of each (152/92).
        self.assertEqual((row.peak_systolic, row.peak_diastolic), (152, 88))
        self.assertEqual(row.dose_total_mg, session.doses.get().dose_mg)
        self.assertEqual(row.adverse_count, 0)
        response = self.chart(self.prescriber)
        self.assertContains(response, 'id="section-sessions"')
        self.assertContains(response, "152/88")
        self.assertContains(response, self.prescriber.full_name)
        self.assertContains(response, f"/sessions/{session.public_id}/")
        self.assertContains(response, "Signed")

    def test_alerts_and_serious_adverse_events_are_counted(self):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        services.record_vitals(
            session=session,
            actor=self.nurse,
            readings=[{"measured_at": ago(10), "spo2_percent": 85}],
        )
        services.record_adverse_event(
            session=session, actor=self.nurse, event_type="nausea", severity="mild",
            action_taken="Ondansetron given", outcome="resolved",
        )  # fmt: skip
        services.record_adverse_event(
            session=session, actor=self.nurse, event_type="hypertension", severity="severe",
            serious=True, action_taken="Transferred", outcome="transferred",
        )  # fmt: skip
        row = course(self.patient).get(pk=session.pk)
        self.assertEqual((row.adverse_count, row.serious_count), (2, 1))
        self.assertGreaterEqual(row.open_alert_count, 2)  # the SpO2 alert and the serious AE
        self.assertEqual(row.alert_count, row.open_alert_count)
        response = self.chart(self.nurse)
        self.assertContains(response, "1 serious")
        self.assertContains(response, f"{row.open_alert_count} open")

    def test_todays_session_is_linked_on_top(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        response = self.chart(self.nurse)
        self.assertContains(response, "Open today's session")
        page = response.content.decode()
        today = page.index('id="today-session"')
        self.assertIn(f"/sessions/{session.public_id}/", page[today : page.index("</div>", today)])

    def test_a_cancelled_session_today_is_not_todays_session(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        services.cancel_session(session=session, actor=self.nurse, reason="unwell")
        response = self.chart(self.nurse)
        self.assertContains(response, "No session today.")
        self.assertContains(response, "Cancelled")  # still in the history

    def test_the_therapist_does_not_see_the_sessions(self):
        screened_session(self.patient, self.version, self.prescriber)
        response = self.chart(self.therapist)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'id="section-sessions"')

    def test_the_front_desk_sees_todays_session_only(self):
        _signed(self.patient, self.version, self.nurse, self.prescriber)
        today = screened_session(self.patient, self.version, self.prescriber)
        response = self.chart(self.front_desk)
        self.assertContains(response, 'id="today-session"')
        self.assertContains(response, 'href="/sessions/check-in/"')
        self.assertNotContains(response, f"/sessions/{today.public_id}/")
        self.assertNotContains(response, 'id="session-history"')
        self.assertNotContains(response, "152/88")

    def test_no_sessions_says_so(self):
        self.assertContains(self.chart(self.nurse), "No dosing sessions yet.")

    def test_another_clinics_sessions_never_appear(self):
        other_version = activate(self.other_clinic, self.outsider_director())
        screened_session(self.other_patient, other_version, self.outsider)
        self.assertEqual(course(self.patient).count(), 0)
        self.assertContains(self.chart(self.nurse), "No dosing sessions yet.")

    def outsider_director(self):
        from ketamine_care.testing.base import make_user

        return make_user("director@elsewhere.clinic", self.other_clinic, "medical_director")

    def test_a_long_course_is_paged_newest_first(self):
        patient = make_patient(clinic=self.clinic, actor=self.prescriber, mrn="LONG-1")
        start = timezone.now() - timedelta(days=60)
        for day in range(PAGE_SIZE + 2):
            screened_session(
                patient, self.version, self.prescriber, scheduled_for=start + timedelta(days=day)
            )
        client = self.client_for(self.nurse)
        first = client.get(f"/patients/{patient.public_id}/").content.decode()
        self.assertIn("Page 1 of 2", first)
        newest = (start + timedelta(days=PAGE_SIZE + 1)).strftime("%Y-%m-%d")
        oldest = start.strftime("%Y-%m-%d")
        self.assertIn(newest, first)
        self.assertNotIn(f">{oldest}</a>", first)
        second = client.get(f"/patients/{patient.public_id}/?sessions_page=2").content.decode()
        self.assertIn(f">{oldest}</a>", second)
        self.assertIn("Newer sessions", second)

    def test_the_queries_do_not_grow_with_the_number_of_sessions(self):
        client = self.client_for(self.nurse)
        url = f"/patients/{self.patient.public_id}/"
        dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for days in range(1, 4):
            dosing_session(
                self.patient, self.version, self.nurse, self.prescriber,
                scheduled_for=timezone.now() - timedelta(days=days),
            )  # fmt: skip
        with CaptureQueriesContext(connection) as four:
            client.get(url)
        self.assertEqual(len(one.captured_queries), len(four.captured_queries))

    def test_the_sessions_section_runs_the_same_queries_for_one_page_or_many(self):
        from django.test import RequestFactory

        request = RequestFactory().get("/")
        request.user, request.membership = self.nurse, self.membership(self.nurse)
        section = sections.section(sections.PATIENT_CHART, "sessions")
        short = make_patient(clinic=self.clinic, actor=self.prescriber, mrn="SHORT-COURSE")
        long = make_patient(clinic=self.clinic, actor=self.prescriber, mrn="LONG-COURSE")
        start = timezone.now() - timedelta(days=90)
        screened_session(short, self.version, self.prescriber, scheduled_for=start)
        for day in range(3 * PAGE_SIZE + 1):
            screened_session(
                long, self.version, self.prescriber, scheduled_for=start + timedelta(days=day)
            )

        def render(patient):
            context = sections.build(section, request, patient)
            return len(context["session_page"].object_list)

        with CaptureQueriesContext(connection) as one:
            self.assertEqual(render(short), 1)
        with self.assertNumQueries(len(one.captured_queries)):
            self.assertEqual(render(long), PAGE_SIZE)
