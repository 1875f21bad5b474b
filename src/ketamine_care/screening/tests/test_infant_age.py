"""Screening counts a patient's age from the record in completed calendar months, as dosing does.

It counted completed years, so every infant was age 0 and a 3-11-month-old screened as "under 3
months", an absolute contraindication to ketamine sedation [@green-2011]; the workup showed
"0 years". Now the record's age is months / 12 (`Patient.age_years_on`): the 3-month line falls
on the day, the workup says "7 months", and every whole-year limit (18, 65) decides as before.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core.clock import clinic_today
from ketamine_care.patients.models import Patient
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.screening.checked import facts_in_words
from ketamine_care.screening.facts import parse_facts
from ketamine_care.screening.record_facts import _age_contradiction, facts_from_record
from ketamine_care.screening.services import age_changes_reasons
from ketamine_care.screening.tests.factories import clean_facts, reason_map, screen
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient, months_before
from ketamine_care.testing.treatment import CLEAR_POSTED_FACTS, activate_trd

PPS = "pediatric-procedural-sedation"
TODAY = date(2026, 6, 15)
UNDER_3 = {"age.under_3_months": "ineligible", "age.under_12_months": "requires_override"}
UNDER_12 = {"age.under_12_months": "requires_override"}

# Born on, the age the record gives on TODAY, and the age rules of the paediatric procedural
# rule set that apply [@green-2011] [@rcem-paediatric-ketamine].
BOUNDARIES = [
    (date(2026, 3, 17), "2.9 months: 2 months 29 days", UNDER_3),
    (date(2026, 3, 16), "2 months 30 days", UNDER_3),
    (date(2026, 3, 15), "3 months exactly", UNDER_12),
    (date(2025, 11, 15), "7 months", UNDER_12),
    (date(2025, 6, 16), "11 months 30 days", UNDER_12),
    (date(2025, 6, 15), "12 months exactly", {}),
    (date(2008, 6, 16), "17 years 11 months 30 days: still under 18", {}),
    (date(2008, 6, 15), "18 years exactly", {"age.adult": "requires_override"}),
]


class ScreeningFromTheRecordTests(ClinicTestCase):
    def test_the_age_rules_at_the_3_month_and_whole_year_lines(self):
        for born, said, rules in BOUNDARIES:
            with self.subTest(said):
                child = make_patient(clinic=self.clinic, actor=self.prescriber, date_of_birth=born)
                age = facts_from_record(child, TODAY)["age_years"]
                self.assertEqual(age, child.age_months_on(TODAY) / 12)
                result = screen(PPS, clean_facts(PPS, age_years=age))
                self.assertEqual(reason_map(result), rules)

    def test_the_under_3_months_reason_asks_for_no_age_the_record_already_gives(self):
        # It told the reader to record the age in fractional years: an instruction for
        # whoever types the facts, out of place once the age comes from the date of birth.
        result = screen(PPS, clean_facts(PPS, age_years=2 / 12))
        (reason,) = [r for r in result.reasons if r.rule == "age.under_3_months"]
        self.assertEqual(
            reason.message,
            "Age under 3 months is an absolute contraindication to ketamine sedation "
            "(airway complications).",
        )
        self.assertEqual(result.rule_set_version, "1.1.3")

    def test_the_workup_and_the_verdict_say_the_age_as_a_clinician_does(self):
        today = clinic_today(self.clinic)
        version = activate_trd(clinic=self.clinic, director=self.medical_director)
        for months, said in (
            (7, "7 months"),
            (23, "23 months"),
            (24, "2 years"),
            (215, "17 years"),
        ):
            with self.subTest(said):
                born = months_before(today, months)
                patient = make_patient(
                    clinic=self.clinic, actor=self.prescriber, date_of_birth=born
                )
                client = self.client_for(self.prescriber)
                page = client.get(f"/patients/{patient.public_id}/screening/")
                self.assertContains(page, f'<dd id="record-age">{said}</dd>', html=False)
                response = client.post(
                    f"/api/v1/patients/{patient.public_id}/screenings",
                    {"protocol": version.protocol_id, "facts": CLEAR_POSTED_FACTS},
                    content_type="application/json",
                )
                verdict = response.json()
                self.assertEqual(verdict["facts"]["age_years"], months / 12)
                shown = client.get(f"/patients/{patient.public_id}/screening/{verdict['id']}/")
                self.assertIn(("Age", said), shown.context["facts_used"])


class GivenAgeTests(ClinicTestCase):
    """An age posted to the screening API counts when it lies in the year of age the patient
    is in; the record's age is the one screened."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        activate_trd(clinic=cls.clinic, director=cls.medical_director)

    def _post(self, patient, age_years):
        return self.client_for(self.prescriber).post(
            f"/api/v1/patients/{patient.public_id}/screenings",
            {
                "protocol": "iv-ketamine-trd",
                "facts": {**CLEAR_POSTED_FACTS, "age_years": age_years},
            },
            content_type="application/json",
        )

    def test_a_7_month_old_given_0_5_is_accepted_and_2_refused_naming_it(self):
        born = months_before(clinic_today(self.clinic), 7)
        infant = make_patient(clinic=self.clinic, actor=self.prescriber, date_of_birth=born)
        accepted = self._post(infant, 0.5)
        self.assertNotEqual(accepted.status_code, 422, accepted.content)
        self.assertEqual(accepted.json()["facts"]["age_years"], 7 / 12)
        refused = self._post(infant, 2)
        self.assertEqual(refused.status_code, 422)
        self.assertEqual(
            refused.json()["fields"]["facts.age_years"],
            "2 contradicts the record's age 7 months (from the date of birth); correct the date "
            "of birth on the chart, or leave age_years out",
        )

    def test_a_40_year_old_given_40_is_accepted(self):
        born = months_before(clinic_today(self.clinic), 40 * 12 + 3)
        adult = make_patient(clinic=self.clinic, actor=self.prescriber, date_of_birth=born)
        accepted = self._post(adult, 40)
        self.assertNotEqual(accepted.status_code, 422, accepted.content)
        self.assertEqual(accepted.json()["facts"]["age_years"], 40.25)
        self.assertEqual(self._post(adult, 41).status_code, 422)


