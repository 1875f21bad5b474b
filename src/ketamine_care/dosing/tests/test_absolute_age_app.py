"""The patient's dose (API) on the paediatric procedural protocol: under 3 months, counted in
calendar months from the record's date of birth, is blocked whatever the reason
[@green-2011]; from 3 months a child is dosed. Completed years put every infant at 0, so a
6-month-old would have met the same absolute block."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ketamine_care.core.clock import clinic_today
from ketamine_care.patients import services as patients
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient

PPS = "pediatric-procedural-sedation"
# Values the protocol leaves to the clinic (test data, not guidance).
CLINIC_VALUES = {"monitoring.min_observation_min": 60, "monitoring.vitals_cadence.interval": 5}


def months_before(day: date, months: int) -> date:
    """A birth date `months` completed calendar months before `day`."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


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
