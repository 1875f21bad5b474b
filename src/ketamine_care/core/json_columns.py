"""JSON columns read by orjson: the values Django's `JSONField.from_db_value` gives, at a
fifth of the CPU.

A page of a chart's administrations reads three JSON columns per row (answers, subscales,
flags), three hundred values per page: the standard library's parser and the field's
wrapper around it were a third of that request's CPU. orjson parses JSON to the same
values, with two exceptions, both sent to the standard library instead:
- an integer beyond 64 bits, which orjson reads as a float (and a number of 19 or more
  digits anywhere, which may be one);
- what orjson refuses and the standard library reads: a lone surrogate (`"\\ud800"`), a
  number beyond a float's range (`1e400`, read as infinity).
`core/tests/test_json_columns.py` compares the two over generated values."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from django.db.models import JSONField
from django.db.models.fields.json import KeyTransform

_LONG_NUMBER = re.compile(r"\d{19}")


def json_from_db(value: Any, expression: Any, connection: Any) -> Any:
    """`JSONField.from_db_value` for a field without a decoder of its own."""
    if value is None:
        return value
    # Some backends (SQLite at least) extract non-string values in their SQL datatypes.
    if isinstance(expression, KeyTransform) and not isinstance(value, str):
        return value
    if isinstance(value, str) and (len(value) < 19 or not _LONG_NUMBER.search(value)):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def faster_converters(converters: dict[int, tuple[list, Any]]) -> dict[int, tuple[list, Any]]:
    """`compiler.get_converters(...)` with each decoder-less JSON field's `from_db_value`
    replaced by `json_from_db`, in the same place."""
    return {
        column: ([_faster(convert) for convert in functions], expression)
        for column, (functions, expression) in converters.items()
    }


def _faster(convert):
    field = getattr(convert, "__self__", None)
    if (
        getattr(convert, "__func__", None) is JSONField.from_db_value
        and isinstance(field, JSONField)
        and field.decoder is None
    ):
        return json_from_db
    return convert
