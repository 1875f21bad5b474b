"""JSON columns read by orjson give exactly the values Django's `JSONField.from_db_value`
gives, for any JSON the database can hold, and the standard library's for what orjson
would read otherwise (integers beyond 64 bits) or refuses (a lone surrogate, a number
beyond a float's range)."""

from __future__ import annotations

import json
import math

from django.db.models import JSONField
from django.db.models.fields.json import KeyTransform
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.core.json_columns import faster_converters, json_from_db

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def django_reads(text):
    return JSONField().from_db_value(text, None, None)


def typed(value):
    """`value` with each number's type beside it (True == 1, 1 == 1.0 and 0.0 == -0.0 in
    Python), so that equal means the same JSON values."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, float):
        return (float, math.copysign(1, value), value)
    return (type(value), value)


class JsonFromDbTests(SimpleTestCase):
    @settings(max_examples=300, deadline=None)
    @given(value=VALUES, ascii_only=st.booleans())
    def test_it_reads_what_django_reads(self, value, ascii_only):
        text = json.dumps(value, ensure_ascii=ascii_only)
        self.assertEqual(typed(json_from_db(text, None, None)), typed(django_reads(text)))

    def test_the_edges_read_as_django_reads_them(self):
        for text in (
            str(2**64),  # orjson: a float
            str(-(2**63) - 1),
            '{"n": 123456789012345678901234567890}',
            "1e400",  # orjson refuses; Python: infinity
            '"\\ud800"',  # a lone surrogate
            "[1.5, -0.0, 1E5]",
            "not JSON",  # Django gives the text back
            "",
            '"caf\\u00e9 \u2013 ok"',
        ):
            with self.subTest(text=text):
                self.assertEqual(typed(json_from_db(text, None, None)), typed(django_reads(text)))

    def test_none_and_extracted_values_pass_through(self):
        self.assertIsNone(json_from_db(None, None, None))
        transform = KeyTransform("a", "data")
        self.assertEqual(json_from_db(3, transform, None), 3)


class FasterConvertersTests(SimpleTestCase):
    def test_only_json_fields_without_a_decoder_are_replaced(self):
        plain, decoding = JSONField(), JSONField(decoder=json.JSONDecoder)

        def other(value, expression, connection):
            return value

        converters = {
            0: ([plain.from_db_value], "e0"),
            1: ([decoding.from_db_value], "e1"),
            2: ([other, plain.from_db_value], "e2"),
        }
        faster = faster_converters(converters)
        self.assertEqual(faster[0], ([json_from_db], "e0"))
        self.assertEqual(faster[1], ([decoding.from_db_value], "e1"))
        self.assertEqual(faster[2], ([other, json_from_db], "e2"))
