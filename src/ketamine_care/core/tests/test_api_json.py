"""The API's encoder writes exactly what ninja's encoder writes, for generated answers full
of ids, times, dates and decimals (aware, naive, with and without microseconds), and of the
values it leaves to ninja (enums, IP addresses, times, durations, lazy text, subclasses)."""

from __future__ import annotations

import datetime
import decimal
import enum
import ipaddress
import json
import uuid

from django.test import SimpleTestCase
from django.utils.functional import lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from ninja.responses import NinjaJSONEncoder

from ketamine_care.config.api import api
from ketamine_care.core.api_json import ApiJSONEncoder


class Colour(enum.Enum):
    RED = "red"


class Stamp(datetime.datetime):
    pass


ZONES = st.sampled_from(
    [None, datetime.UTC, datetime.timezone(datetime.timedelta(hours=-7, minutes=-30))]
)
VALUES = st.one_of(
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.datetimes(timezones=ZONES),
    st.datetimes(timezones=ZONES).map(lambda d: Stamp.fromisoformat(d.isoformat())),
    st.dates(),
    st.times(),
    st.timedeltas(),
    st.just(Colour.RED),
    st.ip_addresses().map(ipaddress.ip_address),
    st.just(lazy(lambda: "lazy text", str)()),
    st.text(max_size=5),
    st.integers(),
    st.none(),
    st.booleans(),
)
ANSWERS = st.recursive(
    VALUES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


class ApiJSONEncoderTests(SimpleTestCase):
    @settings(max_examples=300, deadline=None)
    @given(answer=ANSWERS)
    def test_it_writes_what_ninjas_encoder_writes(self, answer):
        self.assertEqual(
            json.dumps(answer, cls=ApiJSONEncoder), json.dumps(answer, cls=NinjaJSONEncoder)
        )

    def test_the_api_renders_with_it_and_unknown_values_still_fail(self):
        self.assertIs(api.renderer.encoder_class, ApiJSONEncoder)
        self.assertEqual(api.renderer.json_dumps_params, {})
        with self.assertRaises(TypeError):
            json.dumps({"x": object()}, cls=ApiJSONEncoder)

    def test_a_decimal_or_uuid_subclass_goes_to_ninja(self):
        class Money(decimal.Decimal):
            pass

        value = [Money("1.50"), uuid.UUID(int=7), decimal.Decimal("-0.000")]
        self.assertEqual(
            json.dumps(value, cls=ApiJSONEncoder), json.dumps(value, cls=NinjaJSONEncoder)
        )