@pytest.mark.parametrize(
    ("record", "given", "accepted"),
    [
        (7 / 12, 0.5, True),
        (7 / 12, 0, True),
        (7 / 12, 0.99, True),
        (7 / 12, 1, False),
        (7 / 12, 2, False),
        (40.25, 40, True),
        (40.25, 40.9, True),
        (40.25, 39.99, False),
        (40.25, 41, False),
        (40.0, 40, True),
        (17 + 11 / 12, 17, True),
        (17 + 11 / 12, 18, False),
    ],
)
def test_a_given_age_counts_within_the_completed_year_of_the_record(record, given, accepted):
    assert (_age_contradiction(record, given) == "") is accepted


def test_the_facts_used_say_the_age_in_months_under_2_and_completed_years_from_2():
    words = dict(facts_in_words({"age_years": 7 / 12}))
    assert words["Age"] == "7 months"
    assert dict(facts_in_words({"age_years": 41 + 7 / 12}))["Age"] == "41 years"
    assert dict(facts_in_words({}))["Age"] == "Not recorded"


@given(
    today=st.dates(min_value=date(1901, 1, 1), max_value=date(2200, 12, 31)),
    days=st.integers(min_value=366, max_value=130 * 366),
)
def test_for_a_birth_a_year_or_more_ago_the_screening_age_floors_to_completed_years(today, days):
    born = today - timedelta(days=days)
    patient = Patient(date_of_birth=born)
    assert math.floor(patient.age_years_on(today)) == patient.age_on(today)


class AgeLineSinceScreeningTests(ClinicTestCase):
    """A verdict holds for the age it was made for: today's age is screened again under the
    version's pinned rules, and other reasons mean an age line was crossed."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate_protocol(
            clinic=cls.clinic,
            protocol_id=PPS,
            actor=cls.medical_director,
            clinic_values={
                "monitoring.min_observation_min": 60,
                "monitoring.vitals_cadence.interval": 5,
            },
        )

    def test_crossing_3_or_12_months_or_18_years_changes_the_reasons(self):
        facts = clean_facts(PPS, age_years=11 / 12)
        screened = parse_facts(facts).model_dump(mode="json", by_alias=True, exclude_none=True)
        for age_now, crossed in ((11.5 / 12, False), (12 / 12, True), (2 / 12, True),
                                 (11 / 12, False), (17.9, True)):  # fmt: skip
            with self.subTest(age_now=age_now):
                self.assertEqual(age_changes_reasons(self.version, screened, age_now), crossed)

    def test_facts_the_rules_no_longer_read_count_as_changed(self):
        screened = {"age_years": 5, "no_such_fact": True}
        self.assertTrue(age_changes_reasons(self.version, screened, 6))
