"""Positive identification: every screen a nurse charts from names the patient by two
identifiers (name and date of birth) and the MRN."""

from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session


class PatientIdentityTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)

    def test_the_session_page_names_the_patient_with_two_identifiers(self):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        response = self.client_for(self.nurse).get(f"/sessions/{session.public_id}/")
        page = response.content.decode()
        header = page.split('<div class="patient-header">', 1)[1].split("</dl>", 1)[0]
        self.assertIn(f"{self.patient.family_name}, {self.patient.given_name}", header)
        self.assertIn(self.patient.date_of_birth.isoformat(), header)
        self.assertIn(self.patient.mrn, header)
