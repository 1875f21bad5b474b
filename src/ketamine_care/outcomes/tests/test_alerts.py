from django.test import Client

from ketamine_care.accounts.models import Membership
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.outcomes.models import AlertStatus, SafetyAlert
from ketamine_care.outcomes.services import acknowledge_alert
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import phq9, record


class AcknowledgeAlertTests(ClinicTestCase):
    def setUp(self):
        self.alert = record(self.patient, self.nurse, "phq9", phq9(2, item9=1)).raised_alerts[0]

    def test_it_needs_a_note(self):
        with self.assertRaises(ValidationFailed) as caught:
            acknowledge_alert(alert=self.alert, actor=self.nurse, note="  ")
        self.assertIn("note", caught.exception.fields)
        self.alert.refresh_from_db()
        self.assertEqual(self.alert.status, AlertStatus.OPEN)

    def test_it_records_who_when_and_why_and_audits(self):
        acknowledge_alert(alert=self.alert, actor=self.prescriber, note="Called; safety plan.")
        self.alert.refresh_from_db()
        self.assertEqual(
            (self.alert.status, self.alert.acknowledged_by, self.alert.acknowledgement_note),
            (AlertStatus.ACKNOWLEDGED, self.prescriber, "Called; safety plan."),
        )
        event = AuditEvent.objects.get(event_type="safety_alert.acknowledged")
        self.assertEqual(event.actor, self.prescriber)
        with self.assertRaises(StateError):
            acknowledge_alert(alert=self.alert, actor=self.nurse, note="again")


class AlertScreensTests(ClinicTestCase):
    def setUp(self):
        self.alert = record(self.patient, self.nurse, "phq9", phq9(2, item9=1)).raised_alerts[0]
        record(self.other_patient, self.outsider, "phq9", phq9(3, item9=3))

    def test_the_clinic_list_shows_only_this_clinics_open_alerts(self):
        response = self.client_for(self.therapist).get("/alerts/")
        self.assertContains(response, "Rivera, Jamie")
        self.assertNotContains(response, "Other, Olive")
        self.assertNotContains(response, "Acknowledge…")  # therapists do not acknowledge

    def test_a_nurse_acknowledges_from_the_form_with_a_note(self):
        client = self.client_for(self.nurse)
        url = f"/alerts/{self.alert.public_id}/acknowledge/"
        self.assertEqual(client.post(url, {"note": ""}).status_code, 422)
        response = client.post(url, {"note": "Phoned the patient; no plan or intent."})
        self.assertRedirects(response, f"/patients/{self.patient.public_id}/")
        self.assertFalse(SafetyAlert.objects.filter(clinic=self.clinic).open().exists())

    def test_another_clinics_alert_is_not_found(self):
        other = SafetyAlert.objects.get(clinic=self.other_clinic)
        url = f"/alerts/{other.public_id}/acknowledge/"
        self.assertEqual(self.client_for(self.nurse).get(url).status_code, 404)

    def test_the_api_lists_and_acknowledges(self):
        token = issue_api_token(membership=Membership.objects.get(user=self.nurse))[1]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        listed = Client().get("/api/v1/alerts", **headers).json()
        self.assertEqual([a["id"] for a in listed["items"]], [str(self.alert.public_id)])
        url = f"/api/v1/alerts/{self.alert.public_id}/acknowledge"
        empty = Client().post(url, {"note": ""}, content_type="application/json", **headers)
        self.assertEqual(empty.status_code, 422)
        self.assertIn("note", empty.json()["fields"])
        done = Client().post(url, {"note": "Seen"}, content_type="application/json", **headers)
        self.assertEqual(done.json()["status"], "acknowledged")
        other = SafetyAlert.objects.get(clinic=self.other_clinic)
        url = f"/api/v1/alerts/{other.public_id}/acknowledge"
        missing = Client().post(url, {"note": "x"}, content_type="application/json", **headers)
        self.assertEqual(missing.status_code, 404)


class AlertValuesTests(ClinicTestCase):
    def test_whole_number_thresholds_read_as_whole_numbers(self):
        alert = record(self.patient, self.nurse, "phq9", phq9(2, item9=2)).raised_alerts[0]
        self.assertEqual((alert.observed, alert.threshold), ("2", "0"))


class AlertNamesItsRulesTests(ClinicTestCase):
    def test_an_alert_names_the_digest_of_the_rules_that_raised_it(self):
        from ketamine_care.outcomes.services import clinic_rules, safety_settings_for

        row = record(self.patient, self.nurse, "phq9", phq9(2, item9=1))
        rules = clinic_rules(safety_settings_for(self.clinic))
        alert = row.raised_alerts[0]
        self.assertEqual(
            (alert.rule_set_version, alert.rule_set_digest), (rules.version, rules.digest)
        )
        self.assertEqual(len(alert.rule_set_digest), 64)
        event = AuditEvent.objects.filter(event_type="safety_alert.raised").last()
        self.assertEqual(event.changes["new"]["rule_set_digest"], rules.digest)
