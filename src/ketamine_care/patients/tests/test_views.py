from datetime import timedelta

import pytest
from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.clock import clinic_today
from ketamine_care.patients.models import BodyMeasurement, Diagnosis, Patient
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import months_before

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

HTMX = {"HX-Request": "true"}


class PatientListViewTests(ClinicTestCase):
    def test_search_as_you_type_returns_only_the_results_partial(self):
        client = self.client_for(self.front_desk)
        response = client.get(
            "/patients/", {"q": "riv"}, headers={**HTMX, "HX-Target": "patient-results"}
        )
        self.assertContains(response, "Rivera")
        self.assertNotContains(response, "<html")
        response = client.get(
            "/patients/", {"q": "nobody"}, headers={**HTMX, "HX-Target": "patient-results"}
        )
        self.assertContains(response, "No patient matches")

    def test_the_full_page_works_without_javascript(self):
        response = self.client_for(self.nurse).get("/patients/", {"q": "jamie"})
        self.assertContains(response, "<html")
        self.assertContains(response, "Rivera")

    def test_an_empty_clinic_invites_registration(self):
        Patient.objects.all().update(status="entered_in_error", entered_in_error_reason="x")
        response = self.client_for(self.nurse).get("/patients/")
        self.assertContains(response, "No patients yet")


class RegisterViewTests(ClinicTestCase):
    def form(self, **overrides):
        data = {
            "mrn": "V-1",
            "given_name": "Vera",
            "family_name": "Lynn",
            "date_of_birth": "1950-03-20",
            "sex": "female",
        }
        data.update(overrides)
        return data

    def test_registration_redirects_to_the_new_chart(self):
        response = self.client_for(self.front_desk).post("/patients/new/", self.form())
        patient = Patient.objects.get(mrn="V-1")
        self.assertRedirects(
            response, f"/patients/{patient.public_id}/", fetch_redirect_response=False
        )

    def test_errors_are_shown_next_to_the_field_and_nothing_is_saved(self):
        client = self.client_for(self.front_desk)
        response = client.post("/patients/new/", self.form(mrn=self.patient.mrn))
        self.assertContains(response, "already in use", status_code=422)
        response = client.post("/patients/new/", self.form(date_of_birth="2999-01-01"))
        self.assertContains(response, "cannot be in the future", status_code=422)
        self.assertFalse(Patient.objects.filter(given_name="Vera").exists())

    def test_therapists_cannot_register(self):
        response = self.client_for(self.therapist).post("/patients/new/", self.form())
        self.assertEqual(response.status_code, 403)


