"""The FHIR framework: tokens and scopes, errors as OperationOutcomes, paging, auditing."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.services import query_digest
from ketamine_care.fhir import registry
from ketamine_care.fhir.access import scope_context
from ketamine_care.fhir.tests.base import FhirTestCase
from ketamine_care.testing.builders import make_patient


class ScopeTests(FhirTestCase):
    def test_the_widest_granted_context_wins(self):
        self.assertEqual(scope_context("patient/*.read user/*.read", "Patient", "read"), "user")
        self.assertEqual(scope_context("system/*.read", "Condition", "read"), "system")
        self.assertEqual(scope_context("user/Patient.read", "Patient", "read"), "user")
        self.assertEqual(scope_context("patient/*.*", "Patient", "read"), "patient")

    def test_no_matching_scope_grants_nothing(self):
        self.assertIsNone(scope_context("user/Patient.read", "Condition", "read"))
        self.assertIsNone(scope_context("system/*.write", "Patient", "read"))
        self.assertIsNone(scope_context("user/*.read", "Patient", "write"))
        self.assertIsNone(scope_context("admin/*.read garbage", "Patient", "read"))


class AuthenticationTests(FhirTestCase):
    def test_no_token_answers_401_with_an_outcome(self):
        response = self.fhir(f"Patient/{self.patient.public_id}", token="")
        self.assert_outcome(response, 401, "login")
        self.assertIn("Bearer", response["WWW-Authenticate"])

    def test_a_forged_token_answers_401(self):
        self.assert_outcome(self.fhir("Patient", token="kc_forged"), 401, "login")

    def test_a_token_without_a_read_scope_answers_403(self):
        token = self.issue(self.prescriber, scopes="system/*.write")
        self.assert_outcome(self.fhir("Patient", token=token), 403, "forbidden")
        response = self.fhir(f"Patient/{self.patient.public_id}", token=token)
        self.assert_outcome(response, 403, "forbidden")

    def test_tokens_issued_before_scopes_read_as_their_user(self):
        token = self.issue(self.nurse)
        self.assertEqual(
            self.fhir(f"Patient/{self.patient.public_id}", token=token).status_code, 200
        )

    def test_the_role_still_applies_under_a_scope(self):
        # Front desk may read demographics but not the clinical history.
        token = self.issue(self.front_desk, scopes="system/*.read")
        self.assertEqual(self.fhir("Patient", token=token).status_code, 200)
        if "Condition" in registry.type_names():
            self.assert_outcome(self.fhir("Condition", token=token), 403, "forbidden")


class PatientContextTests(FhirTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.second = make_patient(clinic=cls.clinic, actor=cls.prescriber, family_name="Second")

    def test_a_patient_token_sees_its_patient_only(self):
        token = self.issue(
            self.prescriber, scopes="patient/*.read", patient_context=self.patient.public_id
        )
        body = self.fhir("Patient", token=token).json()
        self.assertEqual(body["total"], 1)
        self.assertEqual(body["entry"][0]["resource"]["id"], str(self.patient.public_id))
        response = self.fhir(f"Patient/{self.second.public_id}", token=token)
        self.assert_outcome(response, 404, "not-found")

    def test_a_patient_token_without_a_patient_reads_nothing(self):
        token = self.issue(self.prescriber, scopes="patient/*.read")
        self.assertEqual(self.fhir("Patient", token=token).json()["total"], 0)


class ErrorTests(FhirTestCase):
    def test_another_clinics_patient_answers_404(self):
        response = self.fhir(f"Patient/{self.other_patient.public_id}")
        self.assert_outcome(response, 404, "not-found")

    def test_an_id_of_another_shape_answers_404(self):
        self.assert_outcome(self.fhir("Patient/not-a-uuid"), 404, "not-found")

    def test_an_unknown_type_answers_404(self):
        self.assert_outcome(self.fhir("Spaceship"), 404, "not-found")

    def test_an_unknown_parameter_answers_400(self):
        body = self.assert_outcome(
            self.fhir("Patient", data={"colour": "red"}), 400, "not-supported"
        )
        self.assertIn("colour", body["issue"][0]["diagnostics"])

    def test_lenient_handling_ignores_an_unknown_parameter(self):
        response = self.fhir("Patient", data={"colour": "red"}, HTTP_PREFER="handling=lenient")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("colour", response.json()["link"][0]["url"])

    def test_bad_values_answer_400(self):
        for data in ({"_count": "many"}, {"birthdate": "yesterday"}, {"_cursor": "9.x"}):
            with self.subTest(data=data):
                self.assert_outcome(self.fhir("Patient", data=data), 400, "invalid")

    def test_xml_is_not_served(self):
        response = self.fhir("Patient", HTTP_ACCEPT="application/fhir+xml")
        self.assert_outcome(response, 406, "not-supported")
        self.assert_outcome(self.fhir("Patient", data={"_format": "xml"}), 406, "not-supported")

    def test_writes_are_not_allowed_here(self):
        from django.test import Client

        response = Client().post(
            f"/fhir/R4/Patient/{self.patient.public_id}",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )
        self.assertEqual(response.status_code, 405)


class MetadataTests(FhirTestCase):
    def test_the_capability_statement_lists_exactly_the_registry(self):
        response = self.fhir("metadata", token="")
        self.assertEqual(response.status_code, 200)
        statement = CapabilityStatement.model_validate(response.json())
        self.assertEqual(statement.fhirVersion, "4.3.0")
        self.assertIn("R4B", statement.text.div)
        types = [r.type for r in statement.rest[0].resource]
        self.assertEqual(types, registry.type_names())
        patient = next(r for r in statement.rest[0].resource if r.type == "Patient")
        names = {p.name for p in patient.searchParam}
        self.assertLessEqual({"_id", "_lastUpdated", "identifier", "name", "birthdate"}, names)


class PagingTests(FhirTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for n in range(6):
            make_patient(clinic=cls.clinic, actor=cls.prescriber, family_name=f"Page{n}")

    def walk(self, count: int) -> tuple[list[str], list[int]]:
        ids, totals = [], []
        url, data = "Patient", {"_count": count}
        while True:
            body = self.fhir(url, data=data).json()
            Bundle.model_validate(body)
            totals.append(body["total"])
            ids += [e["resource"]["id"] for e in body.get("entry", [])]
            following = [link["url"] for link in body["link"] if link["relation"] == "next"]
            if not following:
                return ids, totals
            url, data = following[0].split("/fhir/R4/", 1)[1], None

    def test_next_links_walk_every_match_once(self):
        for count in (1, 2, 3, 7, 100):
            with self.subTest(count=count):
                ids, totals = self.walk(count)
                self.assertEqual(len(ids), 7)
                self.assertEqual(len(set(ids)), 7)
                self.assertEqual(set(totals), {7})

    def test_count_is_capped(self):
        with self.settings(FHIR_MAX_COUNT=3):
            body = self.fhir("Patient", data={"_count": 50}).json()
        self.assertEqual(len(body["entry"]), 3)
        self.assertIn("_count=3", body["link"][0]["url"])

    def test_count_zero_gives_the_total_only(self):
        body = self.fhir("Patient", data={"_count": 0}).json()
        self.assertEqual(body["total"], 7)
        self.assertNotIn("entry", body)


class ReadAuditTests(FhirTestCase):
    def test_a_read_is_audited_with_its_patient(self):
        self.fhir(f"Patient/{self.patient.public_id}")
        event = AuditEvent.objects.filter(event_type="fhir.read").latest("id")
        self.assertEqual(event.patient, self.patient)
        self.assertEqual(event.actor, self.prescriber)
        self.assertEqual(event.changes["part"], "Patient")

    def test_a_search_is_audited_with_a_digest_never_the_words(self):
        name = self.patient.family_name
        self.fhir("Patient", data={"name": name})
        event = AuditEvent.objects.filter(event_type="fhir.searched").latest("id")
        self.assertEqual(event.changes["patients"], [str(self.patient.public_id)])
        self.assertEqual(event.changes["query_digest"], query_digest(f"name={name}"))
        self.assertNotIn(name.casefold(), str(event.changes).casefold())

    def test_a_refused_read_is_not_audited_as_a_read(self):
        self.fhir(f"Patient/{self.other_patient.public_id}")
        self.assertFalse(AuditEvent.objects.filter(event_type="fhir.read").exists())
