"""The input guard: which strings and numbers no backend can store, and where they are."""

import math
from decimal import Decimal

from django.test import SimpleTestCase, TestCase
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core.api_input import problems, text_problem
from ketamine_care.core.bounds import HEIGHT_MAX, MG_MAX, WEIGHT_MAX, column_max


class TextProblemTests(SimpleTestCase):
    @given(st.text(), st.text())
    def test_any_text_with_a_nul_is_refused(self, before, after):
        self.assertEqual(text_problem(f"{before}\x00{after}"), "Contains a NUL character.")

    @given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")))
    def test_text_without_nul_or_surrogates_passes(self, text):
        self.assertIsNone(text_problem(text))

    @given(st.integers(min_value=0xD800, max_value=0xDFFF))
    def test_every_lone_surrogate_is_refused(self, code):
        self.assertIn("surrogate", text_problem(f"a{chr(code)}b"))


class ProblemsTests(SimpleTestCase):
    def test_paths_name_the_field_like_validation_errors(self):
        data = {
            "name": "ok",
            "readings": [{"source": "ok"}, {"source": "x\x00", "rate": math.inf}],
            "dose_mg": math.nan,
        }
        self.assertEqual(
            dict(problems(data)),
            {
                "readings[1].source": "Contains a NUL character.",
                "readings[1].rate": "Must be a finite number.",
                "dose_mg": "Must be a finite number.",
            },
        )

    def test_a_nul_in_a_key_names_the_key(self):
        self.assertEqual([name for name, _ in problems({"a\x00": 1})], ["a\x00"])

    @given(st.floats(allow_nan=False, allow_infinity=False), st.integers())
    def test_finite_numbers_pass(self, number, whole):
        self.assertEqual(list(problems({"x": number, "y": [whole]})), [])


class ColumnMaxTests(SimpleTestCase):
    def test_the_largest_value_each_column_stores(self):
        self.assertEqual(column_max(8, 2), Decimal("999999.99"))
        self.assertEqual((WEIGHT_MAX, HEIGHT_MAX), (Decimal("9999.99"), Decimal("9999.9")))
        self.assertEqual(MG_MAX, 999999.99)


class ScreenQueryTests(TestCase):
    def test_a_nul_in_a_screen_query_string_is_422_before_any_query(self):
        with self.assertNumQueries(0):
            response = self.client.get("/patients/?q=a%00b")
        self.assertEqual(response.status_code, 422)
        self.assertIn(b"q", response.content)
