import pytest

from ketamine_care.patients import services
from ketamine_care.testing.base import ClinicTestCase

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


class AuditPageTests(ClinicTestCase):
    def setUp(self):
        services.update_demographics(patient=self.patient, actor=self.nurse, phone="999")

    def test_clinic_admins_see_their_clinics_events_only(self):
        response = self.client_for(self.clinic_admin).get("/audit/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "patient.demographics_changed")
        self.assertNotContains(response, "OTHER-1")

    def test_filters_by_patient_user_event_type_and_date(self):
        client = self.client_for(self.clinic_admin)
        mrn = self.patient.mrn
        response = client.get(
            "/audit/", {"patient": mrn, "user": "nurse@", "event_type": "patient.demo"}
        )
        self.assertContains(response, "patient.demographics_changed")
        self.assertNotContains(response, "<code>patient.registered</code>", html=False)
        response = client.get("/audit/", {"user": "therapist@"})
        self.assertContains(response, "No audit events match")
        response = client.get("/audit/", {"date_from": "2000-01-01", "date_to": "2000-01-02"})
        self.assertContains(response, "No audit events match")

    def test_htmx_requests_get_only_the_results(self):
        response = self.client_for(self.clinic_admin).get(
            "/audit/", headers={"HX-Request": "true", "HX-Target": "audit-results"}
        )
        self.assertContains(response, 'id="audit-results"')
        self.assertNotContains(response, "<html")

    def test_roles_without_audit_access_get_403(self):
        for user in (self.nurse, self.prescriber, self.researcher, self.front_desk):
            with self.subTest(role=user.email):
                self.assertEqual(self.client_for(user).get("/audit/").status_code, 403)
