"""The dashboard's statistics against hand-worked and published values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.registry.stats import at_risk, kaplan_meier, median_time_to_response, wilson

# Newcombe 1998, Table II, method 3 (the Wilson score interval), to 4 decimals.
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), NEWCOMBE)
def test_wilson_matches_newcombes_worked_examples(k, n, low, high):
    result = wilson(k, n)
    assert (round(result.low, 4), round(result.high, 4)) == (low, high)
    assert result.estimate == k / n


def test_wilson_by_hand_for_half_of_ten():
    # p = 0.5, n = 10, z = 1.96: centre 0.5; half = 1.96 / 1.38416 * sqrt(0.025 + 0.0096040)
    result = wilson(5, 10)
    half = 1.96 / (1 + 1.96**2 / 10) * math.sqrt(0.25 / 10 + 1.96**2 / 400)
    assert result.low == pytest.approx(0.5 - half)
    assert result.high == pytest.approx(0.5 + half)
    assert (round(result.low, 4), round(result.high, 4)) == (0.2366, 0.7634)


def test_wilson_all_events_reaches_one_exactly():
    result = wilson(20, 20)
    assert result.high == 1.0
    assert round(result.low, 4) == 0.8389  # the mirror of 0 of 20


def test_wilson_of_nobody_is_none_and_bad_counts_are_refused():
    assert wilson(0, 0) is None
    for k, n in [(-1, 5), (6, 5), (0, -1)]:
        with pytest.raises(ValueError):
            wilson(k, n)


@given(st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
))  # fmt: skip
def test_wilson_contains_the_estimate_inside_zero_one(pair):
    k, n = pair
    result = wilson(k, n)
    assert 0.0 <= result.low <= result.estimate <= result.high <= 1.0


@given(
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=1, max_value=10),
    st.integers(min_value=2, max_value=50),
)
def test_wilson_narrows_as_the_same_share_grows(k, n, factor):
    k = min(k, n)
    small, large = wilson(k, n), wilson(k * factor, n * factor)
    assert large.high - large.low < small.high - small.low


# A hand-worked censored example: six courses, days and whether the event happened.
#   day 1 event (6 at risk): S = 5/6
#   day 2 event + 1 censored (5 at risk): S = 5/6 * 4/5 = 2/3
#   day 3 event (3 at risk): S = 2/3 * 2/3 = 4/9
#   day 4 censored: S stays 4/9
#   day 5 event (1 at risk): S = 0
HAND_DAYS = [1, 2, 2, 3, 4, 5]
HAND_EVENTS = [True, True, False, True, False, True]


def test_kaplan_meier_by_hand_with_censoring():
    curve = kaplan_meier(HAND_DAYS, HAND_EVENTS)
    assert (curve.n, curve.events, curve.censored) == (6, 4, 2)
    expected = {0: 1.0, 1: 5 / 6, 2: 2 / 3, 3: 4 / 9, 4: 4 / 9, 5: 0.0}
    for day, value in expected.items():
        assert curve.at(day) == pytest.approx(value)
    assert curve.median == 3  # the first day the estimate is at or below one half
    for point in curve.points:
        assert point.low <= point.survival <= point.high


def test_number_at_risk_counts_those_followed_to_each_day():
    assert at_risk(HAND_DAYS, [0, 2, 3, 5, 6]) == [(0, 6), (2, 5), (3, 3), (5, 1), (6, 0)]


def _product_limit(durations, events):
    """An independent product-limit estimate: {event day: S(day)}."""
    s, out = 1.0, {}
    for day in sorted({d for d, e in zip(durations, events, strict=True) if e}):
        at_risk_now = sum(1 for d in durations if d >= day)
        deaths = sum(1 for d, e in zip(durations, events, strict=True) if e and d == day)
        s *= 1 - deaths / at_risk_now
        out[day] = s
    return out


def test_kaplan_meier_on_lifelines_waltons_data():
    from lifelines.datasets import load_waltons

    data = load_waltons()
    curve = kaplan_meier(list(data["T"]), list(data["E"].astype(bool)))
    # lifelines' documentation gives 56 days as this dataset's median survival time.
    assert curve.median == 56.0
    assert curve.n == 163
    for day, value in _product_limit(list(data["T"]), list(data["E"])).items():
        assert curve.at(day) == pytest.approx(value)
    for group, median in [("control", 58.0), ("miR-137", 26.0)]:
        rows = data[data["group"] == group]
        assert kaplan_meier(list(rows["T"]), list(rows["E"].astype(bool))).median == median


def test_kaplan_meier_of_nobody_and_of_no_events():
    assert kaplan_meier([], []) is None
    curve = kaplan_meier([10, 20, 30], [False, False, False])
    assert curve.median is None  # never reaches one half
    assert curve.at(30) == 1.0
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError):
        kaplan_meier([-1], [True])


def test_median_time_to_first_response_censors_non_responders():
    # Responses on days 7, 14 and 21; two courses followed to day 28 without one.
    median, curve = median_time_to_response([7, 14, 21, 28, 28], [True, True, True, False, False])
    # S: day 7 4/5, day 14 3/5, day 21 2/5 -> the median is day 21 (a plain median of the
    # responders would say 14).
    assert median == 21
    assert curve.events == 3
    assert median_time_to_response([], []) == (None, None)


def test_grouped_rows_with_weights_give_the_same_curve_and_numbers_at_risk():
    # Two events on day 1 and one each on days 2 and 3, grouped or one row per course.
    grouped = kaplan_meier([1, 2, 3], [True, True, True], [2, 1, 1])
    expanded = kaplan_meier([1, 1, 2, 3], [True, True, True, True])
    for day in range(4):
        assert grouped.at(day) == pytest.approx(expanded.at(day))
    assert grouped.at(1) == pytest.approx(0.5)
    days, events = HAND_DAYS, HAND_EVENTS
    doubled = kaplan_meier(days, events, [2] * 6)  # every course twice: the same estimate
    assert (doubled.n, doubled.events) == (12, 8)
    for day in range(6):
        assert doubled.at(day) == pytest.approx(kaplan_meier(days, events).at(day))
    assert at_risk([1, 2, 3], [0, 2, 4], weights=[5, 3, 2]) == [(0, 10), (2, 5), (4, 0)]
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True, False], [1, 0])
