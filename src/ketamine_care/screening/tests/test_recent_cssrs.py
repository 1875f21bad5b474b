"""The suicide risk screening takes from the record: the highest risk of the recent C-SSRS
screeners, never only the newest (§12.6, §0.4)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.instruments.services import record_administration
from ketamine_care.patients import services as patients
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import facts_from_record, latest_cssrs
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd

HIGH = [1, 1, 1, 1, 0, 0, 0]  # intent without a plan (Q4): high risk
MODERATE = [1, 1, 1, 0, 0, 0, 0]  # thoughts of method (Q3): moderate risk
NONE = [0] * 7
WORKUP = {
    "protocol": "iv-ketamine-trd",
    "history_reviewed": "on",
    "pregnant": "no",
    "breastfeeding": "no",
    "bp_systolic": "120",
    "bp_diastolic": "80",
    "heart_rate": "70",
    "failed_antidepressant_trials": "3",
    "suicide_risk": "none",
    "inpatient_care_needed": "no",
}


class RecentCssrsTests(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        activate_trd(clinic=self.clinic, director=self.medical_director)
        self.chart = f"/patients/{self.patient.public_id}"

    def screener(self, answers, days_ago=0):
        return record_administration(
            patient=self.patient,
            instrument_code="cssrs_screener",
            answers=answers,
            time_point="pre_session",
            actor=self.prescriber,
            administered_at=timezone.now() - timedelta(days=days_ago),
        )

    def test_a_newer_all_no_screener_does_not_cancel_a_recent_high_risk(self):
        high = self.screener(HIGH, days_ago=3)
        self.screener(NONE)
        self.assertEqual(latest_cssrs(self.patient), high)
        facts = facts_from_record(self.patient, timezone.localdate())
        self.assertEqual(facts["suicide_risk"], "high")

    def test_screening_still_needs_the_override_after_a_newer_all_no_screener(self):
        self.screener(HIGH, days_ago=3)
        self.screener(NONE)
        self.client_for(self.prescriber).post(f"{self.chart}/screening/", WORKUP)
        verdict = ScreeningVerdict.objects.get()
        self.assertEqual(verdict.verdict, "requires_override")
        self.assertIn("suicide.high_risk", [r["rule"] for r in verdict.reasons])

    def test_of_equal_risks_the_newest_screener_is_shown(self):
        self.screener(MODERATE, days_ago=10)
        newer = self.screener(MODERATE, days_ago=2)
        self.screener(NONE)
        self.assertEqual(latest_cssrs(self.patient), newer)

    def test_a_high_risk_outside_the_window_no_longer_counts(self):
        self.screener(HIGH, days_ago=31)
        self.screener(NONE, days_ago=1)
        facts = facts_from_record(self.patient, timezone.localdate())
        self.assertEqual(facts["suicide_risk"], "none")
