"""`DictSchema` validates a plain dict without ninja's getter: the same values, the same
JSON and the same errors as ninja's `Schema`, over generated answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ninja import Schema
from pydantic import ValidationError

from ketamine_care.core.api_schema import DictSchema


class AlertFast(DictSchema):
    id: UUID
    severity: str


class RowFast(DictSchema):
    id: UUID
    total: int | None
    dose: Decimal | None
    born: date
    at: datetime
    answers: dict[str, int | list[int]]
    alerts: list[AlertFast]
    note: str | None = None


class AlertSlow(Schema):
    id: UUID
    severity: str


class RowSlow(Schema):
    id: UUID
    total: int | None
    dose: Decimal | None
    born: date
    at: datetime
    answers: dict[str, int | list[int]]
    alerts: list[AlertSlow]
    note: str | None = None


alerts = st.lists(st.fixed_dictionaries({"id": st.uuids(), "severity": st.sampled_from("ab")}))
rows = st.fixed_dictionaries(
    {
        "id": st.uuids() | st.uuids().map(str),
        "total": st.none() | st.integers(-(2**40), 2**40) | st.text(max_size=3),
        "dose": st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=3),
        "born": st.dates(),
        "at": st.datetimes(timezones=st.just(UTC)),
        "answers": st.dictionaries(
            st.text(max_size=4), st.integers(0, 9) | st.lists(st.integers(0, 9), max_size=3)
        ),
        "alerts": alerts,
    },
    optional={"note": st.none() | st.text(max_size=5), "extra": st.integers()},
)


def _outcome(schema, data):
    try:
        return schema.model_validate(data).model_dump_json()
    except ValidationError as exc:
        return [(e["loc"], e["type"]) for e in exc.errors()]


@given(row=rows, drop=st.sampled_from([None, "id", "alerts", "at"]))
def test_a_dict_validates_as_with_ninjas_getter(row, drop):
    if drop:
        row = {k: v for k, v in row.items() if k != drop}
    assert _outcome(RowFast, row) == _outcome(RowSlow, row)


def test_an_object_still_goes_through_ninjas_getter():
    alert = SimpleNamespace(id=UUID(int=1), severity="a")
    assert AlertFast.model_validate(alert).model_dump() == {"id": UUID(int=1), "severity": "a"}


def test_a_wrong_value_is_still_refused():
    with pytest.raises(ValidationError):
        AlertFast.model_validate({"id": "not a uuid", "severity": "a"})
