"""The chart's "Research consent" panel: the current state, the history, and a form for the
clinicians who record consent."""

from __future__ import annotations

from ketamine_care.audit.models import AuditEvent
from ketamine_care.patients.models import ResearchConsent
from ketamine_care.patients.services import mark_patient_entered_in_error
from ketamine_care.testing.base import ClinicTestCase


class ConsentPanelTests(ClinicTestCase):
    def chart(self, user):
        return self.client_for(user).get(f"/patients/{self.patient.public_id}/")

    def post(self, user, **data):
        url = f"/research/patients/{self.patient.public_id}/consent/"
        return self.client_for(user).post(url, data)

    def test_the_panel_says_not_recorded_and_offers_the_form(self):
        page = self.chart(self.nurse)
        self.assertContains(page, 'id="section-research-consent"')
        self.assertContains(page, "Not recorded")
        self.assertContains(page, 'id="research-consent-form"')
        self.assertNotContains(page, 'href="/research/"')

    def test_the_medical_director_reaches_the_research_projects_from_the_panel(self):
        # The navigation stays one line on a laptop: the workspace link sits in the panel.
        self.assertContains(self.chart(self.medical_director), 'href="/research/"')

    def test_withdrawing_then_giving_shows_the_state_and_the_history(self):
        answer = self.post(self.nurse, status="given", consent_text_version="2026-1")
        chart = f"/patients/{self.patient.public_id}/#section-research-consent"
        self.assertRedirects(answer, chart, fetch_redirect_response=False)
        self.post(self.prescriber, status="withdrawn", consent_text_version="2026-1")
        page = self.chart(self.medical_director)
        state = page.content.decode().split('id="research-consent-state"')[1].split("</p>")[0]
        self.assertIn("Withdrawn", state)
        self.assertIn("2026-1", state)
        self.assertContains(page, 'id="research-consent-history"')
        self.post(self.nurse, status="given", consent_text_version="2026-2")
        self.assertEqual(
            list(ResearchConsent.objects.values_list("status", flat=True)),
            ["given", "withdrawn", "given"],
        )
        self.assertEqual(AuditEvent.objects.filter(event_type="research_consent.given").count(), 2)

    def test_a_day_in_the_past_is_kept_as_that_day(self):
        self.post(self.nurse, status="given", consent_text_version="1", recorded_on="2025-03-04")
        consent = ResearchConsent.objects.get()
        self.assertEqual(consent.recorded_at.date().isoformat(), "2025-03-04")

    def test_bad_input_answers_422_and_writes_nothing(self):
        for data in (
            {"status": "given"},
            {"status": "perhaps", "consent_text_version": "1"},
            {"status": "given", "consent_text_version": "1", "recorded_on": "2999-01-01"},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.post(self.nurse, **data).status_code, 422)
        self.assertFalse(ResearchConsent.objects.exists())

    def test_roles_that_do_not_record_consent_see_no_panel_and_may_not_post(self):
        for user in (self.front_desk, self.therapist):
            with self.subTest(role=user.email):
                self.assertNotContains(self.chart(user), 'id="section-research-consent"')
                self.assertEqual(self.post(user, status="given").status_code, 403)
        self.assertEqual(self.post(self.researcher, status="given").status_code, 403)
        self.assertFalse(ResearchConsent.objects.exists())

    def test_another_clinics_patient_answers_404(self):
        url = f"/research/patients/{self.other_patient.public_id}/consent/"
        response = self.client_for(self.nurse).post(
            url, {"status": "given", "consent_text_version": "1"}
        )
        self.assertEqual(response.status_code, 404)

    def test_the_form_page_is_an_audited_read(self):
        url = f"/research/patients/{self.patient.public_id}/consent/"
        self.assertEqual(self.client_for(self.nurse).get(url).status_code, 200)
        event = AuditEvent.objects.get(event_type="patient.viewed")
        self.assertEqual(event.changes["part"], "research_consent")

    def test_a_patient_entered_in_error_cannot_be_changed(self):
        mark_patient_entered_in_error(patient=self.patient, actor=self.prescriber, reason="dup")
        response = self.post(self.nurse, status="given", consent_text_version="1")
        self.assertEqual(response.status_code, 409)
        self.assertFalse(ResearchConsent.objects.exists())
