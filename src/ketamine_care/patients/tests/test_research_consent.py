"""A patient's research consent: each change adds a row, the latest row decides, and only
patients whose latest row says "given" count as consenting."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.patients.queries import research_consenting
from ketamine_care.patients.research_consent import consent_history
from ketamine_care.patients.services import (
    mark_patient_entered_in_error,
    record_research_consent,
)
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient


class ResearchConsentTests(ClinicTestCase):
    def consent(self, patient, status, *, days_ago=0, version="2026-1"):
        return record_research_consent(
            patient=patient,
            actor=self.nurse,
            status=status,
            consent_text_version=version,
            recorded_at=timezone.now() - timedelta(days=days_ago),
        )

    def test_a_patient_never_asked_does_not_consent(self):
        self.assertNotIn(self.patient, research_consenting(self.clinic))

    def test_withdrawing_then_giving_again_keeps_the_history_and_consents(self):
        self.consent(self.patient, "given", days_ago=30)
        self.consent(self.patient, "withdrawn", days_ago=10)
        self.assertNotIn(self.patient, research_consenting(self.clinic))
        self.consent(self.patient, "given", days_ago=1, version="2026-2")
        self.assertIn(self.patient, research_consenting(self.clinic))
        history = consent_history(self.patient)
        self.assertEqual([c.status for c in history], ["given", "withdrawn", "given"])
        self.assertEqual(history[0].consent_text_version, "2026-2")

    def test_the_latest_row_by_date_decides_not_the_latest_entered(self):
        self.consent(self.patient, "withdrawn", days_ago=2)
        # Entered afterwards, but the patient gave consent before withdrawing it.
        self.consent(self.patient, "given", days_ago=20)
        self.assertNotIn(self.patient, research_consenting(self.clinic))

    def test_a_project_may_require_a_version_of_the_consent_text(self):
        self.consent(self.patient, "given", version="2026-1")
        other = make_patient(clinic=self.clinic, actor=self.prescriber, given_name="Ana")
        self.consent(other, "given", version="2026-2")
        consenting = research_consenting(self.clinic, consent_text_version="2026-2")
        self.assertEqual(list(consenting), [other])
        self.assertEqual(research_consenting(self.clinic).count(), 2)

    def test_only_the_clinics_active_patients_count(self):
        self.consent(self.patient, "given")
        record_research_consent(
            patient=self.other_patient,
            actor=self.outsider,
            status="given",
            consent_text_version="1",
        )
        self.assertEqual(list(research_consenting(self.clinic)), [self.patient])
        mark_patient_entered_in_error(patient=self.patient, actor=self.prescriber, reason="dup")
        self.assertEqual(list(research_consenting(self.clinic)), [])

    def test_each_change_is_audited(self):
        consent = self.consent(self.patient, "withdrawn")
        event = AuditEvent.objects.get(event_type="research_consent.withdrawn")
        self.assertEqual(event.patient_id, self.patient.pk)
        self.assertEqual(event.object_id, str(consent.public_id))
        self.assertEqual(event.changes["new"]["consent_text_version"], "2026-1")

    def test_bad_input_is_refused_and_nothing_is_written(self):
        cases = [
            ({"status": "maybe", "consent_text_version": "1"}, "status"),
            ({"status": "given", "consent_text_version": "  "}, "consent_text_version"),
            ({"status": "given", "consent_text_version": "x" * 33}, "consent_text_version"),
            (
                {
                    "status": "given",
                    "consent_text_version": "1",
                    "recorded_at": timezone.now() + timedelta(days=1),
                },
                "recorded_at",
            ),
        ]
        for values, field in cases:
            with self.subTest(field=field), self.assertRaises(ValidationFailed) as raised:
                record_research_consent(patient=self.patient, actor=self.nurse, **values)
            self.assertIn(field, raised.exception.fields)
        self.assertEqual(consent_history(self.patient), [])

    def test_a_patient_entered_in_error_cannot_be_changed(self):
        mark_patient_entered_in_error(patient=self.patient, actor=self.prescriber, reason="dup")
        with self.assertRaises(StateError):
            self.consent(self.patient, "given")
