"""MedicationAdministration carries the weight a dose was calculated on as `dosage.text` in
words, and nothing where the dose does not record it (a dose recorded before the basis was
kept); both parse back through the R4B model. Weights are test data."""

from __future__ import annotations

from decimal import Decimal

from fhir.resources.R4B.medicationadministration import MedicationAdministration

from ketamine_care.fhir.tests.base import FhirTestCase
from ketamine_care.treatment_sessions.models import DoseAdministration
from ketamine_care.treatment_sessions.tests.factories import activate, discharged_session


class DoseWeightBasisTests(FhirTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        version = activate(cls.clinic, cls.medical_director)
        cls.doses = [
            discharged_session(cls.patient, version, cls.nurse, cls.prescriber).doses.get()
            for _ in range(2)
        ]
        DoseAdministration.objects.filter(pk=cls.doses[0].pk).update(
            weight_basis="ideal", weight_used_kg=Decimal("75.00")
        )
        DoseAdministration.objects.filter(pk=cls.doses[1].pk).update(
            weight_basis=None, weight_used_kg=None
        )

    def read(self, dose) -> dict:
        response = self.fhir(f"MedicationAdministration/{dose.public_id}")
        self.assertEqual(response.status_code, 200, response.content[:300])
        body = response.json()
        MedicationAdministration.model_validate(body)
        return body

    def test_a_recorded_basis_is_the_dosage_text_in_words(self):
        dosage = self.read(self.doses[0])["dosage"]
        self.assertEqual(dosage["text"], "Calculated on ideal body weight 75 kg")
        self.assertEqual(dosage["dose"]["value"], float(self.doses[0].dose_mg))

    def test_a_dose_without_a_recorded_basis_has_no_text(self):
        dosage = self.read(self.doses[1])["dosage"]
        self.assertNotIn("text", dosage)
        self.assertEqual(dosage["dose"]["code"], "mg")

    def test_the_search_bundle_says_the_same(self):
        bundle = self.fhir("MedicationAdministration", data={"patient": self.patient.public_id})
        texts = {
            e["resource"]["id"]: e["resource"]["dosage"].get("text") for e in bundle.json()["entry"]
        }
        self.assertEqual(
            texts,
            {
                str(self.doses[0].public_id): "Calculated on ideal body weight 75 kg",
                str(self.doses[1].public_id): None,
            },
        )
