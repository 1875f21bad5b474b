"""The clinic's crisis texts and CADSS discharge threshold: edited, audited, used."""

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.outcomes.services import (
    clinic_rules,
    safety_settings_for,
    update_safety_settings,
)
from ketamine_care.testing.base import ClinicTestCase


class SafetySettingsTests(ClinicTestCase):
    def save(self, **overrides):
        values = {
            "crisis_resources_text": "Call the clinic line 555-0100, or 988.",
            "crisis_protocol_text": "",
            "cadss_discharge_threshold": 4.0,
        }
        values.update(overrides)
        return update_safety_settings(clinic=self.clinic, actor=self.medical_director, **values)

    def test_texts_and_threshold_are_saved_audited_and_used(self):
        self.save()
        settings = safety_settings_for(self.clinic)
        self.assertEqual(settings.crisis_resources, "Call the clinic line 555-0100, or 988.")
        self.assertIn("988", settings.crisis_protocol)  # blank falls back to the default
        rule = next(r for r in clinic_rules(settings).rules
                    if r.id == "cadss_above_threshold_at_discharge")  # fmt: skip
        self.assertEqual(rule.condition.value, 4.0)
        event = AuditEvent.objects.get(event_type="safety_settings.changed")
        self.assertEqual(event.changes["new"]["cadss_discharge_threshold"], 4.0)
        self.assertIsNone(event.changes["old"]["cadss_discharge_threshold"])

    def test_an_unchanged_save_writes_no_event_and_clearing_unsets_the_threshold(self):
        self.save()
        self.save()
        self.assertEqual(AuditEvent.objects.filter(event_type="safety_settings.changed").count(), 1)
        self.save(cadss_discharge_threshold=None)
        self.assertNotIn("cadss_above_threshold_at_discharge",
                         safety_settings_for(self.clinic).rule_values)  # fmt: skip

    def test_a_threshold_outside_the_cadss_range_names_the_field(self):
        with self.assertRaises(ValidationFailed) as caught:
            self.save(cadss_discharge_threshold=93)
        self.assertIn("cadss_discharge_threshold", caught.exception.fields)
        self.assertFalse(AuditEvent.objects.filter(event_type="safety_settings.changed").exists())

    def test_the_settings_page_for_directors_and_admins_only(self):
        client = self.client_for(self.clinic_admin)
        page = client.get("/alerts/settings/")
        self.assertContains(page, "Crisis resources shown to patients")
        response = client.post("/alerts/settings/", {"crisis_resources_text": "Dial 988.",
                                                     "crisis_protocol_text": "",
                                                     "cadss_discharge_threshold": ""})  # fmt: skip
        self.assertEqual(response.status_code, 302)
        self.assertEqual(safety_settings_for(self.clinic).crisis_resources, "Dial 988.")
        bad = client.post("/alerts/settings/", {"cadss_discharge_threshold": "200"})
        self.assertEqual(bad.status_code, 422)
        for user in (self.nurse, self.prescriber, self.researcher):
            self.assertEqual(self.client_for(user).get("/alerts/settings/").status_code, 403)
