from datetime import date, timedelta

from django.test import Client
from django.utils import timezone

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.patients.models import Patient
from ketamine_care.testing.base import ClinicTestCase

API = "/api/v1/patients"


class PatientApiTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        _, cls.nurse_token = issue_api_token(membership=Membership_for(cls.nurse))
        _, cls.outsider_token = issue_api_token(membership=Membership_for(cls.outsider))
        _, cls.researcher_token = issue_api_token(membership=Membership_for(cls.researcher))

    def call(self, method, path, token=None, **kwargs):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token or self.nurse_token}"}
        return getattr(Client(), method)(path, content_type="application/json", **headers, **kwargs)

    def new_patient(self, **overrides):
        body = {
            "mrn": "API-1",
            "given_name": "Rosa",
            "family_name": "Parks",
            "date_of_birth": "1975-02-04",
            "sex": "female",
        }
        body.update(overrides)
        return body

    def test_it_registers_a_patient_and_answers_201(self):
        response = self.call("post", API, data=self.new_patient())
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual(body["mrn"], "API-1")
        self.assertTrue(Patient.objects.filter(public_id=body["id"], clinic=self.clinic).exists())

    def test_a_duplicate_mrn_answers_409_naming_the_field(self):
        self.call("post", API, data=self.new_patient())
        response = self.call("post", API, data=self.new_patient(given_name="Other"))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"], "conflict")
        self.assertIn("mrn", response.json()["fields"])

    def test_invalid_input_answers_422_with_every_field_named_and_saves_nothing(self):
        future = (timezone.localdate() + timedelta(days=2)).isoformat()
        response = self.call("post", API, data=self.new_patient(date_of_birth=future))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(set(response.json()["fields"]), {"date_of_birth"})
        response = self.call("post", API, data={"mrn": "", "sex": "x"})
        self.assertEqual(response.status_code, 422)
        body = response.json()
        self.assertEqual(body["error"], "validation_error")
        self.assertTrue({"mrn", "sex", "given_name", "date_of_birth"} <= set(body["fields"]))
        self.assertFalse(Patient.objects.filter(mrn="API-1").exists())

    def test_search_lists_matches_paginated_as_items_and_count(self):
        response = self.call("get", f"{API}?q=riv")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], 1)
        self.assertEqual(response.json()["items"][0]["id"], str(self.patient.public_id))
        response = self.call("get", f"{API}?q=olive")
        self.assertEqual(
            response.json(),
            # `count_estimated`, `next` and `notice` were added beside the original two keys.
            {"items": [], "count": 0, "count_estimated": False, "next": None, "notice": None},
        )

    def test_reading_a_chart_records_patient_viewed(self):
        response = self.call("get", f"{API}/{self.patient.public_id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("diagnoses", response.json())
        event = AuditEvent.objects.filter(event_type="patient.viewed").latest("seq")
        self.assertEqual((event.patient, event.actor), (self.patient, self.nurse))

    def test_another_clinics_patient_answers_404(self):
        for method, path, data in [
            ("get", f"{API}/{self.patient.public_id}", None),
            ("patch", f"{API}/{self.patient.public_id}", {"phone": "1"}),
            ("get", f"{API}/{self.patient.public_id}/diagnoses", None),
            ("post", f"{API}/{self.patient.public_id}/measurements", {"weight_kg": 80}),
        ]:
            with self.subTest(method=method, path=path):
                kwargs = {"data": data} if data else {}
                response = self.call(method, path, token=self.outsider_token, **kwargs)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["error"], "not_found")

    def test_patch_audits_old_and_new_values(self):
        response = self.call("patch", f"{API}/{self.patient.public_id}", data={"phone": "555-0000"})
        self.assertEqual(response.status_code, 200)
        event = AuditEvent.objects.get(event_type="patient.demographics_changed")
        self.assertEqual(event.changes["new"], {"phone": "555-0000"})

    def test_patch_refuses_null_for_required_fields(self):
        response = self.call("patch", f"{API}/{self.patient.public_id}", data={"family_name": None})
        self.assertEqual(response.status_code, 422)
        self.assertIn("family_name", response.json()["fields"])

    def test_marking_entered_in_error_needs_the_capability(self):
        url = f"{API}/{self.patient.public_id}/entered-in-error"
        response = self.call("post", url, data={"reason": "duplicate"})
        self.assertEqual(response.status_code, 403)  # nurses cannot
        membership = Membership_for(self.prescriber)
        _, token = issue_api_token(membership=membership)
        response = self.call("post", url, token=token, data={"reason": "duplicate"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "entered_in_error")
        self.assertEqual(self.call("get", f"{API}?q=riv").json()["count"], 0)

    def test_measurements_in_pounds_are_stored_in_kilograms(self):
        url = f"{API}/{self.patient.public_id}/measurements"
        response = self.call("post", url, data={"weight_lb": 154})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["weight_kg"], "69.85")
        response = self.call("post", url, data={"weight_lb": 154, "weight_kg": 70})
        self.assertEqual(response.status_code, 422)
        response = self.call("post", url, data={"weight_kg": 600})
        self.assertEqual(response.status_code, 422)
        self.assertIn("weight", response.json()["fields"])

    def test_diagnoses_medications_and_allergies_round_trip(self):
        base = f"{API}/{self.patient.public_id}"
        created = self.call(
            "post",
            f"{base}/diagnoses",
            data={
                "icd10_code": "f33.2",
                "label": "MDD, recurrent, severe",
                "onset_date": "2019-01-01",
            },
        )
        self.assertEqual(created.status_code, 201)
        self.assertEqual(created.json()["icd10_code"], "F33.2")
        bad = self.call("post", f"{base}/diagnoses", data={"icd10_code": "33", "label": "x"})
        self.assertEqual(bad.status_code, 422)
        self.assertIn("icd10_code", bad.json()["fields"])
        med = self.call(
            "post",
            f"{base}/medications",
            data={
                "name": "Sertraline",
                "dose": "100",
                "dose_unit": "mg",
                "frequency": "daily",
                "drug_class": "ssri",
            },
        )
        self.assertEqual(med.status_code, 201)
        allergy = self.call("post", f"{base}/allergies", data={"substance": "Latex"})
        self.assertEqual(allergy.status_code, 201)
        listed = self.call("get", f"{base}/medications").json()
        self.assertEqual([m["name"] for m in listed], ["Sertraline"])
        row_id = created.json()["id"]
        marked = self.call(
            "post", f"{base}/diagnoses/{row_id}/entered-in-error", data={"reason": "wrong patient"}
        )
        self.assertEqual(marked.json()["status"], "entered_in_error")
        self.assertEqual(self.call("get", f"{base}/diagnoses").json(), [])

    def test_researchers_cannot_list_or_read_patients(self):
        response = self.call("get", API, token=self.researcher_token)
        self.assertEqual(response.status_code, 403)
        response = self.call("get", f"{API}/{self.patient.public_id}", token=self.researcher_token)
        self.assertEqual(response.status_code, 403)

    def test_registration_text_is_stored_stripped_and_blank_names_are_missing(self):
        response = self.call(
            "post", API, data=self.new_patient(mrn="  API-9 ", given_name=" Rosa ")
        )
        self.assertEqual(response.status_code, 201)
        patient = Patient.objects.get(public_id=response.json()["id"])
        self.assertEqual((patient.mrn, patient.given_name), ("API-9", "Rosa"))
        response = self.call("post", API, data=self.new_patient(mrn="   ", family_name=" "))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(set(response.json()["fields"]), {"mrn", "family_name"})
        self.assertFalse(Patient.objects.filter(given_name="Rosa").exclude(pk=patient.pk).exists())

    def test_patch_strips_text_refuses_a_blank_name_and_keeps_what_is_left_out(self):
        url = f"{API}/{self.patient.public_id}"
        before = AuditEvent.objects.filter(event_type="patient.demographics_changed").count()
        response = self.call("patch", url, data={"given_name": "   ", "phone": "555-0101"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(set(response.json()["fields"]), {"given_name"})
        self.patient.refresh_from_db()
        self.assertNotEqual(self.patient.phone, "555-0101")
        self.assertEqual(
            AuditEvent.objects.filter(event_type="patient.demographics_changed").count(), before
        )
        family_name = self.patient.family_name
        response = self.call("patch", url, data={"given_name": "  Jo  "})
        self.assertEqual(response.status_code, 200)
        self.patient.refresh_from_db()
        self.assertEqual((self.patient.given_name, self.patient.family_name), ("Jo", family_name))

    def test_dates_of_birth_must_be_dates(self):
        response = self.call("post", API, data=self.new_patient(date_of_birth="12/31/1999"))
        self.assertEqual(response.status_code, 422)
        self.assertIn("date_of_birth", response.json()["fields"])
        self.assertEqual(date(1999, 12, 31).year, 1999)


def Membership_for(user):  # noqa: N802 - reads like a noun in the fixtures above
    from ketamine_care.accounts.models import Membership

    return Membership.objects.select_related("clinic", "user").get(user=user)


class ChartEntryInputTests(ClinicTestCase):
    """The schemas parse the input (text stripped, codes upper-cased, classes checked); a bad
    field answers 422 in the error shape, naming the field, and nothing is saved."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        _, cls.token = issue_api_token(membership=Membership_for(cls.prescriber))

    def post(self, path, data):
        return Client().post(
            f"{API}/{self.patient.public_id}/{path}",
            data,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )

    def assert_refused(self, response, field):
        self.assertEqual(response.status_code, 422, response.content)
        body = response.json()
        self.assertEqual(body["error"], "validation_error")
        self.assertIn(field, body["fields"])

    def test_blank_text_counts_as_missing(self):
        self.assert_refused(self.post("diagnoses", {"icd10_code": "F33.2", "label": "  "}), "label")
        self.assert_refused(self.post("allergies", {"substance": " \t "}), "substance")
        blank_name = {"name": "   ", "drug_class": "ssri"}
        self.assert_refused(self.post("medications", blank_name), "name")
        self.assertFalse(Patient.objects.get(pk=self.patient.pk).diagnoses.exists())

    def test_text_is_stored_stripped(self):
        response = self.post("allergies", {"substance": "  Latex ", "reaction": " Rash  "})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            (response.json()["substance"], response.json()["reaction"]), ("Latex", "Rash")
        )

    def test_an_unknown_drug_class_is_refused_naming_it(self):
        response = self.post("medications", {"name": "Sertraline", "drug_class": "vitamins"})
        self.assert_refused(response, "drug_class")

    def test_a_dose_must_be_a_positive_number_with_its_unit(self):
        bad_number = {"name": "Sertraline", "drug_class": "ssri", "dose": "lots"}
        self.assert_refused(self.post("medications", bad_number), "dose")
        no_unit = {"name": "Sertraline", "drug_class": "ssri", "dose": "50"}
        self.assert_refused(self.post("medications", no_unit), "dose_unit")

    def test_an_onset_in_the_future_is_refused(self):
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        body = {"icd10_code": "F33.2", "label": "MDD", "onset_date": tomorrow}
        self.assert_refused(self.post("diagnoses", body), "onset_date")
        self.assert_refused(self.post("diagnoses", {**body, "onset_date": "soon"}), "onset_date")

    def test_a_weight_that_is_not_a_number_is_refused(self):
        self.assert_refused(self.post("measurements", {"weight_kg": "heavy"}), "weight_kg")
        self.assert_refused(self.post("measurements", {}), "weight")
