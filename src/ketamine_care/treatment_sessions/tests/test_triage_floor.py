"""The floor as a triage board: the worst open item first, in words and colour, with the
last reading, the next reading due, a reading waiting for its recheck and escort badges."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.measures import phq9, record
from ketamine_care.treatment_sessions import queries, services
from ketamine_care.treatment_sessions.models import AlertCheckpoint
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session


def reading(session, nurse, minutes_ago, **values):
    values = {"measured_at": ago(minutes_ago), **values}
    services.record_vitals(session=session, actor=nurse, readings=[values])


class TriageFloorTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def chair(self, family_name, chair_label, started_min_ago=60):
        patient = make_patient(clinic=self.clinic, actor=self.nurse, family_name=family_name)
        return dosing_session(
            patient,
            self.version,
            self.nurse,
            self.prescriber,
            started_min_ago=started_min_ago,
            chair_label=chair_label,
        )

    def setUp(self):
        # Chair labels in the reverse of the triage order: the sort is by the worst item.
        self.clear = self.chair("Clear", "Chair 1", started_min_ago=150)
        reading(self.clear, self.nurse, 5, bp_systolic_mmhg=126, bp_diastolic_mmhg=78)
        self.flagged = self.chair("Flagged", "Chair 2")
        record(self.flagged.patient, self.nurse, "phq9", phq9(6, item9=1), days_ago=1)
        self.warned = self.chair("Warned", "Chair 3")
        # One severe BP after dosing: a warning, and the sustained rule waits for its recheck.
        reading(self.warned, self.nurse, 2, bp_systolic_mmhg=184, bp_diastolic_mmhg=100)
        self.urgent = self.chair("Urgent", "Chair 4")
        reading(self.urgent, self.nurse, 3, bp_systolic_mmhg=206, bp_diastolic_mmhg=100)

    def test_the_alerting_chair_comes_first_then_warning_then_patient_alert(self):
        chairs = queries.floor(self.clinic)
        self.assertEqual(
            [c.session.patient.family_name for c in chairs],
            ["Urgent", "Warned", "Flagged", "Clear"],
        )
        self.assertEqual([c.worst for c in chairs], ["urgent", "warning", "patient_alert", "clear"])

    def test_rows_carry_the_severity_in_words_and_colour(self):
        body = self.client_for(self.nurse).get("/sessions/").content.decode()
        order = [body.index(f'data-worst="{w}"') for w in ("urgent", "warning", "patient_alert")]
        self.assertEqual(order, sorted(order))
        for words in ("Urgent alert", "Warning", "High-risk patient alert", "No open alerts"):
            self.assertIn(words, body)
        self.assertIn('class="triage triage-urgent"', body)
        self.assertIn('class="badge triage-badge danger">Urgent alert</span>', body)

    def test_a_severe_reading_shows_with_its_recheck_time(self):
        (warned,) = [c for c in queries.floor(self.clinic) if c.session == self.warned]
        severe_at = self.warned.readings.order_by("measured_at").last().measured_at
        recheck = severe_at + timezone.timedelta(
            minutes=warned.recheck.due_minute - warned.recheck.reading.minute
        )
        expected = f"BP 184/100 mmHg: recheck by {timezone.localtime(recheck):%H:%M}"
        self.assertEqual(warned.recheck_text, expected)
        self.assertContains(self.client_for(self.nurse).get("/sessions/"), expected)

    def test_a_normal_recheck_at_its_time_clears_the_recheck_from_the_floor(self):
        """Once done and normal, "recheck by" would read as overdue for the rest of the
        session: from the checkpoint, and from the readings when no checkpoint is valid."""
        rechecked = self.chair("Rechecked", "Chair 5")
        reading(rechecked, self.nurse, 12, bp_systolic_mmhg=186, bp_diastolic_mmhg=102)
        self.assertIn("recheck by", self.floor_row(rechecked).recheck_text)
        reading(rechecked, self.nurse, 5, bp_systolic_mmhg=132, bp_diastolic_mmhg=84)
        self.assertEqual(self.floor_row(rechecked).recheck_text, "")
        AlertCheckpoint.objects.filter(session=rechecked).delete()
        self.assertEqual(self.floor_row(rechecked).recheck_text, "")
        self.assertNotContains(self.client_for(self.nurse).get("/sessions/"), "BP 186/102 mmHg: r")

    def floor_row(self, session):
        (row,) = [c for c in queries.floor(self.clinic) if c.session == session]
        return row

    def test_each_row_shows_the_last_reading_time_and_the_next_reading_due(self):
        chairs = {c.session.pk: c for c in queries.floor(self.clinic)}
        clear = chairs[self.clear.pk]
        self.assertEqual(
            clear.last_reading_at, self.clear.readings.latest("measured_at").measured_at
        )
        self.assertIsNotNone(clear.bp_due)
        due_at = self.clear.dose_started_at + timezone.timedelta(minutes=clear.bp_due.due_minute)
        self.assertEqual(clear.bp_due_at, due_at)
        body = self.client_for(self.nurse).get("/sessions/").content.decode()
        self.assertIn(f"at {timezone.localtime(clear.last_reading_at):%H:%M}", body)
        self.assertIn(f"at {timezone.localtime(due_at):%H:%M}", body)
        self.assertIn(clear.bp_due.text(), body)

    def test_escort_and_ready_to_go_badges(self):
        reading(
            self.clear,
            self.nurse,
            1,
            bp_systolic_mmhg=124,
            bp_diastolic_mmhg=78,
            heart_rate_bpm=70,
            moaas=5,
            spo2_percent=98,
        )
        services.mark_ready_for_discharge(session=self.clear, actor=self.nurse, escort_present=True)
        chairs = {c.session.pk: c for c in queries.floor(self.clinic)}
        self.assertTrue(chairs[self.clear.pk].ready_to_go)
        self.assertEqual(chairs[self.clear.pk].escort_words, "Escort present")
        self.assertEqual(chairs[self.urgent.pk].escort_words, "Escort confirmed")  # pre-checks
        body = self.client_for(self.nurse).get("/sessions/").content.decode()
        self.assertIn('<span class="badge ok">Ready to go</span>', body)
        self.assertIn('<span class="badge ok">Escort present</span>', body)

    def test_patient_alerts_colour_a_chair_only_for_roles_that_see_measures(self):
        chairs = queries.floor(self.clinic, patient_alerts=False)
        self.assertEqual({c.worst for c in chairs}, {"urgent", "warning", "clear"})

    def test_another_clinics_chairs_and_alerts_are_not_on_the_floor(self):
        self.assertNotContains(self.client_for(self.outsider).get("/sessions/"), "Urgent, ")

    def test_the_floor_costs_the_same_queries_for_one_chair_or_many(self):
        client = self.client_for(self.nurse)
        client.get("/sessions/")
        with CaptureQueriesContext(connection) as many:
            client.get("/sessions/", headers={"HX-Request": "true"})
        for session in (self.warned, self.urgent, self.flagged):
            services.abort_session(session=session, actor=self.nurse, reason="test")
        with CaptureQueriesContext(connection) as one:
            response = client.get("/sessions/", headers={"HX-Request": "true"})
        self.assertEqual(len(queries.floor(self.clinic)), 1)
        self.assertContains(response, "Clear, ")
        self.assertEqual(len(many), len(one))