class ChartViewTests(ClinicTestCase):
    def chart_url(self, suffix=""):
        return f"/patients/{self.patient.public_id}/{suffix}"

    def test_opening_the_chart_is_audited(self):
        response = self.client_for(self.therapist).get(self.chart_url())
        self.assertContains(response, "Rivera, Jamie")
        self.assertTrue(
            AuditEvent.objects.filter(event_type="patient.viewed", actor=self.therapist).exists()
        )
        self.assertNotContains(response, "Record weight or height")  # therapists only read

    def test_the_header_says_the_age_in_months_under_two_years(self):
        today = clinic_today(self.clinic)
        for months, said in ((7, "(7 months)"), (23, "(23 months)"), (24, "(2 years)"),
                             (41 * 12 + 7, "(41 years)")):  # fmt: skip
            with self.subTest(months=months):
                self.patient.date_of_birth = months_before(today, months)
                self.patient.save(update_fields=["date_of_birth"])
                response = self.client_for(self.nurse).get(self.chart_url())
                self.assertContains(response, said)

    def test_weight_in_pounds_is_shown_in_kilograms(self):
        client = self.client_for(self.nurse)
        response = client.post(
            self.chart_url("measurements/add/"),
            {"unit": "imperial", "weight": "176", "height": "68"},
            headers=HTMX,
        )
        self.assertContains(response, "79.83 kg")
        self.assertContains(response, "172.7 cm")
        self.assertNotContains(response, "<html")
        self.assertEqual(BodyMeasurement.objects.get().entered_unit, "imperial")

    def test_invalid_measurements_show_the_error_and_save_nothing(self):
        response = self.client_for(self.nurse).post(
            self.chart_url("measurements/add/"), {"unit": "metric", "weight": "900"}, headers=HTMX
        )
        self.assertContains(response, "between 0.5 and 500", status_code=422)
        self.assertFalse(BodyMeasurement.objects.exists())

    def test_adding_and_removing_a_diagnosis_without_javascript(self):
        client = self.client_for(self.prescriber)
        response = client.post(
            self.chart_url("diagnoses/add/"),
            {"icd10_code": "F33.2", "label": "MDD, recurrent", "clinical_status": "active"},
        )
        self.assertRedirects(response, self.chart_url(), fetch_redirect_response=False)
        row = Diagnosis.objects.get()
        client.post(
            self.chart_url(f"diagnoses/{row.public_id}/entered-in-error/"), {"reason": "wrong code"}
        )
        row.refresh_from_db()
        self.assertEqual(row.status, "entered_in_error")
        self.assertNotContains(client.get(self.chart_url()), "MDD, recurrent")

    def test_a_lower_case_code_is_stored_upper_case(self):
        self.client_for(self.prescriber).post(
            self.chart_url("diagnoses/add/"),
            {"icd10_code": " f33.2 ", "label": " MDD ", "clinical_status": "active"},
        )
        row = Diagnosis.objects.get()
        self.assertEqual((row.icd10_code, row.label), ("F33.2", "MDD"))

    def test_a_malformed_code_or_a_future_onset_is_shown_on_its_field(self):
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client_for(self.prescriber).post(
            self.chart_url("diagnoses/add/"),
            {"icd10_code": "33", "label": "MDD", "clinical_status": "active",
             "onset_date": tomorrow},
            headers=HTMX,
        )  # fmt: skip
        self.assertContains(response, "Enter an ICD-10-CM code such as F33.2.", status_code=422)
        self.assertContains(response, "This date cannot be in the future.", status_code=422)
        self.assertFalse(Diagnosis.objects.exists())

    def test_a_medication_dose_without_a_unit_is_shown_on_the_unit(self):
        response = self.client_for(self.prescriber).post(
            self.chart_url("medications/add/"),
            {"name": "Sertraline", "dose": "50", "dose_unit": " ", "drug_class": "ssri"},
            headers=HTMX,
        )
        self.assertContains(response, "Give the unit of the dose", status_code=422)

    def test_unknown_chart_sections_answer_404(self):
        response = self.client_for(self.nurse).post(self.chart_url("bogus/add/"), {})
        self.assertEqual(response.status_code, 404)

    def test_editing_demographics(self):
        client = self.client_for(self.nurse)
        data = {
            "mrn": self.patient.mrn,
            "given_name": "Jamie",
            "family_name": "Reyes",
            "date_of_birth": "1985-04-12",
            "sex": "female",
        }
        response = client.post(self.chart_url("edit/"), data)
        self.assertEqual(response.status_code, 302)
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.family_name, "Reyes")

    def test_marking_a_patient_entered_in_error_needs_a_reason(self):
        client = self.client_for(self.prescriber)
        response = client.post(self.chart_url("entered-in-error/"), {"reason": ""})
        self.assertEqual(response.status_code, 200)
        response = client.post(self.chart_url("entered-in-error/"), {"reason": "duplicate"})
        self.assertRedirects(response, "/patients/", fetch_redirect_response=False)
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.status, "entered_in_error")


class ErrorPageTests(ClinicTestCase):
    def test_researchers_get_a_clear_403_page(self):
        response = self.client_for(self.researcher).get("/patients/")
        self.assertContains(response, "de-identified cohort data only", status_code=403)

    def test_another_clinics_chart_is_a_plain_404_page(self):
        response = self.client_for(self.outsider).get(f"/patients/{self.patient.public_id}/")
        self.assertContains(response, "Not found", status_code=404)
        self.assertNotContains(response, "Rivera", status_code=404)
