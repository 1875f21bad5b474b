"""The API's JSON renderer: ninja's, with the values every answer is full of (ids, times,
dates, decimals) encoded by their exact type first.

Ninja's encoder asks each such value whether it is a pydantic model, a URL, an IP address or
an enum before Django's encoder turns it into text: five `isinstance` checks against a dozen
classes, two hundred times for a page of administrations. `ApiJSONEncoder` turns a value of
exactly `uuid.UUID`, `Decimal`, `datetime` or `date` into the text ninja's encoder gives it,
and hands everything else (subclasses included) to ninja's encoder, so every answer is the
same bytes (core/tests/test_api_json.py)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class ApiJSONEncoder(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        kind = type(o)
        if kind is uuid.UUID or kind is decimal.Decimal:
            return str(o)
        if kind is datetime.datetime:
            return DjangoJSONEncoder.default(self, o)
        if kind is datetime.date:
            return o.isoformat()
        return super().default(o)


class ApiJSONRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder
