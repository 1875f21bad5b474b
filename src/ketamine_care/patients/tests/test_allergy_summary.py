"""The allergy status: listed, "no known drug allergies" recorded, or not recorded."""

from ketamine_care.patients.allergies import allergy_summary, is_no_known_allergy
from ketamine_care.patients.services import add_allergy, record_no_known_drug_allergies
from ketamine_care.testing.base import ClinicTestCase


class AllergySummaryTests(ClinicTestCase):
    def test_an_empty_list_is_not_recorded_never_none_known(self):
        self.assertEqual(allergy_summary(self.patient).status, "not_recorded")

    def test_an_explicit_no_known_drug_allergies_entry_is_none_known(self):
        add_allergy(patient=self.patient, actor=self.nurse, substance="  No known  drug allergies")
        self.assertEqual(allergy_summary(self.patient).status, "none_known")

    def test_no_known_drug_allergies_recorded_on_the_chart_is_none_known(self):
        record_no_known_drug_allergies(patient=self.patient, actor=self.nurse)
        self.patient.refresh_from_db()
        self.assertEqual(allergy_summary(self.patient).status, "none_known")

    def test_a_real_allergy_wins_over_a_stale_no_known_entry(self):
        add_allergy(patient=self.patient, actor=self.nurse, substance="NKDA")
        add_allergy(patient=self.patient, actor=self.nurse, substance="Penicillin")
        summary = allergy_summary(self.patient)
        self.assertEqual(summary.status, "listed")
        self.assertEqual([a.substance for a in summary.entries], ["Penicillin"])

    def test_the_words_are_matched_whole_not_as_a_prefix(self):
        self.assertTrue(is_no_known_allergy("nkda"))
        self.assertFalse(is_no_known_allergy("NKDA except latex"))
