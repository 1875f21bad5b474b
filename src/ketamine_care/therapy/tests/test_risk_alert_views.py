"""A therapist's positive risk check on the clinic's *Safety alerts*, acknowledged there."""

from __future__ import annotations

from ketamine_care.audit.models import AuditEvent
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.therapy import integration_note


class RiskAlertViewTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.note = integration_note(patient=cls.patient, therapist=cls.therapist, risk=True)
        cls.alert = cls.note.risk_alerts.get()

    def test_the_alert_is_on_safety_alerts_and_the_chart_banner(self):
        client = self.client_for(self.prescriber)
        page = client.get("/alerts/")
        self.assertContains(page, "Therapist&#x27;s risk check: suicidal thoughts or behaviour")
        self.assertContains(page, f"/therapy/alerts/{self.alert.public_id}/acknowledge/")
        chart = client.get(f"/patients/{self.patient.public_id}/")
        self.assertContains(chart, "suicidal thoughts or behaviour reported")

    def test_a_prescriber_acknowledges_with_a_note(self):
        client = self.client_for(self.prescriber)
        url = f"/therapy/alerts/{self.alert.public_id}/acknowledge/"
        page = client.get(url)
        self.assertContains(page, "Passive thoughts of death this week")
        event = AuditEvent.objects.filter(event_type="patient.viewed").latest("id")
        self.assertEqual(event.changes["part"], "therapy_risk_alert")
        empty = client.post(url, {"note": ""})
        self.assertEqual(empty.status_code, 422)
        self.assertContains(empty, "This field is required", status_code=422)
        self.assertRedirects(client.post(url, {"note": "Called; safe; plan reviewed."}), "/alerts/")
        self.alert.refresh_from_db()
        self.assertFalse(self.alert.is_open)
        self.assertEqual(client.post(url, {"note": "again"}).status_code, 409)

    def test_therapists_see_the_alert_but_do_not_acknowledge_it(self):
        client = self.client_for(self.therapist)
        self.assertContains(client.get("/alerts/"), "Therapist&#x27;s risk check")
        url = f"/therapy/alerts/{self.alert.public_id}/acknowledge/"
        self.assertEqual(client.post(url, {"note": "x"}).status_code, 403)
        self.assertEqual(self.client_for(self.outsider).get(url).status_code, 404)
