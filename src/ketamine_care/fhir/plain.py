"""Resources as plain JSON data, and the fhir.resources model built from the same data.

Each resource mapping is written once, as a function from a row to the resource's data (the
fields a fhir.resources model takes, by their JSON names, with `resourceType`). The API
validates that data through the type's model (`modelled`) and answers the model's JSON. The
Bulk export writes the same data with `dumps`, without a model per row: validating and
serialising a model costs about 450 µs per resource, this about 15 µs. The two give the
same JSON because `dumps` does what the model's `model_dump_json(exclude_none=True)` does
to such data: fields that are None or empty lists are left out, a Decimal is a JSON number
(FHIR decimals are numbers), an instant is ISO 8601 with `Z` for UTC (pydantic's format).
fhir/tests/test_plain_json.py proves it for every part of every type and every demo row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache, partial
from typing import Any

from pydantic_core import to_json


def clean(value: Any) -> Any:
    """The data as the model serialises it: no None, no empty list, Decimals as floats.
    (Type checks by identity: this runs for every node of every exported resource.)"""
    kind = type(value)
    if kind is dict:
        cleaned = {}
        for key, item in value.items():
            if item is None:
                continue
            if type(item) in _NESTED:
                item = clean(item)
                if item == []:
                    continue
            cleaned[key] = item
        return cleaned
    if kind is list:
        return [
            clean(item) if type(item) in _NESTED else item for item in value if item is not None
        ]
    if kind is Decimal:
        return float(value)
    return value


_NESTED = {dict, list, Decimal}


class Cleaned(dict):
    """Data already as the model writes it: `clean` passes it through untouched. For the
    parts of a mapping every row shares (an Observation kind's code and category)."""


def cleaned(data: dict) -> Cleaned:
    return Cleaned(clean(data))


def dumps(data: dict) -> bytes:
    """One resource's JSON, UTF-8 (datetimes and dates serialised as pydantic does)."""
    return to_json(clean(data))


@cache
def fhir_model(resource_type: str):
    """fhir.resources' R4B model of a resource type, imported on first use: the models take
    most of a second to import, and most processes (a console command, a web worker that
    serves no FHIR) never build one."""
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource_type)


def modelled(resource_type: str, to_data: Callable[[Any], dict]) -> Callable[[Any], Any]:
    """`to_fhir` for a registry part: the row's data validated through the type's model."""

    def to_fhir(row):
        return fhir_model(resource_type).model_validate(to_data(row))

    to_fhir.__doc__ = f"The {resource_type} of a row, from {to_data.__name__}."
    return to_fhir


class Values:
    """A row read as a tuple of columns, with the attributes `to_data` reads (`patient`
    is itself a Values with `public_id`): no model instance, and no column to_data does not
    read. A part lists those columns in `data_fields`; reading any other attribute raises
    AttributeError, so the proof that both rows give the same JSON also proves the list."""

    __slots__ = ("__dict__",)


def values_reader(fields: tuple[str, ...]) -> Callable[[tuple], Values]:
    """A function turning a `values_list(*fields)` tuple into a Values row."""
    plan: dict = {}
    for index, field in enumerate(fields):
        *steps, last = field.split("__")
        level = plan
        for step in steps:
            level = level.setdefault(step, {})
        level[last] = index
    return partial(_build, _steps(plan))


def _steps(plan: dict) -> tuple:
    """(name, column index or nested steps) pairs, so reading a row is one pass per level."""
    return tuple((k, v if type(v) is int else _steps(v)) for k, v in plan.items())


def _build(steps: tuple, values: tuple) -> Values:
    row = Values()
    attributes = row.__dict__
    for name, spec in steps:
        attributes[name] = values[spec] if type(spec) is int else _build(spec, values)
    return row
