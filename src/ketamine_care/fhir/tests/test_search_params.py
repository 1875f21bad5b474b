"""Each resource type's search parameters, as a table: a search and the ids it must find."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from ketamine_care.fhir.codes import ICD10CM, LOINC, mrn_system, project_system
from ketamine_care.fhir.tests.base import FhirTestCase
from ketamine_care.fhir.tests.rows import add_clinical_rows
from ketamine_care.instruments.services import record_administration
from ketamine_care.patients import services
from ketamine_care.testing.builders import make_patient
from ketamine_care.testing.sessions import make_session_fixture
from ketamine_care.testing.treatment import activate_trd


class SearchFixture(FhirTestCase):
    """Two patients of the clinic with a row of every kind, and a PHQ-9 and a GAD-7 total."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.token = cls.issue(cls.medical_director)
        cls.second = make_patient(
            clinic=cls.clinic, actor=cls.prescriber, given_name="Robin", family_name="Okafor",
            mrn="MRN-OK-7", sex="male",
        )  # fmt: skip
        version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.session = make_session_fixture(patient=cls.patient, version=version, nurse=cls.nurse)[
            "session"
        ]
        cls.rows = add_clinical_rows(
            patient=cls.patient, prescriber=cls.prescriber, nurse=cls.nurse, session=cls.session
        )
        cls.diagnosis = services.add_diagnosis(
            patient=cls.patient, actor=cls.prescriber, icd10_code="F33.2", label="MDD"
        )
        services.add_diagnosis(
            patient=cls.second, actor=cls.prescriber, icd10_code="F41.1", label="GAD"
        )
        when = timezone.now() - timedelta(days=3)
        cls.phq9 = record_administration(
            patient=cls.patient, instrument_code="phq9", answers=[1] * 9,
            time_point="baseline", actor=cls.prescriber, administered_at=when,
        )  # fmt: skip
        cls.gad7 = record_administration(
            patient=cls.second, instrument_code="gad7", answers=[1] * 7,
            time_point="baseline", actor=cls.prescriber, administered_at=when,
        )  # fmt: skip

    def ids(self, name: str, data: dict) -> set[str]:
        response = self.fhir(name, data={**data, "_count": 100})
        self.assertEqual(response.status_code, 200, response.content[:300])
        bundle = Bundle.model_validate(response.json())
        found = {e.resource.id for e in bundle.entry or [] if e.search.mode == "match"}
        self.assertEqual(bundle.total, len(found))
        return found


