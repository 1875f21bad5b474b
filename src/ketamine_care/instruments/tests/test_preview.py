from django.test import SimpleTestCase

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.preview import preview


class PreviewTests(SimpleTestCase):
    def test_a_partial_phq9_shows_a_running_total_and_no_band(self):
        found = preview(load_definition("phq9"), {"phq9_1": "2", "phq9_2": "3"})
        self.assertEqual((found.answered, found.running_total, found.result), (2, 5, None))

    def test_item_9_flags_as_soon_as_it_is_answered(self):
        found = preview(load_definition("phq9"), {"phq9_9": "1"})
        self.assertEqual(found.flags, ("suicidality",))

    def test_a_complete_form_is_scored_exactly(self):
        raw = {f"phq9_{i}": "3" for i in range(1, 10)}
        found = preview(load_definition("phq9"), raw)
        self.assertTrue(found.complete)
        self.assertEqual((found.result.total, found.result.band), (27, "severe"))

    def test_out_of_range_values_are_reported_not_counted(self):
        found = preview(load_definition("audit"), {"audit_9": "1"})
        self.assertIn("audit_9", found.errors)
        self.assertEqual(found.answered, 0)

    def test_triage_instruments_have_no_running_total(self):
        raw = dict(zip(load_definition("cssrs_screener").item_ids, "1111100", strict=True))
        found = preview(load_definition("cssrs_screener"), raw)
        self.assertIsNone(found.running_total)
        self.assertEqual(found.result.risk, "high")
