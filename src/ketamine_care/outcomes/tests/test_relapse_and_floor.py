"""SUSTAIN-1 relapse apart from loss of response, and percent change above a scale's floor."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.instruments.definition import load_definition
from ketamine_care.outcomes.relapse import RelapseEvent, sustained_relapse_at
from ketamine_care.outcomes.rules import (
    ScorePoint,
    classify_response,
    load_thresholds,
    percent_change,
    summarise_outcome,
)

T0 = datetime(2026, 1, 5, 9, 0)
DAY = timedelta(days=1)
MADRS = load_thresholds().for_instrument("madrs")


def series(*pairs: tuple[float, float]) -> list[ScorePoint]:
    """(day, MADRS total) pairs; day 0 is the baseline."""
    return [ScorePoint(T0 + day * DAY, total) for day, total in pairs]


# Baseline 30, response (<= 15) on day 7, then the pair under test.
RELAPSE_TABLE = [
    # (second-phase ratings, relapsed, relapse day, loss of response)
    pytest.param([(14, 22), (21, 24)], True, 21, True, id="22 and 24, 7 days apart"),
    pytest.param([(14, 22), (19, 22)], True, 19, True, id="exactly 5 days apart"),
    pytest.param([(14, 22), (29, 23)], True, 29, True, id="exactly 15 days apart"),
    pytest.param([(14, 22), (17, 25)], False, None, True, id="3 days apart: too close"),
    pytest.param([(14, 22), (30, 25)], False, None, True, id="16 days apart: too far"),
    pytest.param([(14, 21), (21, 21)], False, None, True, id="21 twice: loss of response only"),
    pytest.param([(14, 22), (18, 14), (21, 22)], False, None, False, id="broken by a response"),
    pytest.param([(14, 22), (16, 23), (19, 24)], True, 19, True, id="daily ratings keep the run"),
    pytest.param([(14, 16), (21, 14)], False, None, False, id="one miss, then response again"),
    pytest.param(
        [(14, 10), (21, 22), (28, 24)], True, 28, True, id="a good rating before the pair"
    ),
    pytest.param(
        [(14, 22), (21, 10), (28, 22), (35, 24)], True, 35, True, id="a broken pair, then one"
    ),
]


@pytest.mark.parametrize("later,relapsed,day,lost", RELAPSE_TABLE)
def test_sustain1_relapse_versus_loss_of_response(later, relapsed, day, lost) -> None:
    s = summarise_outcome(series((0, 30), (7, 15), *later), 0, MADRS)
    assert s.relapsed is relapsed
    assert s.relapse_at == (T0 + day * DAY if day is not None else None)
    assert s.loss_of_response is lost


def test_relapse_needs_a_response_first() -> None:
    s = summarise_outcome(series((0, 30), (7, 28), (14, 29)), 0, MADRS)
    assert (s.relapsed, s.loss_of_response, s.first_response_at) == (False, False, None)


def test_a_hospitalisation_or_suicide_attempt_is_relapse_at_its_time() -> None:
    points = series((7, 15), (14, 16))
    rule = MADRS.relapse
    event = RelapseEvent(T0 + 10 * DAY, "suicide_attempt")
    assert sustained_relapse_at(points, rule, T0 + 7 * DAY, [event]) == T0 + 10 * DAY
    before = RelapseEvent(T0 + 3 * DAY, "hospitalisation_worsening_depression")
    assert sustained_relapse_at(points, rule, T0 + 7 * DAY, [before]) is None


def test_relapse_counts_only_after_the_first_response() -> None:
    # Baseline 50: the response rating itself (25, a 50 % reduction) is above the relapse
    # line, but it is the response, not the first of a relapse pair.
    s = summarise_outcome(series((0, 50), (7, 25), (14, 24)), 0, MADRS)
    assert (s.first_response_at, s.relapsed) == (T0 + 7 * DAY, False)
    at_response = RelapseEvent(T0 + 7 * DAY, "hospitalisation_worsening_depression")
    assert (
        sustained_relapse_at(series((14, 16)), MADRS.relapse, T0 + 7 * DAY, [at_response]) is None
    )


def test_relapse_rule_is_sourced_data() -> None:
    rule = load_thresholds().relapse["madrs"]
    assert (rule.op, rule.value, rule.min_days_apart, rule.max_days_apart) == (">=", 22, 5, 15)
    assert "[@daly-2019]" in rule.source and rule.editable


def test_instruments_without_a_relapse_definition_report_none_not_false() -> None:
    phq9 = load_thresholds().for_instrument("phq9")
    s = summarise_outcome(series((0, 20), (7, 8), (14, 15), (21, 16)), 0, phq9)
    assert s.relapsed is None and s.loss_of_response is True


def test_a_clinics_old_relapse_override_becomes_the_loss_of_response_rule() -> None:
    t = load_thresholds().with_overrides({"relapse": {"consecutive_non_response": 3}})
    assert t.loss_of_response.consecutive_non_response == 3
    assert t.relapse["madrs"].value == 22


@pytest.mark.parametrize(
    "code,baseline,now,expected",
    [
        ("cdrs_r", 57, 37, -50.0),  # (37 - 57) / (57 - 17)
        ("cdrs_r", 57, 17, -100.0),  # the floor is full improvement
        ("bprs18", 38, 28, -50.0),  # (28 - 38) / (38 - 18)
        ("madrs", 30, 15, -50.0),  # floor 0: unchanged
    ],
)
def test_percent_change_counts_from_the_instruments_floor(code, baseline, now, expected) -> None:
    floor = load_definition(code).total_range.min
    assert percent_change(baseline, now, floor) == pytest.approx(expected)


def test_floor_changes_response_on_cdrs_r() -> None:
    t = load_thresholds().for_instrument("cdrs_r", floor=17)
    # 57 -> 37 is only 35 % of the raw total but 50 % of the range above the floor.
    assert classify_response(57, 37, t.response, t.floor).responder is True
    assert classify_response(57, 37, t.response).responder is False
    at_floor = summarise_outcome(series((0, 17), (7, 17)), 0, t)
    assert at_floor.percent_change is None and at_floor.responder is None


@given(
    floor=st.integers(0, 20),
    above=st.integers(1, 100),
    now_a=st.integers(0, 120),
    now_b=st.integers(0, 120),
)
def test_percent_change_is_monotonic_in_the_current_total(floor, above, now_a, now_b) -> None:
    baseline = floor + above
    low, high = sorted((floor + now_a, floor + now_b))
    assert percent_change(baseline, low, floor) <= percent_change(baseline, high, floor)
    assert percent_change(baseline, floor, floor) == -100.0
