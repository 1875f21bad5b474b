"""The API's JSON renderer: the values of ninja's renderer, written by orjson.

Encoding the answers cost about a tenth of the API's CPU under load (`benchmarks/
http_mixed.py`), most of it the standard library's encoder calling back into Python for every
id, time, date and decimal, two hundred times for a page of administrations. orjson writes
ids, text, numbers, lists and maps itself and hands the rest to `default`, which gives each
value the text ninja's encoder gives it: times as Django writes them (milliseconds, "Z" for
UTC), dates in ISO form, decimals as text, everything else (pydantic models, addresses,
durations, lazy text) through ninja's encoder. An answer orjson cannot write (an integer
beyond 64 bits) goes through ninja's encoder whole, so it is written, or refused, as before.

The answers parse to exactly the values ninja's renderer gives (core/tests/test_api_json.py).
The text differs only where JSON allows it to: no spaces after separators, and characters
beyond ASCII written as UTF-8 (the answers say `charset=utf-8`) rather than escaped."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

# Times, dates and clock times come to `_default`, not orjson's own writer (microseconds,
# "+00:00"): the API has always written milliseconds and "Z". Keys that are not text
# (a number, an id) are written as text, as the standard encoder does.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_NINJA = NinjaJSONEncoder()


def _default(o: Any) -> Any:
    kind = type(o)
    if kind is datetime.datetime:
        return DjangoJSONEncoder.default(_NINJA, o)
    if kind is datetime.date:
        return o.isoformat()
    if kind is decimal.Decimal:
        return str(o)
    return _NINJA.default(o)


def dumps(data: Any) -> bytes:
    """`data` as the API writes it."""
    try:
        return orjson.dumps(data, default=_default, option=OPTIONS)
    except orjson.JSONEncodeError:
        return NinjaJSONEncoder().encode(data).encode()


class ApiJSONRenderer(JSONRenderer):
    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return dumps(data)
