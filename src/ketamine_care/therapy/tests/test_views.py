"""The therapy screens: the therapist records, signs and amends; the caseload shows dates
only; therapists never reach doses or vitals; another clinic's records answer 404."""

from __future__ import annotations

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.clock import clinic_today
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.therapy import integration_note
from ketamine_care.therapy.models import TherapySession
from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session


class TherapistWorkflowTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.dosed = dosing_session(cls.patient, cls.version, cls.nurse, cls.prescriber)

    def form(self, **changes):
        data = {
            "kind": "integration",
            "held_on": clinic_today(self.clinic).isoformat(),
            "dosing_session": str(self.dosed.public_id),
            "experience": "Calm, images of the sea.",
            "integration_themes": "Letting go of control.",
            "homework": "Walk daily.",
            "risk_check": "no_concern",
        }
        data.update(changes)
        return data

    def test_the_new_session_form_offers_dosing_sessions_by_date_only_and_is_audited(self):
        client = self.client_for(self.therapist)
        response = client.get(f"/therapy/patients/{self.patient.public_id}/new/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Dosing session on ")
        dose = self.dosed.doses.get()
        self.assertNotContains(response, f"{dose.dose_mg} mg")
        event = AuditEvent.objects.filter(event_type="patient.viewed", actor=self.therapist).last()
        self.assertEqual(event.changes["part"], "therapy_new")

    def test_record_then_sign_then_amend(self):
        client = self.client_for(self.therapist)
        response = client.post(f"/therapy/patients/{self.patient.public_id}/new/", self.form())
        self.assertEqual(response.status_code, 302)
        note = TherapySession.objects.get()
        self.assertEqual((note.dosing_session, note.kind), (self.dosed, "integration"))
        detail = f"/therapy/sessions/{note.public_id}/"
        self.assertContains(client.get(detail), "Save and sign")
        response = client.post(
            f"{detail}edit/", self.form(homework="Walk and journal", then="sign")
        )
        self.assertEqual(response.status_code, 302)
        note.refresh_from_db()
        self.assertTrue(note.is_signed)
        self.assertEqual(note.homework, "Walk and journal")
        page = client.get(detail)
        self.assertNotContains(page, "Save and sign")
        self.assertContains(page, "Amend the note")
        response = client.post(f"{detail}amend/", {"reason": "", "text": "More"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "This field is required", status_code=422)
        response = client.post(f"{detail}amend/", {"reason": "Late detail", "text": "Slept well."})
        self.assertEqual(response.status_code, 302)
        self.assertContains(client.get(detail), "Slept well.")

    def test_a_bad_form_names_each_field_and_saves_nothing(self):
        client = self.client_for(self.therapist)
        bad = self.form(kind="dosing_support", dosing_session="", held_on="2999-01-01",
                        risk_check="concern")  # fmt: skip
        response = client.post(f"/therapy/patients/{self.patient.public_id}/new/", bad)
        self.assertEqual(response.status_code, 422)
        body = response.content.decode()
        for words in (
            "Record a session on or after the day it was held",
            "Choose the dosing session this support belongs to.",
            "Describe what was reported and what was done.",
        ):
            self.assertIn(words, body)
        self.assertFalse(TherapySession.objects.exists())

    def test_signing_without_a_risk_check_is_refused_in_words(self):
        note = integration_note(patient=self.patient, therapist=self.therapist, risk_check="")
        client = self.client_for(self.therapist)
        response = client.post(f"/therapy/sessions/{note.public_id}/sign/")
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Record the risk check before signing.", status_code=422)

    def test_a_colleague_reads_but_does_not_change_anothers_draft(self):
        note = integration_note(patient=self.patient, therapist=self.therapist)
        client = self.client_for(self.prescriber)
        self.assertNotContains(client.get(f"/therapy/sessions/{note.public_id}/"), "Save and sign")
        response = client.post(f"/therapy/sessions/{note.public_id}/sign/")
        self.assertEqual(response.status_code, 403)  # prescribers read notes, never sign them


class TherapistLimitsTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.dosed = dosing_session(cls.patient, cls.version, cls.nurse, cls.prescriber)

    def test_therapists_never_open_a_dosing_page_or_a_dose_api(self):
        client = self.client_for(self.therapist)
        session = self.dosed.public_id
        for url in (f"/sessions/{session}/", "/sessions/", "/plans/day/"):
            with self.subTest(url=url):
                self.assertEqual(client.get(url).status_code, 403)
        api = f"/api/v1/treatment-sessions/{session}"
        for path in (api, f"{api}/vitals"):
            with self.subTest(path=path):
                self.assertEqual(client.get(path).status_code, 403)
        calc = client.post(
            f"/api/v1/patients/{self.patient.public_id}/dose-calculations",
            {"protocol": "iv-ketamine-trd", "weight_kg": 70},
            content_type="application/json",
        )
        self.assertEqual(calc.status_code, 403)

    def test_the_caseload_shows_the_dosing_date_and_no_dose_or_vitals(self):
        response = self.client_for(self.therapist).get("/therapy/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Needs an integration session")
        self.assertContains(response, self.patient.family_name)
        dose = self.dosed.doses.get()
        for hidden in (f"{dose.dose_mg} mg", str(dose.dose_mg), "mmHg", "lot"):
            self.assertNotContains(response, hidden)
        self.assertContains(response, "Shipped defaults (institutional")

    def test_an_integration_session_clears_the_patient_from_needs_integration(self):
        integration_note(patient=self.patient, therapist=self.therapist)
        response = self.client_for(self.therapist).get("/therapy/")
        self.assertContains(response, "No dosing session waits for an integration session.")

    def test_another_clinics_note_and_patient_answer_404(self):
        note = integration_note(patient=self.patient, therapist=self.therapist)
        client = self.client_for(self.outsider)
        self.assertEqual(client.get(f"/therapy/sessions/{note.public_id}/").status_code, 404)
        self.assertEqual(
            client.get(f"/therapy/patients/{self.patient.public_id}/").status_code, 404
        )

    def test_nurses_front_desk_and_researchers_see_no_therapy(self):
        for user in (self.nurse, self.front_desk, self.researcher, self.clinic_admin):
            with self.subTest(user=user.email):
                self.assertEqual(self.client_for(user).get("/therapy/").status_code, 403)

    def test_the_chart_shows_therapy_to_the_therapist_and_not_to_the_nurse(self):
        integration_note(patient=self.patient, therapist=self.therapist)
        chart = f"/patients/{self.patient.public_id}/"
        self.assertContains(self.client_for(self.therapist).get(chart), 'id="section-therapy"')
        self.assertNotContains(self.client_for(self.nurse).get(chart), 'id="section-therapy"')


class CaseloadSettingsViewTests(ClinicTestCase):
    def test_the_director_sets_the_windows_and_a_bad_value_is_named(self):
        client = self.client_for(self.medical_director)
        self.assertContains(client.get("/therapy/settings/"), "Shipped default 7 days")
        bad = client.post("/therapy/settings/", {"upcoming_days": "0", "integration_days": "3"})
        self.assertEqual(bad.status_code, 422)
        self.assertContains(bad, "Give a whole number of days from 1 to 60.", status_code=422)
        ok = client.post("/therapy/settings/", {"upcoming_days": "14", "integration_days": "2"})
        self.assertEqual(ok.status_code, 302)
        self.assertContains(client.get("/therapy/"), "Windows set by the clinic.")
        self.assertEqual(self.client_for(self.therapist).get("/therapy/settings/").status_code, 403)
