"""Property checks over every instrument: totals in range, bands tile the range."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.instruments.definition import list_codes, load_definition
from ketamine_care.instruments.scoring import AnswerError, score

TOTALLED = [c for c in list_codes() if load_definition(c).total_range is not None]
BANDED = [c for c in list_codes() if load_definition(c).banding is not None]


# Once per instrument, not on every draw: Hypothesis works out a new strategy's properties
# again each time one is made (the draws are the same).
@functools.cache
def _answers(code: str) -> st.SearchStrategy[list[int]]:
    items = load_definition(code).items
    return st.tuples(*(st.sampled_from(i.allowed_values()) for i in items)).map(list)


@pytest.mark.parametrize("code", TOTALLED)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_totals_stay_in_range_and_get_a_band(code: str, data: st.DataObject) -> None:
    definition = load_definition(code)
    result = score(definition, data.draw(_answers(code)))
    assert definition.total_range is not None and result.total is not None
    assert definition.total_range.min <= result.total <= definition.total_range.max
    assert (result.band is None) == (definition.banding is None)
    for sub in definition.subscales:
        assert 0 <= result.subscales[sub.name] <= result.total


@pytest.mark.parametrize("code", BANDED)
def test_bands_cover_every_possible_total_once_and_are_monotone(code: str) -> None:
    definition = load_definition(code)
    assert definition.banding is not None and definition.total_range is not None
    order = [b.name for b in sorted(definition.banding.bands, key=lambda b: b.min)]
    last = -1
    for total in range(definition.total_range.min, definition.total_range.max + 1):
        hits = [b.name for b in definition.banding.bands if b.min <= total <= b.max]
        assert len(hits) == 1, (total, hits)
        assert order.index(hits[0]) >= last  # band never goes down as the total rises
        last = order.index(hits[0])


@pytest.mark.parametrize("code", list_codes())
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_value_outside_an_item_range_is_rejected(code: str, data: st.DataObject) -> None:
    definition = load_definition(code)
    answers = data.draw(_answers(code))
    position = data.draw(st.integers(0, len(answers) - 1))
    allowed = definition.items[position].allowed_values()
    answers[position] = data.draw(
        st.integers(-20, 200).filter(lambda v: v not in allowed), label="bad value"
    )
    with pytest.raises(AnswerError) as err:
        score(definition, answers)
    assert err.value.item_id == definition.items[position].id
