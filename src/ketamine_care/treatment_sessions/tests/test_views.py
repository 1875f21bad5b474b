"""Session screens: the page, HTMX vitals entry, the floor view."""

from ketamine_care.testing.base import ClinicTestCase, audit_statements
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session


class SessionViewTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        self.url = f"/sessions/{self.session.public_id}/"

    def test_the_session_page_shows_vitals_and_discharge(self):
        response = self.client_for(self.nurse).get(self.url)
        self.assertContains(response, "Vital signs")
        self.assertContains(response, "escorted transport")

    def test_htmx_vitals_entry_returns_the_vitals_partial_with_the_alert(self):
        response = self.client_for(self.nurse).post(
            self.url + "vitals/",
            {"bp_systolic_mmhg": 205, "bp_diastolic_mmhg": 100},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, "URGENT")

    def test_an_implausible_entry_shows_the_error_on_the_field(self):
        response = self.client_for(self.nurse).post(
            self.url + "vitals/", {"spo2_percent": 120}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "plausible range", status_code=422)

    def test_the_floor_lists_active_sessions_in_few_queries(self):
        client = self.client_for(self.nurse)
        client.get("/sessions/")
        # The session and the user; the user's memberships (one query: the current clinic
        # and the others the switcher lists); whether the user has a second factor (one
        # query over django-otp's device types); the chairs, then their latest readings with
        # the latest BP time (next BP due) in one query; the read's audit event (chain head,
        # insert, head update: `audit_statements`).
        with self.assertNumQueries(6 + audit_statements()):
            response = client.get("/sessions/", headers={"HX-Request": "true"})
        self.assertContains(response, self.patient.family_name)

    def test_another_clinics_user_gets_404(self):
        self.assertEqual(self.client_for(self.outsider).get(self.url).status_code, 404)
