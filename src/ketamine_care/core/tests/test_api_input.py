"""The input guard: which strings and numbers no backend can store, and where they are."""

import json
import math
from decimal import Decimal

from django.test import SimpleTestCase, TestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.core.api_input import parsed_body, problems, text_problem
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


def _walked(body: bytes) -> dict[str, str]:
    """The problems of a body as the guard found them before its shortcut: parse, walk all."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    return dict(problems(data))


# Text with NUL, lone surrogates, backslashes, quotes and non-ASCII letters.
HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(["a", "\x00", "\ud800", "\udfff", "\\", '"', "é", "u"]), max_size=6
)
HOSTILE_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()  # NaN and infinities included
    | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=10,
)


class ParsedBodyTests(SimpleTestCase):
    """`parsed_body`'s shortcut (no walk when the bytes cannot hold a problem) finds exactly
    the problems walking every value found, for any body."""

    @settings(max_examples=300, deadline=None)
    @given(
        data=HOSTILE_JSON,
        ascii_only=st.booleans(),
        encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]),
    )
    def test_the_shortcut_finds_what_the_walk_finds(self, data, ascii_only, encoding):
        text = json.dumps(data, ensure_ascii=ascii_only)
        body = text.encode(encoding, "surrogatepass")
        found, clean = parsed_body(body)
        walked = _walked(body)
        self.assertEqual(dict(problems(found)), walked)
        if clean:
            self.assertEqual(walked, {})

    @settings(max_examples=200, deadline=None)
    @given(body=st.binary(max_size=40) | st.sampled_from(
        [b'{"a": 1e400}', b'{"a": -1e999}', b"[NaN]", b'{"x": Infinity}', b'["\\u0000"]',
         b'{"\\ud800": 1}', b'["\xed\xa0\x80"]', b'["a\\\\u0000"]', b"[1.5, 2e3]"]
    ))  # fmt: skip
    def test_any_bytes_give_what_the_walk_gives(self, body):
        found, clean = parsed_body(body)
        walked = _walked(body)
        self.assertEqual(dict(problems(found)), walked)
        if clean:
            self.assertEqual(walked, {})
