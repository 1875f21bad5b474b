"""The verdict page lists every criterion the rule set checked with its result, and the facts
the screening read, not only the rules that fired."""

from __future__ import annotations

from ketamine_care.screening.checked import (
    APPLIES,
    CLEAR,
    UNDECIDED,
    criteria_checked,
    facts_in_words,
)
from ketamine_care.screening.rule_set import load_rule_set
from ketamine_care.screening.services import screen_patient
from ketamine_care.screening.tests.factories import clean_facts
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.treatment import activate_trd

TRD = "iv-ketamine-trd"


class CriteriaCheckedTests(ClinicTestCase):
    def test_clean_facts_clear_every_criterion(self):
        rule_set = load_rule_set(TRD)
        criteria = criteria_checked(rule_set, clean_facts(TRD))
        self.assertEqual([c.rule for c in criteria], [r.id for r in rule_set.rules])
        self.assertEqual({c.result for c in criteria}, {CLEAR})

    def test_a_fired_rule_applies_and_a_missing_fact_is_undecided(self):
        rule_set = load_rule_set(TRD)
        facts = clean_facts(TRD, bp_systolic=200, bp_diastolic=120)
        del facts["history"]
        results = {c.rule: c for c in criteria_checked(rule_set, facts)}
        applies = [c for c in results.values() if c.result == APPLIES]
        self.assertTrue(applies)
        self.assertTrue(all("systolic" in c.criterion for c in applies))
        undecided = [c for c in results.values() if c.result == UNDECIDED]
        self.assertTrue(undecided)
        self.assertTrue(all("medical history" in c.missing for c in undecided))

    def test_unreadable_facts_decide_nothing(self):
        rule_set = load_rule_set(TRD)
        criteria = criteria_checked(rule_set, {"age_years": "forty"})
        self.assertEqual({c.result for c in criteria}, {UNDECIDED})

    def test_facts_are_in_words_with_units_and_absent_ones_not_recorded(self):
        facts = clean_facts(
            TRD, medications=[{"name": "Lorazepam", "class": "benzodiazepine"}], pregnant=None
        )
        shown = dict(facts_in_words(facts))
        self.assertEqual(shown["Systolic blood pressure"], "120 mmHg")
        self.assertEqual(shown["Age"], "40 years")
        self.assertEqual(shown["Diagnoses"], "Major depressive disorder")
        self.assertEqual(shown["Medications"], "Lorazepam (Benzodiazepine)")
        self.assertEqual(shown["Pregnancy"], "Not recorded")
        self.assertEqual(shown["Breastfeeding"], "No")
        for value in shown.values():
            self.assertNotIn("_", value)

    def test_the_verdict_page_lists_every_criterion_and_the_facts(self):
        version = activate_trd(clinic=self.clinic, director=self.medical_director)
        facts = clean_facts(TRD, bp_systolic=200, bp_diastolic=120)
        verdict = screen_patient(
            patient=self.patient, protocol_version=version, facts=facts, actor=self.prescriber
        )
        url = f"/patients/{self.patient.public_id}/screening/{verdict.public_id}/"
        response = self.client_for(self.nurse).get(url)
        page = response.content.decode()
        table = page[
            page.index('id="criteria-checked"') : page.index(
                "</table>", page.index('id="criteria-checked"')
            )
        ]
        self.assertEqual(table.count('<tr class="criterion-'), len(load_rule_set(TRD).rules))
        self.assertIn("Does not apply", table)
        self.assertIn("<strong>Applies</strong>", table)
        self.assertIn('id="facts-used"', page)
        self.assertIn("200 mmHg", page)
        self.assertNotIn("bp_systolic", page)
