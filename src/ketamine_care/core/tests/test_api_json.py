"""The API's renderer writes the values ninja's renderer writes, for generated answers full
of ids, times, dates and decimals (aware, naive, with and without microseconds), and of the
values it leaves to ninja (IP addresses, times, durations, lazy text, subclasses): the two
texts parse to the same values, and times keep their exact text (milliseconds, "Z")."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import json
import uuid

from django.db import models
from django.test import SimpleTestCase
from django.utils.functional import lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from ninja.responses import NinjaJSONEncoder

from ketamine_care.config.api import api
from ketamine_care.core.api_json import ApiJSONRenderer, dumps


class Colour(models.TextChoices):
    RED = "red", "Red"


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


class ApiJSONRendererTests(SimpleTestCase):
    @settings(max_examples=150, deadline=None)
    @given(answer=ANSWERS)
    def test_it_writes_the_values_ninjas_renderer_writes(self, answer):
        self.assertEqual(json.loads(dumps(answer)), json.loads(ninja(answer)))

    def test_times_dates_ids_and_decimals_keep_their_exact_text(self):
        value = {
            "at": datetime.datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=datetime.UTC),
            "local": datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.timezone(-HALF)),
            "naive": datetime.datetime(2026, 3, 4, 5, 6, 7, 5000),
            "day": datetime.date(2026, 3, 4),
            "clock": datetime.time(5, 6, 7, 891234),
            "id": uuid.UUID(int=7),
            "mg": decimal.Decimal("37.50"),
        }
        self.assertEqual(
            dumps(value),
            b'{"at":"2026-03-04T05:06:07.891Z","local":"2026-03-04T05:06:07-07:30",'
            b'"naive":"2026-03-04T05:06:07.005","day":"2026-03-04","clock":"05:06:07.891",'
            b'"id":"00000000-0000-0000-0000-000000000007","mg":"37.50"}',
        )

    def test_the_api_renders_with_it_and_unknown_values_still_fail(self):
        self.assertIsInstance(api.renderer, ApiJSONRenderer)
        with self.assertRaises(TypeError):
            dumps({"x": object()})

    def test_what_orjson_refuses_is_written_as_ninja_writes_it(self):
        value = {"big": 2**70, 3: "a number key", "text": "caf\u00e9 \ud800"}
        self.assertEqual(json.loads(dumps(value)), json.loads(ninja(value)))

    def test_a_decimal_or_uuid_subclass_goes_to_ninja(self):
        class Money(decimal.Decimal):
            pass

        value = [Money("1.50"), uuid.UUID(int=7), decimal.Decimal("-0.000")]
        self.assertEqual(json.loads(dumps(value)), json.loads(ninja(value)))


HALF = datetime.timedelta(hours=7, minutes=30)


def ninja(answer) -> str:
    return json.dumps(answer, cls=NinjaJSONEncoder)