class SearchParameterTests(SearchFixture):
    def test_patient_parameters(self):
        me, other = str(self.patient.public_id), str(self.second.public_id)
        system = mrn_system(self.clinic)
        table = [
            ({"_id": me}, {me}),
            ({"_id": f"{me},{other}"}, {me, other}),
            ({"identifier": self.second.mrn}, {other}),
            ({"identifier": f"{system}|{self.second.mrn.lower()}"}, {other}),
            ({"identifier": f"{mrn_system(self.other_clinic)}|{self.second.mrn}"}, set()),
            ({"identifier": f"http://hospital.example/mrn|{self.second.mrn}"}, set()),
            ({"name": "oka"}, {other}),
            ({"name": "ROB"}, {other}),
            ({"family": self.patient.family_name}, {me}),
            ({"given": "robin"}, {other}),
            ({"birthdate": self.patient.date_of_birth.isoformat()}, {me, other}),
            ({"birthdate": "ge2100-01-01"}, set()),
            ({"birthdate": str(self.patient.date_of_birth.year)}, {me, other}),
            ({"gender": "male"}, {other}),
            ({"_lastUpdated": "ge2000-01-01"}, {me, other}),
            ({"_lastUpdated": "lt2000-01-01"}, set()),
        ]
        for data, expected in table:
            with self.subTest(data=data):
                self.assertEqual(self.ids("Patient", data), expected)

    def test_condition_parameters(self):
        mine = str(self.diagnosis.public_id)
        table = [
            ({"patient": f"Patient/{self.patient.public_id}"}, {mine}),
            ({"subject": str(self.patient.public_id)}, {mine}),
            ({"code": "F33.2"}, {mine}),
            ({"code": f"{ICD10CM}|F33.2"}, {mine}),
            ({"code": "http://snomed.info/sct|F33.2"}, set()),
            ({"category": "problem-list-item", "patient": str(self.patient.public_id)}, {mine}),
            ({"category": "encounter-diagnosis"}, set()),
        ]
        for data, expected in table:
            with self.subTest(data=data):
                self.assertEqual(self.ids("Condition", data), expected)

    def test_observation_parameters(self):
        me = str(self.patient.public_id)
        phq9, gad7 = f"score-{self.phq9.public_id}", f"score-{self.gad7.public_id}"
        vitals = self.ids("Observation", {"patient": me, "category": "vital-signs"})
        self.assertEqual(
            {i.split("-", 1)[0] for i in vitals},
            {"bp", "hr", "rr", "spo2", "weight", "height", "bmi"},
        )
        table = [
            ({"code": f"{LOINC}|44261-6"}, {phq9}),
            ({"code": "70274-6"}, {gad7}),
            ({"code": "44261-6,70274-6"}, {phq9, gad7}),
            ({"code": f"{project_system('instrument-total')}|gad7"}, set()),
            ({"category": "survey", "patient": me}, {phq9}),
            ({"code": "8867-4", "patient": me}, {i for i in vitals if i.startswith("hr-")}),
            ({"code": "59408-5", "patient": me}, {i for i in vitals if i.startswith("spo2-")}),
            ({"code": "85354-9", "date": "ge2000-01-01", "patient": me},
             {i for i in vitals if i.startswith("bp-")}),
            ({"code": "85354-9", "date": "le2000-01-01"}, set()),
            ({"code": "29463-7", "patient": str(self.second.public_id)}, set()),
            ({"encounter": f"Encounter/{self.session.public_id}", "code": "9279-1"},
             {i for i in vitals if i.startswith("rr-")}),
        ]  # fmt: skip
        for data, expected in table:
            with self.subTest(data=data):
                self.assertEqual(self.ids("Observation", data), expected)

    def test_score_totals_carry_confirmed_loinc_codes_only(self):
        body = self.fhir(f"Observation/score-{self.gad7.public_id}").json()
        self.assertEqual(
            body["code"]["coding"][0],
            {**body["code"]["coding"][0], "system": LOINC, "code": "70274-6"},
        )
        self.assertEqual(body["valueInteger"], 7)
        self.assertEqual(body["category"][0]["coding"][0]["code"], "survey")

    def test_vital_signs_follow_the_profile(self):
        me = str(self.patient.public_id)
        body = self.fhir("Observation", data={"patient": me, "code": "85354-9"}).json()
        panel = body["entry"][0]["resource"]
        self.assertEqual(panel["meta"]["profile"], ["http://hl7.org/fhir/StructureDefinition/bp"])
        components = {
            c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in panel["component"]
        }
        self.assertEqual(components["8480-6"]["value"], 128)
        self.assertEqual(components["8462-4"]["code"], "mm[Hg]")
        self.assertEqual(components["8462-4"]["system"], "http://unitsofmeasure.org")
        units = {}
        for entry in self.fhir(
            "Observation", data={"patient": me, "category": "vital-signs"}
        ).json()["entry"]:
            resource = entry["resource"]
            if "valueQuantity" in resource:
                units[resource["code"]["coding"][-1]["code"]] = resource["valueQuantity"]["code"]
        expected = {"8867-4": "/min", "9279-1": "/min", "59408-5": "%", "29463-7": "kg"}
        expected |= {"8302-2": "cm", "39156-5": "kg/m2"}
        self.assertEqual(units, expected)

    def test_include_adds_each_patient_once(self):
        body = self.fhir(
            "Observation", data={"category": "vital-signs", "_include": "Observation:patient"}
        ).json()
        included = [e for e in body["entry"] if e["search"]["mode"] == "include"]
        self.assertEqual([e["resource"]["id"] for e in included], [str(self.patient.public_id)])
        self.assertEqual(body["total"], len(body["entry"]) - 1)

    def test_an_unoffered_include_answers_400(self):
        response = self.fhir("Patient", data={"_include": "Patient:organization"})
        self.assert_outcome(response, 400, "not-supported")

    def test_other_resources_by_patient(self):
        me = str(self.patient.public_id)
        table = [
            ("AllergyIntolerance", {str(self.rows["allergy"].public_id)}),
            ("MedicationStatement", {str(self.rows["medication"].public_id)}),
            ("Encounter", {str(self.session.public_id)}),
        ]
        for name, expected in table:
            with self.subTest(name=name):
                self.assertEqual(self.ids(name, {"patient": me}), expected)
        self.assertEqual(
            self.ids("Encounter", {"status": "triaged"}), {str(self.session.public_id)}
        )
        self.assertEqual(self.ids("Encounter", {"status": "finished"}), set())
        self.assertEqual(
            self.ids("MedicationStatement", {"code": "ssri"}),
            {str(self.rows["medication"].public_id)},
        )

    def test_a_malformed_reference_answers_400(self):
        self.assert_outcome(self.fhir("Condition", data={"patient": "Patient/x"}), 400, "invalid")


class VisibilityTests(SearchFixture):
    """What a search shows follows the role and never crosses the clinic boundary."""

    def test_a_role_sees_only_the_observations_it_may_see(self):
        therapist = self.issue(self.therapist)  # scores and history, not session vital signs
        body = self.fhir("Observation", therapist, {"_count": 100}).json()
        kinds = {e["resource"]["id"].split("-", 1)[0] for e in body["entry"]}
        self.assertEqual(kinds, {"score", "weight", "height", "bmi"})
        self.assertEqual(body["total"], len(body["entry"]))
        reading = self.fhir("Observation", data={"code": "8867-4"}).json()["entry"][0]
        response = self.fhir(f"Observation/{reading['resource']['id']}", therapist)
        self.assert_outcome(response, 403, "forbidden")
        self.assert_outcome(self.fhir("Encounter", therapist), 403, "forbidden")

    def test_another_clinics_rows_are_never_found(self):
        outsider = self.issue(self.outsider, scopes="system/*.read")
        other = str(self.other_patient.public_id)
        body = self.fhir("Patient", outsider, {"_id": str(self.patient.public_id)}).json()
        self.assertEqual(body["total"], 0)
        body = self.fhir("Observation", outsider, {"patient": str(self.patient.public_id)}).json()
        self.assertEqual(body["total"], 0)
        self.assertEqual(self.ids("Patient", {"_id": other}), set())
        for name in ("Condition", "Observation", "Encounter", "AllergyIntolerance"):
            with self.subTest(name=name):
                body = self.fhir(name, outsider, {"_include": f"{name}:patient"}).json()
                self.assertNotIn("entry", body)
