"""The suicide risk screening takes from the record: the highest risk of the recent C-SSRS
screeners, never only the newest [@posner-2011]."""

from __future__ import annotations

from django.utils import timezone

from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import facts_from_record, latest_cssrs
from ketamine_care.screening.tests.test_workup_safety import SafetyTestCase

HIGH = [1, 1, 1, 1, 0, 0, 0]  # intent without a plan (Q4): high risk
MODERATE = [1, 1, 1, 0, 0, 0, 0]  # thoughts of method (Q3): moderate risk
NONE = [0] * 7


class RecentCssrsTests(SafetyTestCase):
    def screener(self, answers, days_ago=0):
        # The "since last visit" screener the protocols ask before each dose.
        return self.cssrs(answers, days_ago, time_point="pre_session")

    def test_a_newer_all_no_screener_does_not_cancel_a_recent_high_risk(self):
        high = self.screener(HIGH, days_ago=3)
        self.screener(NONE)
        self.assertEqual(latest_cssrs(self.patient), high)
        facts = facts_from_record(self.patient, timezone.localdate())
        self.assertEqual(facts["suicide_risk"], "high")

    def test_screening_still_needs_the_override_after_a_newer_all_no_screener(self):
        self.screener(HIGH, days_ago=3)
        self.screener(NONE)
        self.workup()
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
