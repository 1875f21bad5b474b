"""The caseload's two lists: dosing sessions coming within the window, and integration due
within the window after a dosing session, overdue once it closed, cleared by an integration
session on or after the dosing day."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from ketamine_care.core.clock import clinic_date_of, clinic_today
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.therapy import integration_note
from ketamine_care.testing.treatment import activate_trd, treatable_plan
from ketamine_care.therapy.queries import caseload
from ketamine_care.therapy.windows import Windows
from ketamine_care.treatment_sessions.tests.factories import dosing_session


def windows(upcoming: int, integration: int) -> Windows:
    return Windows(upcoming_days=upcoming, integration_days=integration, clinic_set=True)


class ComingTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.plan = treatable_plan(patient=cls.patient, version=version, prescriber=cls.prescriber)
        cls.first = cls.plan.visits.order_by("date").first().date

    def test_a_visit_inside_the_window_is_listed_and_one_beyond_it_is_not(self):
        days_ahead = (self.first - clinic_today(self.clinic)).days
        inside = caseload(self.clinic, windows(days_ahead, 3)).coming
        self.assertIn((self.patient, self.first), [(r.patient, r.day) for r in inside])
        self.assertIsNone(inside[0].last_preparation)
        outside = caseload(self.clinic, windows(days_ahead - 1, 3)).coming
        self.assertNotIn(self.first, [r.day for r in outside])

    def test_the_last_preparation_session_is_shown(self):
        integration_note(patient=self.patient, therapist=self.therapist, kind="preparation")
        rows = caseload(self.clinic, windows(60, 3)).coming
        self.assertEqual(rows[0].last_preparation, clinic_today(self.clinic))

    def test_another_clinics_visits_are_not_listed(self):
        rows = caseload(self.other_clinic, windows(60, 3))
        self.assertEqual((rows.coming, rows.integration), ([], []))


DOSE_MIN_AGO = 120


class IntegrationDueTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from ketamine_care.treatment_sessions.tests.factories import activate

        version = activate(cls.clinic, cls.medical_director)
        # The dosing day is the clinic's day of the dose, two hours before the session is
        # made, and a run may cross midnight after that: no test takes "today" for it.
        cls.made_from = cls.dose_day()
        cls.dosed = dosing_session(
            cls.patient, version, cls.nurse, cls.prescriber, started_min_ago=DOSE_MIN_AGO
        )
        cls.made_to = cls.dose_day()

    @classmethod
    def dose_day(cls):
        return clinic_date_of(cls.clinic, timezone.now() - timedelta(minutes=DOSE_MIN_AGO))

    def test_due_within_the_window_then_overdue(self):
        rows = caseload(self.clinic, windows(7, 3)).integration
        self.assertEqual(len(rows), 1)
        dosed_on = clinic_date_of(self.clinic, self.dosed.dose_started_at)
        self.assertIn(dosed_on, (self.made_from, self.made_to))
        self.assertEqual((rows[0].dosed_on, rows[0].due_by, rows[0].overdue),
                         (dosed_on, dosed_on + timedelta(days=3), False))  # fmt: skip
        with time_machine.travel(timezone.now() + timedelta(days=4), tick=False):
            later = caseload(self.clinic, windows(7, 3)).integration
        self.assertTrue(later[0].overdue)
        with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
            self.assertEqual(caseload(self.clinic, windows(7, 3)).integration, [])

    def test_an_integration_session_on_or_after_the_dosing_day_clears_it(self):
        integration_note(patient=self.patient, therapist=self.therapist)
        self.assertEqual(caseload(self.clinic, windows(7, 3)).integration, [])

    def test_a_preparation_session_does_not_count_as_integration(self):
        integration_note(patient=self.patient, therapist=self.therapist, kind="preparation")
        self.assertEqual(len(caseload(self.clinic, windows(7, 3)).integration), 1)

    def test_my_caseload_keeps_the_patients_i_have_seen(self):
        mine = caseload(self.clinic, windows(7, 3), therapist=self.therapist)
        self.assertEqual(mine.integration, [])
        integration_note(patient=self.patient, therapist=self.therapist, kind="preparation")
        mine = caseload(self.clinic, windows(7, 3), therapist=self.therapist)
        self.assertEqual([r.patient for r in mine.integration], [self.patient])
        page = self.client_for(self.therapist).get("/therapy/", {"mine": "1"})
        self.assertContains(page, "Showing the patients you have seen.")
        self.assertContains(page, self.patient.family_name)
