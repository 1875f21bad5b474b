"""The API's discharge records the same assessment as the screen, refused the same way."""

from django.test import Client

from ketamine_care.accounts.services import issue_api_token
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions.models import DischargeAssessment
from ketamine_care.treatment_sessions.tests.factories import activate, ready_session


class DischargeApiTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def setUp(self):
        self.session = ready_session(self.patient, self.version, self.nurse, self.prescriber)
        self.url = f"/api/v1/treatment-sessions/{self.session.public_id}/discharge"

    def post(self, user, body):
        token = issue_api_token(membership=self.membership(user))[1]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client.post(self.url, body, content_type="application/json")

    def test_it_discharges_with_the_assessment(self):
        body = {"escort_name": "Sam", "instructions": ["no_driving"], "confirmed": True}
        response = self.post(self.nurse, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["state"], "discharged")
        self.assertEqual(DischargeAssessment.objects.get().instructions, ["no_driving"])

    def test_without_confirmation_it_is_422_and_stores_nothing(self):
        response = self.post(self.nurse, {"escort_name": "Sam", "instructions": ["no_driving"]})
        self.assertEqual(response.status_code, 422)
        self.assertIn("confirmed", response.json()["fields"])
        self.assertFalse(DischargeAssessment.objects.exists())

    def test_another_clinics_session_is_404(self):
        body = {"escort_name": "Sam", "instructions": ["no_driving"], "confirmed": True}
        self.assertEqual(self.post(self.outsider, body).status_code, 404)

    def test_a_plain_transition_cannot_discharge(self):
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.post(
            f"/api/v1/treatment-sessions/{self.session.public_id}/transitions",
            {"to": "discharged"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn("discharge assessment", response.json()["message"])
        self.session.refresh_from_db()
        self.assertEqual(self.session.state, "ready_for_discharge")
