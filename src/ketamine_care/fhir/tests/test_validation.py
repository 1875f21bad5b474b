"""Item 7 of the FHIR work: every resource type the server emits parses back through the
fhir.resources R4B models, for every demo patient; the CapabilityStatement matches the routes
(every listed type and search parameter answers, nothing unregistered is listed)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.demo.data import DEMO_CLINIC
from ketamine_care.fhir import registry
from ketamine_care.fhir.tests.demo_rows import add_records_the_demo_lacks
from ketamine_care.instruments.definition import load_definition
from ketamine_care.patients.models import Patient
from ketamine_care.testing.demo_snapshot import load_demo_once

# The types the demo must emit: every registered type that is about a patient.
ABOUT_PATIENTS = {
    "Patient",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Observation",
    "Encounter",
    "QuestionnaireResponse",
    "MedicationAdministration",
    "CarePlan",
    "AdverseEvent",
    "Provenance",
}
# The types this module's resources add (the others are tested beside the framework).
MINE = {
    "QuestionnaireResponse",
    "MedicationAdministration",
    "CarePlan",
    "AdverseEvent",
    "Provenance",
}
# A value each search parameter type accepts (the answer may be empty; it must not fail).
PROBE = {"token": "x", "string": "a", "date": "ge2000-01-01"}


# Whether what the server writes parses back is a property of the resources it builds from
# rows, not of the engine the rows come from: checked once, on the engine production uses
# (the searches under it run on both engines in test_search_params and test_framework).
@pytest.mark.only_on("postgresql")
class DemoValidationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo_once()
        director = Membership.objects.select_related("clinic", "user").get(
            user__email="medical_director@demo.clinic"
        )
        cls.token = issue_api_token(membership=director, scopes="system/*.read")[1]
        cls.patients = list(Patient.objects.filter(clinic__name=DEMO_CLINIC))
        cls.dose_in_error = add_records_the_demo_lacks(director.user)
        # AuditEvent is for clinic admins only: its searches and reads use the admin's token.
        admin = Membership.objects.select_related("clinic", "user").get(
            user__email="clinic_admin@demo.clinic"
        )
        cls.admin_token = issue_api_token(membership=admin, scopes="system/*.read")[1]

    def get(self, path: str, data=None, status: int = 200):
        token = self.admin_token if path.split("/")[0] == "AuditEvent" else self.token
        response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/fhir/R4/{path}", data or {})
        self.assertEqual(response.status_code, status, (path, data, response.content[:400]))
        return response.json()

    def emitted_for(self, patient) -> dict[str, list[dict]]:
        """Every resource about one patient, by type, each parsed back through its model."""
        seen: dict[str, list[dict]] = {}
        for name in registry.type_names():
            parts = registry.parts_of(name)
            if name == "Patient":
                data = {"_id": str(patient.public_id)}
            elif any("patient" in p.search_params for p in parts):
                data = {"patient": str(patient.public_id)}
            else:
                continue
            body = self.get(name, {**data, "_count": 100})
            bundle = Bundle.model_validate(body)
            self.assertEqual(bundle.total, len(bundle.entry or []), (name, patient.mrn))
            for entry in body.get("entry", []):
                resource = entry["resource"]
                self.assertEqual(resource["resourceType"], name)
                get_fhir_model_class(name).model_validate(resource)
                seen.setdefault(name, []).append(resource)
        return seen

    def test_every_type_of_every_demo_patient_parses_back(self):
        seen: dict[str, list[dict]] = {}
        for patient in self.patients:
            for name, resources in self.emitted_for(patient).items():
                seen.setdefault(name, []).extend(resources)
        self.assertLessEqual(ABOUT_PATIENTS & set(registry.type_names()), set(seen))
        self.assertEqual(len(seen["Patient"]), len(self.patients))
        self.assert_my_types_say_what_matters(seen)

    def assert_my_types_say_what_matters(self, seen: dict[str, list[dict]]) -> None:
        doses = {r["id"]: r for r in seen["MedicationAdministration"]}
        self.assertEqual(doses[str(self.dose_in_error.public_id)]["status"], "entered-in-error")
        given = next(r for r in doses.values() if r["status"] == "completed")
        self.assertEqual(given["dosage"]["dose"]["system"], "http://unitsofmeasure.org")
        self.assertTrue(given["contained"][0]["batch"]["lotNumber"])
        self.assertTrue(given["context"]["reference"].startswith("Encounter/"))
        self.assertEqual(len(given["performer"]), 2)
        provenance = {r["id"].split("-", 1)[0] for r in seen["Provenance"]}
        self.assertEqual(provenance, {"signed", "amendment"})
        nullified = [r for r in seen["Provenance"] if r["id"].startswith("amendment-")]
        self.assertEqual(nullified[0]["activity"]["coding"][0]["code"], "NULLIFY")
        self.assertEqual(
            nullified[0]["target"][0]["reference"],
            f"MedicationAdministration/{self.dose_in_error.public_id}",
        )
        event = next(e for e in seen["AdverseEvent"] if e["event"]["text"] == "Transient dizziness")
        self.assertEqual(event["seriousness"]["coding"][0]["code"], "serious")
        self.assertEqual(len(event["outcome"]["coding"]), 1)  # HL7 has no "transferred"
        plans = seen["CarePlan"]
        self.assertTrue(all(plan["activity"] for plan in plans))
        self.assertTrue(all(a["detail"]["scheduledPeriod"] for p in plans for a in p["activity"]))
        responses = seen["QuestionnaireResponse"]
        self.assertTrue(all(r["questionnaire"].count("|") == 1 for r in responses))
        texts = {}
        for response in responses:
            code = response["questionnaire"].rsplit("/", 1)[1].split("|")[0]
            texts.setdefault(code, set()).update("text" in i for i in response.get("item", []))
        # Item text only where the licence allows it: PHQ-9's may be reproduced, MADRS's not.
        self.assertEqual(texts["phq9"], {True})
        self.assertEqual(texts.get("madrs", {False}), {False})

    def test_every_type_reads_back_what_its_search_returned(self):
        for name in registry.type_names():
            body = self.get(name, {"_count": 3})
            for entry in body.get("entry", []):
                resource = entry["resource"]
                with self.subTest(type=name, id=resource["id"]):
                    read = self.get(f"{name}/{resource['id']}")
                    get_fhir_model_class(name).model_validate(read)
                    self.assertEqual(read, resource)

    def test_the_capability_statement_matches_the_routes(self):
        statement = CapabilityStatement.model_validate(self.get("metadata"))
        listed = {r.type: r for r in statement.rest[0].resource}
        self.assertEqual(sorted(listed), registry.type_names())
        for name, resource in listed.items():
            get_fhir_model_class(name)  # a real R4B type
            self.get(name, {"_count": 0})
            for param in resource.searchParam:
                with self.subTest(type=name, param=param.name):
                    if param.type == "reference":
                        value = str(self.patients[0].public_id)
                    else:
                        value = PROBE[param.type]
                    body = self.get(name, {param.name: value, "_count": 1})
                    Bundle.model_validate(body)
            for include in resource.searchInclude or []:
                with self.subTest(type=name, include=include):
                    self.get(name, {"_include": include, "_count": 2})

    def test_a_page_of_each_type_costs_the_same_queries_at_two_sizes(self):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")
        # The first use of a token records it (at most once a minute): not a page's cost.
        client.get("/fhir/R4/Patient", {"_count": 0})
        for name in sorted(MINE):
            costs, sizes = [], []
            # Both sizes reach every part of the type: a page reads each part it touches once.
            small, narrow = self._first_part_page(name)
            for count in (small, max(40, small + 2)):
                data = {"_count": count, "_include": f"{name}:patient", **narrow}
                with CaptureQueriesContext(connection) as queries:
                    body = client.get(f"/fhir/R4/{name}", data).json()
                costs.append(len(queries.captured_queries))
                sizes.append(len(body.get("entry", [])))
            with self.subTest(type=name, sizes=sizes):
                self.assertGreater(sizes[1], sizes[0] + 1)
                self.assertEqual(costs[0], costs[1])

    def _first_part_page(self, name: str) -> tuple[int, dict]:
        """A page size that reaches every part of the type (its first part's rows and one
        more), and the search that keeps both page sizes under the `_count` cap: the whole
        clinic, or, when the first part alone would fill the larger page, one patient who has
        rows of the type's last part."""
        parts = registry.parts_of(name)
        if len(parts) == 1:
            return 1, {}
        clinic = self.patients[0].clinic
        first = parts[0].queryset(clinic)
        if first.count() + 2 <= 40 or parts[0].patient_path is None:
            return 1 + first.count(), {}
        last = parts[-1]
        patient = last.queryset(clinic).values_list(f"{last.patient_path}__public_id", flat=True)
        patient_id = patient.first()
        first = first.filter(**{f"{parts[0].patient_path}__public_id": patient_id})
        return 1 + first.count(), {"patient": str(patient_id)}

    def test_every_response_names_a_questionnaire_the_server_has(self):
        responses = self.get("QuestionnaireResponse", {"_count": 100})["entry"]
        canonicals = {e["resource"]["questionnaire"] for e in responses}
        body = self.get("Questionnaire", {"_count": 100})
        served = {}
        for entry in body["entry"]:
            questionnaire = get_fhir_model_class("Questionnaire").model_validate(entry["resource"])
            served[f"{questionnaire.url}|{questionnaire.version}"] = questionnaire
        self.assertLessEqual(canonicals, set(served))
        self.assertEqual(body["total"], len(served))  # one per instrument version
        for questionnaire in served.values():
            code = questionnaire.url.rsplit("/", 1)[1]
            shipped = load_definition(code)
            if questionnaire.version != shipped.version:
                continue
            texts = [item.text for item in questionnaire.item]
            with self.subTest(code=code):
                if shipped.licence.reproduce_text:
                    self.assertEqual(texts, [i.text or i.name for i in shipped.items])
                else:  # the project's own item names, never the licensed wording
                    self.assertEqual(texts, [i.name for i in shipped.items])

    def test_nothing_unregistered_answers(self):
        listed = set(registry.type_names())
        for name in ("Practitioner", "Organization", "Medication", "DocumentReference"):
            if name in listed:
                continue
            with self.subTest(type=name):
                body = self.get(name, status=404)
                self.assertEqual(body["resourceType"], "OperationOutcome")
        for name in listed:
            with self.subTest(type=name):
                body = self.get(name, {"no-such-parameter": "1"}, status=400)
                self.assertEqual(body["resourceType"], "OperationOutcome")
