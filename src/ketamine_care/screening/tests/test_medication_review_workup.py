"""The chart's medication list is open until someone confirms it (HAZ-07): the workup's
medication review tick, and the screening API's posted list, close it; nothing else does."""

from __future__ import annotations

import re

import pytest

from ketamine_care.dosing.services import IneligibleForTreatment, create_plan
from ketamine_care.patients import services as patients
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import facts_from_record, merge_answers
from ketamine_care.screening.tests.test_workup_safety import SafetyTestCase
from ketamine_care.testing.treatment import CLEAR_ANSWERS, next_monday

# The workup's screens and the API over the ORM's portable queries, as the workup's other
# safety facts (test_workup_safety): checked once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")

REVIEW_WORDS = "Not recorded: medication review (confirm the list is complete)"
# A full workup answered through the API except for the medication review.
UNREVIEWED = {k: v for k, v in CLEAR_ANSWERS.items() if k != "medications_unreviewed"}


def _missing_review(verdict: dict) -> list[str]:
    return [r["rule"] for r in verdict["reasons"] if "medications_reviewed" in r["message"]]


class WorkupMedicationReviewTests(SafetyTestCase):
    def test_the_record_s_list_is_open_even_when_empty(self):
        facts = facts_from_record(self.patient, next_monday(clinic=self.clinic))
        self.assertEqual((facts["medications"], facts["medications_unreviewed"]), ([], True))
        self.assertTrue(
            merge_answers(facts, {"medications_unreviewed": None})["medications_unreviewed"]
        )
        self.assertFalse(
            merge_answers(facts, {"medications_unreviewed": False})["medications_unreviewed"]
        )

    def test_an_empty_chart_list_unticked_is_not_eligible_and_names_the_review(self):
        self.workup(medications_reviewed="")
        verdict = ScreeningVerdict.objects.get()
        self.assertEqual(verdict.verdict, "requires_override")
        self.assertTrue(verdict.facts["medications_unreviewed"])
        rules = {r["rule"]: r["severity"] for r in verdict.reasons}
        self.assertEqual(rules["interaction.maoi"], "missing_information")
        self.assertEqual(rules["interaction.benzodiazepine_sedation"], "missing_information")
        self.assertEqual(set(rules.values()), {"missing_information"})
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/{verdict.public_id}/")
        self.assertContains(page, REVIEW_WORDS)
        self.assertContains(page, "Medication list confirmed complete")
        self.assertNotContains(page, "medications_reviewed")
        with self.assertRaises(IneligibleForTreatment):
            create_plan(
                patient=self.patient,
                protocol_version=self.version,
                start_date=next_monday(clinic=self.clinic),
                actor=self.prescriber,
            )

    def test_the_verdict_asks_once_for_what_leaves_rules_open(self):
        """One missing review leaves every medication rule open: the verdict says so once,
        with the number of rules, above the reasons."""
        self.workup(medications_reviewed="")
        verdict = ScreeningVerdict.objects.get()
        open_rules = len(_missing_review({"reasons": verdict.reasons}))
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/{verdict.public_id}/")
        summary = page.content.decode().split('id="to-record"')[1].split("</div>")[0]
        self.assertIn(
            f"Medication review (confirm the list is complete): {open_rules} rules", summary
        )
        self.assertGreater(open_rules, 1)
        self.workup(medications_reviewed="on")
        ticked = ScreeningVerdict.objects.latest("evaluated_at")
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/{ticked.public_id}/")
        self.assertNotContains(page, 'id="to-record"')

    def test_ticked_the_same_patient_is_eligible(self):
        self.workup()
        verdict = ScreeningVerdict.objects.get()
        self.assertEqual((verdict.verdict, verdict.reasons), ("eligible", []))
        self.assertIs(verdict.facts["medications_unreviewed"], False)

    def test_a_recorded_maoi_decides_its_rule_unticked(self):
        patients.add_medication(
            patient=self.patient, actor=self.prescriber, name="Phenelzine", drug_class="maoi"
        )
        self.workup(medications_reviewed="")
        rules = {r["rule"]: r["severity"] for r in ScreeningVerdict.objects.get().reasons}
        self.assertEqual(rules["interaction.maoi"], "caution")
        self.assertEqual(rules["interaction.theophylline"], "missing_information")

    def test_the_page_says_plainly_when_the_chart_lists_no_medications(self):
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/")
        self.assertContains(page, "The chart lists no current medications.")
        self.assertContains(
            page,
            "I reviewed the current medications with the patient: the list on the chart is "
            "complete",
        )
        patients.add_medication(
            patient=self.patient, actor=self.prescriber, name="Sertraline", drug_class="ssri"
        )
        page = self.client_for(self.prescriber).get(f"{self.chart}/screening/")
        self.assertContains(page, "On the chart: Sertraline.")
        self.assertNotContains(page, "The chart lists no current medications.")

    def test_the_tick_is_kept_when_the_form_comes_back_with_an_error(self):
        response = self.workup(bp_systolic="5")
        self.assertEqual(response.status_code, 422)
        self.assertIn("checked", _tick(response))
        self.assertFalse(ScreeningVerdict.objects.exists())
        unticked = self.workup(bp_systolic="5", medications_reviewed="")
        self.assertNotIn("checked", _tick(unticked))


def _tick(response) -> str:
    """The medication review's checkbox as the page renders it."""
    return re.search(r'<input [^>]*name="medications_reviewed"[^>]*>', response.text)[0]


class ApiMedicationReviewTests(SafetyTestCase):
    def test_without_a_posted_list_the_record_s_list_stays_open(self):
        verdict = self.api_post({"facts": UNREVIEWED}).json()
        self.assertEqual(verdict["verdict"], "requires_override")
        self.assertIs(verdict["facts"]["medications_unreviewed"], True)
        self.assertIn("interaction.maoi", _missing_review(verdict))

    def test_a_posted_list_states_the_current_medications_and_closes_it(self):
        patients.add_medication(
            patient=self.patient, actor=self.prescriber, name="Phenelzine", drug_class="maoi"
        )
        verdict = self.api_post({"facts": {**UNREVIEWED, "medications": []}}).json()
        self.assertIs(verdict["facts"]["medications_unreviewed"], False)
        self.assertEqual([m["name"] for m in verdict["facts"]["medications"]], ["Phenelzine"])
        self.assertEqual(verdict["verdict"], "eligible_with_cautions")
        self.assertEqual(_missing_review(verdict), [])

    def test_a_posted_true_keeps_a_posted_list_open(self):
        body = {**UNREVIEWED, "medications": [], "medications_unreviewed": True}
        verdict = self.api_post({"facts": body}).json()
        self.assertIs(verdict["facts"]["medications_unreviewed"], True)
        self.assertEqual(verdict["verdict"], "requires_override")

    def test_a_posted_false_without_a_list_is_422_naming_it(self):
        for value in (False, "no"):
            body = {**UNREVIEWED, "medications_unreviewed": value}
            response = self.api_post({"facts": body})
            self.assertEqual(response.status_code, 422, response.content)
            self.assertIn("facts.medications_unreviewed", response.json()["fields"])
        self.assertFalse(ScreeningVerdict.objects.exists())
        body = {**UNREVIEWED, "medications_unreviewed": None}
        self.assertEqual(self.api_post({"facts": body}).json()["verdict"], "requires_override")
