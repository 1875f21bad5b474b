"""Screening on the chart: facts from the record, stored verdicts, override and co-sign."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.patients import services as patients
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import facts_from_record, merge_answers, words_for_code
from ketamine_care.screening.services import cosign_override, override_screening
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd, screen


class RecordFactsTests(ClinicTestCase):
    def test_codes_map_only_where_unambiguous(self):
        self.assertEqual(words_for_code("F33.2"), ["mdd"])
        self.assertEqual(words_for_code("F33.3"), ["mdd_psychotic_features"])
        self.assertEqual(words_for_code("F31.81"), ["bipolar_ii"])
        self.assertEqual(words_for_code("F31.12"), ["bipolar_i", "current_mania"])
        self.assertEqual(words_for_code("F31.4"), [])  # bipolar type not stated
        self.assertEqual(words_for_code("F20.9", "in_remission"), ["schizophrenia"])
        self.assertEqual(words_for_code("F31.12", "in_remission"), ["bipolar_i"])
        self.assertEqual(words_for_code("F33.2", "resolved"), [])

    def test_it_gathers_age_sex_measurements_diagnoses_and_medications(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        patients.add_medication(
            patient=self.patient,
            actor=self.prescriber,
            name="Lorazepam",
            drug_class="benzodiazepine",
        )
        patients.record_measurement(
            patient=self.patient,
            actor=self.prescriber,
            unit="metric",
            weight=Decimal("82"),
            height=Decimal("175"),
        )
        facts = facts_from_record(self.patient, date(2026, 4, 12))
        self.assertEqual(facts["age_years"], 41.0)
        self.assertEqual(facts["sex"], "female")
        self.assertEqual(facts["weight_kg"], 82.0)
        self.assertEqual(facts["diagnoses"], ["mdd"])
        self.assertEqual(facts["medications"], [{"name": "Lorazepam", "class": "benzodiazepine"}])
        self.assertNotIn("history", facts)  # unknown until asked: never "none"
        merged = merge_answers(facts, {"medication_dze": {"Lorazepam": 10}, "diagnoses": ["gad"]})
        self.assertEqual(merged["medications"][0]["diazepam_equivalent_mg"], 10)
        self.assertEqual(merged["diagnoses"], ["gad", "mdd"])


class VerdictTests(ClinicTestCase):
    def setUp(self):
        patients.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        self.version = activate_trd(clinic=self.clinic, director=self.medical_director)

    def test_it_stores_facts_result_and_rule_set_and_audits(self):
        verdict = screen(patient=self.patient, version=self.version, actor=self.prescriber)
        self.assertEqual(verdict.verdict, "eligible")
        self.assertEqual(verdict.facts["diagnoses"], ["mdd"])
        self.assertEqual(verdict.result["rule_set"]["digest"], verdict.rule_set_digest)
        event = AuditEvent.objects.get(event_type="screening.evaluated")
        self.assertEqual(event.changes["verdict"], "eligible")

    def test_a_requires_override_verdict_is_overridden_with_a_reason_and_cosigned(self):
        verdict = screen(
            patient=self.patient, version=self.version, actor=self.prescriber, pregnant=True
        )
        self.assertEqual(verdict.verdict, "requires_override")
        self.assertTrue(any(r["severity"] == "requires_override" for r in verdict.reasons))
        with self.assertRaises(ValidationFailed):
            override_screening(verdict=verdict, reason="  ", actor=self.prescriber)
        with self.assertRaises(StateError):
            cosign_override(verdict=verdict, actor=self.medical_director)
        override_screening(verdict=verdict, reason="Benefit outweighs risk", actor=self.prescriber)
        with self.assertRaises(StateError):
            override_screening(verdict=verdict, reason="again", actor=self.prescriber)
        cosign_override(verdict=verdict, actor=self.medical_director, note="Agreed")
        verdict.refresh_from_db()
        self.assertTrue(verdict.permits_treatment)
        self.assertEqual(verdict.cosigned_by, self.medical_director)
        types = set(AuditEvent.objects.values_list("event_type", flat=True))
        self.assertLessEqual({"screening.overridden", "screening.cosigned"}, types)

    def test_nobody_cosigns_their_own_override(self):
        verdict = screen(
            patient=self.patient, version=self.version, actor=self.medical_director, pregnant=True
        )
        override_screening(verdict=verdict, reason="Reason", actor=self.medical_director)
        with self.assertRaises(StateError):
            cosign_override(verdict=verdict, actor=self.medical_director)

    def test_an_ineligible_verdict_cannot_be_overridden(self):
        verdict = screen(
            patient=self.patient,
            version=self.version,
            actor=self.prescriber,
            history=["aneurysmal_vascular_disease"],
        )
        self.assertEqual(verdict.verdict, "ineligible")
        with self.assertRaises(StateError):
            override_screening(verdict=verdict, reason="Please", actor=self.prescriber)
        self.assertFalse(ScreeningVerdict.objects.filter(overridden_by__isnull=False).exists())

    def test_missing_facts_that_could_be_absolute_cannot_be_overridden(self):
        verdict = screen(
            patient=self.patient, version=self.version, actor=self.prescriber, history=None
        )
        self.assertEqual(verdict.verdict, "requires_override")
        self.assertFalse(verdict.override_allowed)
        self.assertTrue(any(r["severity"] == "missing_information" for r in verdict.reasons))
        with self.assertRaises(StateError):
            override_screening(verdict=verdict, reason="Please", actor=self.prescriber)

    def test_bad_facts_name_the_field_and_save_nothing(self):
        with self.assertRaises(ValidationFailed) as caught:
            screen(patient=self.patient, version=self.version, actor=self.prescriber, history=["x"])
        self.assertIn("facts.history[0]", caught.exception.fields)
        self.assertFalse(ScreeningVerdict.objects.exists())

    def test_only_active_versions_screen(self):
        from ketamine_care.protocols.services import retire

        retire(version=self.version, actor=self.medical_director)
        with self.assertRaises(StateError):
            screen(patient=self.patient, version=self.version, actor=self.prescriber)
        self.assertLessEqual(timezone.localdate().year, 9999)
