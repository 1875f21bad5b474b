"""A ketamine or esketamine allergy on the chart is the label's hypersensitivity
contraindication: screening reads it, in the workup and through the API, and every rule set
makes it ineligible."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ketamine_care.patients import services as patients
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import (
    facts_from_record,
    merge_answers,
    names_ketamine,
)
from ketamine_care.screening.rule_set import list_rule_set_ids, load_rule_set
from ketamine_care.screening.tests.test_workup_safety import SafetyTestCase
from ketamine_care.testing.treatment import CLEAR_POSTED_FACTS

# Screens and forms over the ORM's portable queries: what they show, refuse and save is the
# same on both engines. The SQL under them that is not (row locks, the search statements, the
# audit and vitals inserts, windows, triggers) has its own tests in both passes
# (docs/TESTING.md, "Which tests run twice"). Checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


class KetamineAllergyTests(SafetyTestCase):
    """A ketamine or esketamine allergy on the chart is the label's hypersensitivity
    contraindication [@spravato-uspi §4] [@ketalar-uspi §4]: screening reads it."""

    def allergy(self, substance, **extra):
        return patients.add_allergy(
            patient=self.patient, actor=self.prescriber, substance=substance, **extra
        )

    def test_substances_naming_ketamine_or_esketamine(self):
        for substance in ("Ketamine", "esketamine", "KETALAR", "Spravato nasal spray"):
            self.assertTrue(names_ketamine(substance), substance)
        for substance in ("Penicillin", "NKDA", "Latex", "Midazolam"):
            self.assertFalse(names_ketamine(substance), substance)

    def test_an_active_ketamine_allergy_gives_the_hypersensitivity_history_word(self):
        today = timezone.localdate()
        self.allergy("Penicillin")
        self.assertNotIn("history", facts_from_record(self.patient, today))
        row = self.allergy("Spravato", reaction="angioedema", severity="severe")
        self.assertEqual(
            facts_from_record(self.patient, today)["history"], ["ketamine_hypersensitivity"]
        )
        patients.mark_child_entered_in_error(row=row, actor=self.prescriber, reason="wrong chart")
        self.assertNotIn("history", facts_from_record(self.patient, today))

    def test_the_workup_shows_the_allergies_and_screens_the_ketamine_one_ineligible(self):
        self.allergy("Ketamine", reaction="anaphylaxis", severity="severe")
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/")
        self.assertContains(page, 'id="record-allergies"')
        self.assertContains(page, "Ketamine</span> (anaphylaxis)")
        self.assertContains(page, 'id="record-ketamine-allergy"')
        self.workup()  # history reviewed, nothing ticked
        verdict = ScreeningVerdict.objects.get()
        self.assertIn("ketamine_hypersensitivity", verdict.facts["history"])
        self.assertEqual(verdict.verdict, "ineligible")
        self.assertIn("label.hypersensitivity", [r["rule"] for r in verdict.reasons])

    def test_the_workup_says_when_allergies_are_not_recorded(self):
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/")
        self.assertContains(page, "Allergies not recorded")
        self.assertNotContains(page, 'id="record-ketamine-allergy"')

    def test_the_api_keeps_the_allergy_whatever_history_is_posted(self):
        self.allergy("esketamine")
        verdict = self.api_post({"facts": {**CLEAR_POSTED_FACTS, "history": []}}).json()
        self.assertEqual(verdict["facts"]["history"], ["ketamine_hypersensitivity"])
        self.assertEqual(verdict["verdict"], "ineligible")

    def test_the_form_s_history_adds_to_the_allergy(self):
        record = {"history": ["ketamine_hypersensitivity"]}
        self.assertEqual(merge_answers(record, {"history": None})["history"], record["history"])
        merged = merge_answers(record, {"history": ["glaucoma"]})
        self.assertEqual(merged["history"], ["glaucoma", "ketamine_hypersensitivity"])


@pytest.mark.parametrize("rule_set_id", list_rule_set_ids())
def test_every_rule_set_makes_ketamine_hypersensitivity_ineligible(rule_set_id):
    """What reading a chart allergy as a one-word history rests on: whatever else the history
    holds, the verdict is ineligible."""
    rules = {r.id: r for r in load_rule_set(rule_set_id).rules}
    rule = rules["label.hypersensitivity"]
    assert rule.severity == "ineligible"
    assert rule.condition.model_dump() == {"has_history": "ketamine_hypersensitivity"}
