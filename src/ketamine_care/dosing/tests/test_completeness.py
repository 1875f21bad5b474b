"""Measurement completeness of plans: due measures from the protocol, received ones from the
patient's administrations, shown on the chart, the plan and the clinic's day list."""

from datetime import datetime, time, timedelta

from ketamine_care.dosing.completeness import clinic_completeness, plan_completeness
from ketamine_care.outcomes.completeness import Received
from ketamine_care.patients import services as patients
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd, treatable_plan


class PlanCompletenessTests(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)
        self.plan = treatable_plan(
            patient=self.patient, version=self.version, prescriber=self.prescriber
        )
        self.visits = list(self.plan.visits.all())
        schedule = self.version.parsed().monitoring.instruments_at
        self.per_session = sum(1 for item in schedule if item.every_session)
        self.baselines = sum(1 for item in schedule if item.time_point == "baseline")

    def test_before_the_first_visit_only_the_baselines_are_due(self):
        report = plan_completeness(self.plan, [], today=self.visits[0].date - timedelta(days=1))
        self.assertEqual(report.expected, self.baselines)
        self.assertFalse(report.analysable)

    def test_each_held_visit_adds_the_protocols_session_measures(self):
        today = self.visits[1].date
        first = datetime.combine(self.visits[0].date, time(9))
        received = [
            Received("madrs", first - timedelta(days=2), "baseline"),
            Received("madrs", first - timedelta(minutes=20), "pre_session"),
        ]
        report = plan_completeness(self.plan, received, today=today)
        self.assertEqual(report.expected, self.baselines + 2 * self.per_session)
        self.assertEqual(report.received, 2)
        self.assertTrue(report.analysable)  # MADRS at baseline and after the first session
        self.assertIn("madrs (pre dose, session 2)", [d.label for d in report.missing])

    def test_the_clinic_rate_covers_active_plans(self):
        summary = clinic_completeness(self.clinic)
        self.assertEqual(summary.plans, 1)
        self.assertGreaterEqual(summary.expected, summary.received)

    def test_the_chart_plan_and_day_list_show_completeness(self):
        client = self.client_for(self.prescriber)
        chart = client.get(f"/patients/{self.patient.public_id}/")
        self.assertContains(chart, "expected measures received")
        plan = client.get(f"/patients/{self.patient.public_id}/plans/{self.plan.public_id}/")
        self.assertContains(plan, f"completeness-{self.plan.public_id}")
        day = client.get("/plans/day/")
        self.assertContains(day, "Measurement completeness across the clinic")
