"""Every resource the server emits for every demo patient parses back through the
fhir.resources R4B models, by search and by read."""

from __future__ import annotations

import pytest
from django.test import Client, TestCase
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.demo.data import DEMO_CLINIC
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import LOINC, project_system
from ketamine_care.patients.models import Patient
from ketamine_care.testing.demo_snapshot import load_demo_once

MINE = {"Patient", "Condition", "AllergyIntolerance", "MedicationStatement", "Observation"}
MINE |= {"Encounter"}
# The issue's vital-signs codes and the score totals confirmed in LOINC.
CONFIRMED_LOINC = {"85354-9", "8480-6", "8462-4", "8867-4", "9279-1", "59408-5", "2708-6"}
CONFIRMED_LOINC |= {"29463-7", "8302-2", "39156-5", "44261-6", "70274-6"}


# Whether what the server writes parses back is a property of the resources it builds from
# rows, not of the engine the rows come from: checked once, on the engine production uses
# (the searches under it run on both engines in test_search_params and test_framework).
@pytest.mark.only_on("postgresql")
class DemoResourcesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo_once()
        director = Membership.objects.select_related("clinic", "user").get(
            user__email="medical_director@demo.clinic"
        )
        cls.token = issue_api_token(membership=director, scopes="system/*.read")[1]
        # AuditEvent is for clinic admins only: its searches use the admin's token.
        admin = Membership.objects.select_related("clinic", "user").get(
            user__email="clinic_admin@demo.clinic"
        )
        cls.admin_token = issue_api_token(membership=admin, scopes="system/*.read")[1]
        cls.patients = list(Patient.objects.filter(clinic__name=DEMO_CLINIC))

    def get(self, path: str, data=None):
        token = self.admin_token if path.split("/")[0] == "AuditEvent" else self.token
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/fhir/R4/{path}", data or {})
        self.assertEqual(response.status_code, 200, response.content[:400])
        return response.json()

    def test_every_resource_of_every_demo_patient_validates(self):
        seen = {}
        for patient in self.patients:
            for name in registry.type_names():
                parts = registry.parts_of(name)
                if not any("patient" in p.search_params for p in parts) and name != "Patient":
                    continue
                key = "_id" if name == "Patient" else "patient"
                body = self.get(name, {key: str(patient.public_id), "_count": 100})
                bundle = Bundle.model_validate(body)
                self.assertEqual(bundle.total, len(bundle.entry or []), (name, patient.mrn))
                for entry in body.get("entry", []):
                    resource = entry["resource"]
                    model = get_fhir_model_class(resource["resourceType"])
                    model.model_validate(resource)
                    seen.setdefault(resource["resourceType"], []).append(resource)
        self.assertLessEqual(MINE, set(seen))
        self.assertEqual(len(seen["Patient"]), len(self.patients))
        # Every kind of Observation the demo records: vital signs and score totals.
        prefixes = {r["id"].split("-", 1)[0] for r in seen["Observation"]}
        self.assertLessEqual({"bp", "hr", "spo2", "weight", "height", "bmi", "score"}, prefixes)
        codes = {c["code"] for r in seen["Observation"] for c in r["code"]["coding"]}
        self.assertLessEqual({"44261-6", "85354-9", "8867-4", "59408-5"}, codes)
        # No LOINC code but the confirmed ones; other instruments' totals in the project system.
        loinc = {
            c["code"]
            for r in seen["Observation"]
            for c in r["code"]["coding"] + [x["code"]["coding"][0] for x in r.get("component", [])]
            if c["system"] == LOINC
        }
        self.assertLessEqual(loinc, CONFIRMED_LOINC)
        madrs = [
            c for r in seen["Observation"] for c in r["code"]["coding"] if c["code"] == "madrs"
        ]
        self.assertTrue(madrs)
        self.assertEqual({c["system"] for c in madrs}, {project_system("instrument-total")})

    def test_reads_return_what_search_returned(self):
        for name in sorted(MINE):
            body = self.get(name, {"_count": 5})
            for entry in body.get("entry", []):
                resource = entry["resource"]
                read = self.get(f"{name}/{resource['id']}")
                get_fhir_model_class(name).model_validate(read)
                self.assertEqual(read, resource)
