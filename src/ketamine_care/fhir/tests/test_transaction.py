"""`POST /fhir/R4` with a transaction Bundle: a generated Synthea-style bundle onboards its
patients; a re-import changes nothing (conditional create); one bad entry undoes the whole
bundle and the OperationOutcome names each bad entry; scopes and roles apply."""

from __future__ import annotations

import json

from django.test import Client

from ketamine_care.audit.models import AuditEvent
from ketamine_care.fhir.tests.base import FhirTestCase
from ketamine_care.patients.models import Allergy, BodyMeasurement, Diagnosis, Medication, Patient
from ketamine_care.testing.synthea import synthea_bundle
from ketamine_care.treatment_sessions.models import VitalSignsReading


class TransactionTests(FhirTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.writer = cls.issue(cls.prescriber, scopes="system/*.write")

    def post(self, bundle: dict, token: str | None = None):
        token = self.writer if token is None else token
        return Client().post(
            "/fhir/R4",
            json.dumps(bundle),
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    def imported(self) -> dict:
        mine = {"patient__clinic": self.clinic}
        return {
            "patients": Patient.objects.filter(clinic=self.clinic, mrn__startswith="SYN").count(),
            "diagnoses": Diagnosis.objects.filter(**mine).count(),
            "allergies": Allergy.objects.filter(**mine).count(),
            "medications": Medication.objects.filter(**mine).count(),
            "measurements": BodyMeasurement.objects.filter(**mine).count(),
        }

    def test_a_synthea_style_bundle_imports_and_reimports_idempotently(self):
        bundle = synthea_bundle(3)
        response = self.post(bundle)
        self.assertEqual(response.status_code, 200, response.content[:500])
        body = response.json()
        self.assertEqual(body["type"], "transaction-response")
        self.assertEqual(len(body["entry"]), len(bundle["entry"]))
        self.assertTrue(all(e["response"]["status"] == "201 Created" for e in body["entry"]))
        counts = self.imported()
        self.assertEqual(counts, {"patients": 3, "diagnoses": 3, "allergies": 3,
                                  "medications": 3, "measurements": 6})  # fmt: skip
        med = Medication.objects.filter(patient__clinic=self.clinic).first()
        self.assertNotEqual(med.drug_class, "other")  # the project's drug-class coding read
        again = self.post(bundle)
        self.assertEqual(again.status_code, 200)
        self.assertTrue(all(e["response"]["status"] == "200 OK" for e in again.json()["entry"]))
        self.assertEqual(self.imported(), counts)
        self.assertEqual(
            AuditEvent.objects.filter(event_type="fhir.transaction_imported").count(), 2
        )
        location = body["entry"][0]["response"]["location"]
        self.assertEqual(self.fhir(location).status_code, 200)

    def test_vital_signs_from_outside_records_are_answered_not_imported(self):
        bundle = synthea_bundle(2)
        subject = bundle["entry"][1]["resource"]["subject"]
        for code, value, unit in (("8867-4", 72, "/min"), ("59408-5", 97, "%")):
            bundle["entry"].append({
                "resource": {"resourceType": "Observation", "status": "final",
                             "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                             "subject": subject, "effectiveDateTime": "2026-03-01T09:00:00Z",
                             "valueQuantity": {"value": value, "unit": unit,
                                               "system": "http://unitsofmeasure.org",
                                               "code": unit}},
                "request": {"method": "POST", "url": "Observation"}})  # fmt: skip
        response = self.post(bundle)
        self.assertEqual(response.status_code, 200, response.content[:500])
        answers = [e["response"] for e in response.json()["entry"]]
        self.assertEqual(len(answers), len(bundle["entry"]))
        skipped = answers[-2:]
        for answer, code in zip(skipped, ("8867-4", "59408-5"), strict=True):
            self.assertEqual(answer["status"], "200 OK")
            self.assertNotIn("location", answer)
            issue = answer["outcome"]["issue"][0]
            self.assertEqual((issue["severity"], issue["code"]), ("information", "informational"))
            self.assertIn(f"LOINC {code}", issue["diagnostics"])
            self.assertIn("monitored dosing sessions", issue["diagnostics"])
        self.assertTrue(all(a["status"] == "201 Created" for a in answers[:-2]))
        # The patients are onboarded; the outside readings went nowhere.
        self.assertEqual(self.imported()["patients"], 2)
        self.assertEqual(self.imported()["measurements"], 4)
        self.assertFalse(VitalSignsReading.objects.filter(session__clinic=self.clinic).exists())
        event = AuditEvent.objects.get(event_type="fhir.transaction_imported")
        self.assertEqual(event.changes["not_imported"], 2)

    def test_one_bad_entry_undoes_the_bundle_with_an_issue_per_entry(self):
        bundle = synthea_bundle(2)
        bundle["entry"][1]["resource"]["code"]["coding"][0]["system"] = "http://snomed.info/sct"
        bundle["entry"][6]["resource"]["birthDate"] = "2999-01-01"
        response = self.post(bundle)
        body = self.assert_outcome(response, 400, "processing")
        expressions = [issue["expression"][0] for issue in body["issue"]]
        self.assertIn("Bundle.entry[1]", expressions)
        self.assertIn("Bundle.entry[6]", expressions)
        self.assertEqual(self.imported()["patients"], 0)
        self.assertEqual(self.imported()["allergies"], 0)

    def test_unsupported_types_and_invalid_bundles_are_refused(self):
        bundle = synthea_bundle(1)
        bundle["entry"].append({"resource": {"resourceType": "Encounter", "status": "finished",
                                             "class": {"code": "AMB"}},
                                "request": {"method": "POST", "url": "Encounter"}})  # fmt: skip
        self.assert_outcome(self.post(bundle), 400, "not-supported")
        self.assert_outcome(self.post({"resourceType": "Bundle", "type": 7}), 400, "invalid")
        bundle = synthea_bundle(1)
        bundle["type"] = "batch"
        self.assert_outcome(self.post(bundle), 400, "invalid")
        self.assertEqual(self.imported()["patients"], 0)

    def test_scopes_and_roles(self):
        self.assert_outcome(self.post(synthea_bundle(1), token=self.token), 403, "forbidden")
        front_desk = self.issue(self.front_desk, scopes="system/*.write")
        self.assert_outcome(self.post(synthea_bundle(1), token=front_desk), 403, "forbidden")
        self.assert_outcome(self.post(synthea_bundle(1), token=""), 401, "login")
        self.assertEqual(self.imported()["patients"], 0)

    def test_a_reference_to_another_clinics_patient_is_refused(self):
        bundle = synthea_bundle(1)
        condition = bundle["entry"][1]["resource"]
        condition["subject"] = {"reference": f"Patient/{self.other_patient.public_id}"}
        body = self.assert_outcome(self.post(bundle), 400, "processing")
        self.assertEqual(body["issue"][0]["expression"], ["Bundle.entry[1]"])
        self.assertFalse(Diagnosis.objects.filter(patient=self.other_patient).exists())
