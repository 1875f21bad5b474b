"""A session of an age-banded protocol (paediatric procedural sedation) takes the patient's
age on the session day from the record's date of birth, counted in completed months as
dosing and screening count it, and monitors the vital signs on that age's band."""

from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone

from ketamine_care.core.ages import age_years
from ketamine_care.core.clock import clinic_today
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import months_before
from ketamine_care.treatment_sessions.monitoring import monitoring_for


class AgeFromTheRecordTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate_protocol(
            clinic=cls.clinic,
            protocol_id="pediatric-procedural-sedation",
            actor=cls.medical_director,
            clinic_values={
                "monitoring.min_observation_min": 60,
                "monitoring.vitals_cadence.interval": 5,
            },
        )

    def session_for(self, date_of_birth):
        child = SimpleNamespace(date_of_birth=date_of_birth)
        return SimpleNamespace(
            clinic=self.clinic,
            protocol_version=self.version,
            route="iv",
            patient=child,
            dose_started_at=None,
            scheduled_for=timezone.now(),
        )

    def test_the_band_follows_the_date_of_birth(self):
        today = timezone.localdate()
        born = today - timedelta(days=800)  # two years and about a month
        two = {r.rule: r for r in monitoring_for(self.session_for(born)).rules}
        self.assertEqual(two["paed_hr_above_band"].conditions[0].value, 190)
        self.assertEqual(two["paed_sbp_below_hypotension_line"].conditions[0].value, 74)
        infant = {
            r.rule: r for r in monitoring_for(self.session_for(today - timedelta(days=180))).rules
        }
        self.assertEqual(infant["paed_rr_below_band"].conditions[0].value, 30)
        self.assertNotIn("hr_above_120_sustained", two)

    def test_age_counts_completed_months(self):
        self.assertEqual(age_years(date(2020, 6, 15), date(2022, 6, 15)), 2.0)
        self.assertEqual(age_years(date(2020, 6, 15), date(2022, 6, 14)), 23 / 12)
        self.assertEqual(age_years(date(2024, 1, 1), date(2024, 4, 1)), 0.25)
        self.assertEqual(age_years(date(2024, 1, 1), date(2024, 3, 31)), 2 / 12)
        self.assertEqual(age_years(date(2020, 2, 29), date(2021, 3, 1)), 1.0)

    def test_on_the_day_a_dose_allows_the_child_is_in_that_ages_band(self):
        """3 months is the protocol's absolute minimum [@green-2011]: a child the dose
        allows on that day is monitored on the 3-12 months band (heart rate above 190,
        systolic below 70), not the 0-3 months one (205, 60) [@pals-2020]."""
        today = clinic_today(self.clinic)
        for born, hr_max, sbp_below in (
            (months_before(today, 3), 190, 70),
            (months_before(today, 2), 205, 60),
        ):
            with self.subTest(born=born):
                rules = {r.rule: r for r in monitoring_for(self.session_for(born)).rules}
                self.assertEqual(rules["paed_hr_above_band"].conditions[0].value, hr_max)
                sbp = rules["paed_sbp_below_hypotension_line"].conditions[0].value
                self.assertEqual(sbp, sbp_below)
