"""The patient's dose (API) on the paediatric procedural protocol: under 3 months, counted in
calendar months from the record's date of birth, is blocked whatever the reason
[@green-2011]; from 3 months a child is dosed. Completed years put every infant at 0, so a
6-month-old would have met the same absolute block. Without the age (no date of birth) the
dose is blocked too, in the API, on the dose calculator page and at the session's dose step."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.patient_dose import ENTER_DATE_OF_BIRTH
from ketamine_care.patients import services as patients
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient, months_before
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.models import PreSessionChecks
from ketamine_care.treatment_sessions.services.session_dose import (
    calculated_dose_mg,
    protocol_refuses,
)
from ketamine_care.treatment_sessions.tests.factories import complete_pre_checks, screened_session

from .label_cases import unknown_age

PPS = "pediatric-procedural-sedation"
# Values the protocol leaves to the clinic (test data, not guidance).
CLINIC_VALUES = {"monitoring.min_observation_min": 60, "monitoring.vitals_cadence.interval": 5}


class AbsoluteAgeApiTests(ClinicTestCase):
    def setUp(self):
        activate_protocol(
            clinic=self.clinic,
            protocol_id=PPS,
            actor=self.medical_director,
            clinic_values=CLINIC_VALUES,
        )

    def _dose(self, months: int, **body):
        born = months_before(clinic_today(self.clinic), months)
        infant = make_patient(clinic=self.clinic, actor=self.prescriber, date_of_birth=born)
        patients.record_measurement(
            patient=infant, actor=self.prescriber, unit="metric", weight=Decimal("5")
        )
        response = self.client_for(self.nurse).post(
            f"/api/v1/patients/{infant.public_id}/dose-calculations",
            {"protocol": PPS, **body},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_two_months_is_blocked_whatever_the_reason(self):
        for body in ({}, {"reason": "approved by the medical director"}):
            result = self._dose(2, **body)
            self.assertTrue(result["blocked"])
            (block,) = result["block_reasons"]
            self.assertIn("absolute contraindication", block)
            self.assertIn("under 3 months", block)

    def test_three_and_six_months_are_dosed(self):
        for months in (3, 6):
            result = self._dose(months)
            self.assertFalse(result["blocked"], result["block_reasons"])
            self.assertEqual(result["dose_mg"], 7.5)


# A record that gives no age. The date of birth is required on the chart today, so the patient's
# age is made unknown where the dose paths read it.
NO_AGE_FOR_THE_DOSE = "ketamine_care.dosing.patient_dose.patient_age_years"
NO_AGE_AT_THE_SESSION = "ketamine_care.treatment_sessions.services.session_dose.patient_age_years"
HTMX = {"HTTP_HX_REQUEST": "true"}


class UnknownAgeOnTheRecordTests(ClinicTestCase):
    """Fail safe: without the age the dose on the paediatric procedural protocol is blocked,
    whatever the reason, asking for the date of birth (under 3 months is an absolute
    contraindication [@green-2011]); it was dosed before."""

    def setUp(self):
        self.version = activate_protocol(
            clinic=self.clinic,
            protocol_id=PPS,
            actor=self.medical_director,
            clinic_values=CLINIC_VALUES,
        )
        born = months_before(clinic_today(self.clinic), 6 * 12)
        self.child = make_patient(clinic=self.clinic, actor=self.prescriber, date_of_birth=born)
        patients.record_measurement(
            patient=self.child, actor=self.prescriber, unit="metric", weight=Decimal("20")
        )

    def test_the_api_blocks_whatever_the_reason_asking_for_the_date_of_birth(self):
        url = f"/api/v1/patients/{self.child.public_id}/dose-calculations"
        for body in ({}, {"reason": "approved by the medical director"}):
            with mock.patch(NO_AGE_FOR_THE_DOSE, return_value=None):
                response = self.client_for(self.nurse).post(
                    url, {"protocol": PPS, **body}, content_type="application/json"
                )
            self.assertEqual(response.status_code, 200, response.content)
            result = response.json()
            self.assertTrue(result["blocked"])
            self.assertEqual(result["block_reasons"], [unknown_age(PPS, ENTER_DATE_OF_BIRTH)])
            self.assertEqual(result["dose_mg"], 30.0)

    def test_the_dose_calculator_page_says_blocked_and_to_enter_the_date_of_birth(self):
        page = f"/patients/{self.child.public_id}/dose/"
        with mock.patch(NO_AGE_FOR_THE_DOSE, return_value=None):
            response = self.client_for(self.nurse).post(page, {"protocol": PPS}, **HTMX)
        self.assertContains(response, 'id="dose-blocked"')
        self.assertContains(
            response,
            "age unknown: this protocol&#x27;s minimum age (3 months) is an absolute "
            "contraindication below it; enter the patient&#x27;s date of birth on the chart",
        )
        self.assertContains(response, "Green 2011")  # the source, folded

    def test_with_the_date_of_birth_the_same_patient_is_dosed(self):
        response = self.client_for(self.nurse).post(
            f"/patients/{self.child.public_id}/dose/", {"protocol": PPS}, **HTMX
        )
        self.assertNotContains(response, 'id="dose-blocked"')
        self.assertContains(response, "30.0 mg")

    def test_the_session_blocks_todays_dose_and_refuses_any_dose_given(self):
        session = screened_session(self.child, self.version, self.prescriber, PPS)
        services.check_in(session=session, actor=self.nurse)
        services.start_pre_assessment(session=session, actor=self.nurse)
        with mock.patch(NO_AGE_AT_THE_SESSION, return_value=None):
            complete_pre_checks(session, self.nurse)
            calculated = PreSessionChecks.objects.get(session=session).calculated_dose
            refused = protocol_refuses(session, Decimal("140"))
        self.assertTrue(calculated["blocked"])
        self.assertEqual(calculated["block_reasons"], [unknown_age(PPS, ENTER_DATE_OF_BIRTH)])
        self.assertIsNone(calculated_dose_mg(session))
        # No reason documented at the dose step lifts it: the protocol refuses the dose.
        self.assertEqual(refused, [unknown_age(PPS, ENTER_DATE_OF_BIRTH)])
