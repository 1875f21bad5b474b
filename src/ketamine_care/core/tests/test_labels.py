"""The display-label layer: registered words, the humanising fallback, audit changes."""

from __future__ import annotations

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core import labels
from ketamine_care.core.changes import change_lines


class HumaniseTests(SimpleTestCase):
    def test_codes_read_as_words(self):
        cases = [
            ("post_dose", "Post dose"),
            ("patient.viewed", "Patient viewed"),
            ("iv-ketamine-trd", "IV ketamine TRD"),
            ("bp_systolic", "BP systolic"),
            ("FDA-LABEL", "FDA LABEL"),
            ("", ""),
            (None, ""),
        ]
        for code, words in cases:
            with self.subTest(code=code):
                self.assertEqual(labels.humanise(code), words)

    @given(st.from_regex(r"[a-z][a-z0-9]*([_.\-][a-z0-9]+){0,4}", fullmatch=True))
    def test_a_humanised_slug_has_no_separator(self, code):
        text = labels.humanise(code)
        for separator in "_.-":
            self.assertNotIn(separator, text)
        self.assertTrue(text)


class RegistryTests(SimpleTestCase):
    def test_registered_words_win_and_unknown_codes_are_humanised(self):
        labels.register_labels("test_kind", {"mdd": "Major depressive disorder"})
        self.assertEqual(labels.label("test_kind", "mdd"), "Major depressive disorder")
        self.assertEqual(labels.label("test_kind", "post_24h"), "Post 24h")
        self.assertEqual(labels.label("no_such_kind", "ready_for_discharge"), "Ready for discharge")
        self.assertEqual(labels.label("test_kind", None), "")
        self.assertEqual(labels.unlabelled("test_kind", ["mdd", "gad", "gad"]), ["gad"])

    def test_an_empty_label_is_refused(self):
        with self.assertRaises(ValueError):
            labels.register_labels("test_kind", {"x": "  "})

    def test_the_apps_register_their_words(self):
        cases = [
            (labels.PROTOCOL, "iv-ketamine-trd", "IV racemic ketamine for treatment-resistant"),
            (labels.ROUTE, "iv", "intravenous"),
            (labels.DIAGNOSIS, "mdd", "Major depressive disorder"),
            (labels.SESSION_STATE, "ready_for_discharge", "Ready for discharge"),
            (labels.AUDIT_EVENT, "patient.viewed", "Chart viewed"),
            (labels.TIME_POINT, "post_dose", "After the dose"),
            (labels.DRUG_CLASS, "maoi", "MAO inhibitor"),
            (labels.EVIDENCE, "RCT", "Randomised trial"),
        ]
        for kind, code, words in cases:
            with self.subTest(kind=kind, code=code):
                self.assertIn(words, labels.label(kind, code))

    def test_comparisons_and_numbers_in_words(self):
        self.assertEqual(
            labels.comparison("systolic", "gt", 140.0, "mmHg"), "systolic above 140 mmHg"
        )
        self.assertEqual(labels.comparison("SpO2", "lt", 92, "%"), "SpO2 below 92 %")
        self.assertEqual(labels.comparison("score", ">=", 4), "score at or above 4")
        self.assertEqual(labels.join_words(["a", "b", "c"]), "a, b or c")
        self.assertEqual(labels.join_words(["a", "b"], "and"), "a and b")
        self.assertEqual(labels.number(0.5), "0.5")


class ChangeLinesTests(SimpleTestCase):
    def test_an_edit_reads_field_old_arrow_new(self):
        lines = change_lines({"old": {"family_name": "Smith"}, "new": {"family_name": "Jones"}})
        self.assertEqual(lines, ["Family name: Smith → Jones"])

    def test_new_rows_and_plain_keys_read_as_field_value(self):
        lines = change_lines(
            {"new": {"total": 23, "flags": ["a", "b"], "note": None}, "part": "vitals"}
        )
        self.assertEqual(lines, ["Total: 23", "Flags: a, b", "Note: —", "Part: vitals"])

    def test_nothing_is_shown_as_json(self):
        lines = change_lines({"new": {"dose": {"dose_mg": 35, "route": "iv"}}})
        self.assertEqual(lines, ["Dose: Dose mg: 35; Route: iv"])
        self.assertEqual(change_lines(None), [])
