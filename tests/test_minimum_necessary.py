"""Minimum necessary (issue 9 item 8): each role sees what its work needs, no more."""

from __future__ import annotations

from django.test import Client

from ketamine_care.accounts.permissions import dose_checker_by_email
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.redaction import redact
from ketamine_care.audit.services import record
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.patients import services
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session


class FrontDeskTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.add_diagnosis(
            patient=cls.patient, actor=cls.prescriber, icd10_code="F33.2", label="Severe MDD"
        )
        services.add_medication(
            patient=cls.patient, actor=cls.prescriber, name="Sertraline", drug_class="ssri"
        )

    def api(self, user) -> Client:
        token = issue_api_token(membership=self.membership(user))[1]
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def test_the_chart_shows_front_desk_demographics_without_diagnoses_or_medications(self):
        response = self.client_for(self.front_desk).get(f"/patients/{self.patient.public_id}/")
        self.assertContains(response, self.patient.mrn)
        for clinical in ("Severe MDD", "F33.2", "Sertraline", "Diagnoses", "Current medications"):
            self.assertNotContains(response, clinical)
        viewed = AuditEvent.objects.filter(event_type="patient.viewed").latest("id")
        self.assertEqual((viewed.actor, viewed.changes["part"]), (self.front_desk, "demographics"))

    def test_the_chart_still_shows_the_care_team_everything(self):
        for user in (self.prescriber, self.nurse, self.therapist):
            response = self.client_for(user).get(f"/patients/{self.patient.public_id}/")
            self.assertContains(response, "Severe MDD")
            self.assertContains(response, "Sertraline")

    def test_the_api_gives_front_desk_demographics_and_null_clinical_fields(self):
        body = self.api(self.front_desk).get(f"/api/v1/patients/{self.patient.public_id}").json()
        self.assertEqual(body["mrn"], self.patient.mrn)
        for field in ("diagnoses", "allergies", "medications", "body_metrics"):
            self.assertIsNone(body[field])
        body = self.api(self.nurse).get(f"/api/v1/patients/{self.patient.public_id}").json()
        self.assertEqual(body["diagnoses"][0]["label"], "Severe MDD")

    def test_the_api_lists_of_clinical_history_are_403_for_front_desk(self):
        for kind in ("diagnoses", "allergies", "medications", "measurements"):
            with self.subTest(kind=kind):
                response = self.api(self.front_desk).get(
                    f"/api/v1/patients/{self.patient.public_id}/{kind}"
                )
                self.assertEqual(response.status_code, 403)


class AuditRedactionTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        record(
            event_type="administration.recorded",
            actor=cls.nurse,
            patient=cls.patient,
            changes={"new": {"total": 23, "band": "severe", "flags": ["suicide_item_positive"]}},
        )
        record(
            event_type="session.signed",
            actor=cls.prescriber,
            patient=cls.patient,
            changes={"note": "Ketamine 35 mg IV, tolerated well"},
        )

    def test_the_clinic_admin_sees_who_did_what_and_when_but_no_values(self):
        response = self.client_for(self.clinic_admin).get("/audit/")
        self.assertContains(response, "administration.recorded")
        self.assertContains(response, "session.signed")
        self.assertContains(response, self.nurse.email)
        self.assertContains(response, "band, flags, total")
        for clinical in ("severe", "suicide_item_positive", "35 mg", "tolerated well", ">23<"):
            self.assertNotContains(response, clinical)

    def test_the_medical_director_sees_the_clinical_content(self):
        response = self.client_for(self.medical_director).get("/audit/")
        self.assertContains(response, "suicide_item_positive")
        self.assertContains(response, "tolerated well")

    def test_redaction_keeps_only_allowlisted_access_values(self):
        redacted = redact({"part": "vitals", "count": 3, "note": "x", "new": {"dose_mg": 35}})
        self.assertEqual(redacted.visible, (("count", "3"), ("part", "vitals")))
        self.assertEqual(redacted.fields, ("dose_mg", "note"))
        self.assertFalse(redact({}))
        self.assertEqual(redact({"part": {"nested": "x"}}).fields, ("part",))


class EmailOfAnotherClinicTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        make_user("nurse@elsewhere.clinic", cls.other_clinic, "nurse")

    def dose(self, email: str):
        session = dosing_session(self.patient, self.version, self.nurse, self.prescriber)
        token = issue_api_token(membership=self.membership(self.nurse))[1]
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/treatment-sessions/{session.public_id}/dose",
            {"dose_mg": 35, "checked_by_email": email},
            content_type="application/json",
        )

    def test_a_dose_checker_of_another_clinic_reads_like_an_unknown_address(self):
        elsewhere = self.dose("nurse@elsewhere.clinic")
        unknown = self.dose("nobody-at-all@elsewhere.clinic")
        self.assertEqual(elsewhere.status_code, 422)
        self.assertEqual(elsewhere.json(), unknown.json())
        self.assertIn("checked_by_email", elsewhere.json()["fields"])

    def test_the_lookup_finds_members_of_this_clinic_only(self):
        self.assertEqual(
            dose_checker_by_email(self.clinic, " Prescriber@test.clinic "), self.prescriber
        )
        self.assertIsNone(dose_checker_by_email(self.clinic, ""))
        errors = []
        for email in ("nurse@elsewhere.clinic", "nobody-at-all@elsewhere.clinic"):
            with self.assertRaises(ValidationFailed) as caught:
                dose_checker_by_email(self.clinic, email)
            errors.append(caught.exception.fields)
        self.assertEqual(errors[0], errors[1])

    def test_a_token_request_for_another_clinics_user_with_a_wrong_password_is_plain_401(self):
        known = Client().post(
            "/api/v1/auth/tokens",
            {"email": "nurse@elsewhere.clinic", "password": "wrong"},
            content_type="application/json",
        )
        unknown = Client().post(
            "/api/v1/auth/tokens",
            {"email": "nobody-at-all@elsewhere.clinic", "password": "wrong"},
            content_type="application/json",
        )
        self.assertEqual(known.status_code, 401)
        self.assertEqual(known.json(), unknown.json())
