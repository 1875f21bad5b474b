from datetime import timedelta

from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.instruments.models import Administration, Source
from ketamine_care.instruments.services import (
    mark_administration_entered_in_error,
    record_administration,
)
from ketamine_care.outcomes.models import ClinicSafetySettings, SafetyAlert
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.measures import phq9, record

BPRS_BASE = [1] * 18


class RecordAdministrationTests(ClinicTestCase):
    def test_it_scores_stores_and_audits_in_one_go(self):
        a = record(self.patient, self.nurse, "phq9", phq9(12), time_point="baseline")
        a.refresh_from_db()
        self.assertEqual((a.total, a.band, a.flags), (12, "moderate", []))
        self.assertEqual(a.definition_version, "1.0.2")
        self.assertEqual(a.answers["phq9_1"], 3)
        self.assertEqual((a.source, a.entered_by), (Source.CLINICIAN, self.nurse))
        event = AuditEvent.objects.get(event_type="administration.recorded")
        self.assertEqual((event.actor, event.object_id), (self.nurse, str(a.public_id)))
        self.assertEqual(event.changes["new"]["total"], 12)

    def test_it_accepts_answers_by_item_id(self):
        answers = {f"gad7_{i}": 1 for i in range(1, 8)}
        a = record(self.patient, self.nurse, "gad7", answers)
        self.assertEqual((a.total, a.band), (7, "mild"))

    def test_phq9_item_9_raises_a_high_alert_whatever_the_total(self):
        a = record(self.patient, self.nurse, "phq9", phq9(1, item9=1))
        alert = SafetyAlert.objects.get()
        self.assertEqual(a.flags, ["suicidality"])
        self.assertEqual((alert.rule_id, alert.severity), ("phq9_item9_positive", "high"))
        self.assertTrue(alert.patient_crisis_screen)
        self.assertEqual(alert.clinic, self.clinic)
        self.assertTrue(AuditEvent.objects.filter(event_type="safety_alert.raised").exists())

    def test_a_high_risk_cssrs_raises_a_critical_alert(self):
        record(self.patient, self.nurse, "cssrs_screener", [1, 1, 1, 1, 1, 0, 0])
        alert = SafetyAlert.objects.get()
        self.assertEqual((alert.rule_id, alert.severity, alert.observed), (
            "cssrs_high_risk", "critical", "high"))  # fmt: skip

    def test_a_bprs_positive_rise_of_3_from_baseline_raises_an_alert(self):
        record(self.patient, self.nurse, "bprs18", BPRS_BASE, days_ago=2, time_point="baseline")
        self.assertFalse(SafetyAlert.objects.exists())
        worse = list(BPRS_BASE)
        positive = self._positive_items()
        worse[positive[0]] = 4  # +3 on one positive-subscale item
        record(self.patient, self.nurse, "bprs18", worse)
        self.assertEqual(SafetyAlert.objects.get().rule_id, "bprs_positive_rise")

    def _positive_items(self):
        from ketamine_care.instruments.definition import load_definition

        d = load_definition("bprs18")
        sub = next(s for s in d.subscales if s.name == "positive")
        return [d.item_ids.index(i) for i in sub.items]

    def test_cadss_at_discharge_without_a_clinic_threshold_raises_an_unconfigured_alert(self):
        record(self.patient, self.nurse, "cadss", [0] * 23, time_point="post_session")
        alert = SafetyAlert.objects.get()
        self.assertTrue(alert.unconfigured)

    def test_cadss_at_discharge_follows_the_clinic_threshold(self):
        ClinicSafetySettings.objects.create(
            clinic=self.clinic, rule_values={"cadss_above_threshold_at_discharge": 4}
        )
        record(self.patient, self.nurse, "cadss", [0] * 23, time_point="post_session")
        self.assertFalse(SafetyAlert.objects.exists())
        record(self.patient, self.nurse, "cadss", [1] * 5 + [0] * 18, time_point="post_session")
        self.assertEqual(SafetyAlert.objects.get().observed, "5")

    def test_bad_answers_name_the_item_and_save_nothing(self):
        with self.assertRaises(ValidationFailed) as caught:
            record(self.patient, self.nurse, "audit", [0] * 8 + [1, 0])
        self.assertIn("audit_9", caught.exception.fields)
        with self.assertRaises(ValidationFailed) as caught:
            record(self.patient, self.nurse, "phq9", {"phq9_1": 1})
        self.assertIn("phq9_9", caught.exception.fields)
        self.assertFalse(Administration.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(event_type="administration.recorded").exists())

    def test_it_refuses_unknown_instruments_future_times_and_misplaced_follow_up_days(self):
        cases = [
            ({"instrument_code": "nope"}, "instrument"),
            ({"administered_at": timezone.now() + timedelta(days=1)}, "administered_at"),
            ({"follow_up_day": 7, "time_point": "baseline"}, "follow_up_day"),
        ]
        for overrides, field in cases:
            values = {
                "patient": self.patient,
                "instrument_code": "gad7",
                "answers": [0] * 7,
                "time_point": "follow_up",
                "actor": self.nurse,
                **overrides,
            }
            with self.subTest(field=field), self.assertRaises(ValidationFailed) as caught:
                record_administration(**values)
            self.assertIn(field, caught.exception.fields)

    def test_a_self_report_has_no_entering_user(self):
        a = record_administration(
            patient=self.patient,
            instrument_code="gad7",
            answers=[0] * 7,
            time_point="follow_up",
            source=Source.SELF_REPORT,
        )
        self.assertIsNone(a.entered_by)

    def test_entered_in_error_needs_a_reason_and_is_audited(self):
        a = record(self.patient, self.nurse, "gad7", [0] * 7)
        with self.assertRaises(ValidationFailed):
            mark_administration_entered_in_error(administration=a, actor=self.nurse, reason=" ")
        mark_administration_entered_in_error(administration=a, actor=self.nurse, reason="typo")
        self.assertFalse(Administration.objects.active().exists())
        self.assertTrue(
            AuditEvent.objects.filter(event_type="administration.marked_entered_in_error").exists()
        )
