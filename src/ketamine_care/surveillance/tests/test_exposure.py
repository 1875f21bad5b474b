"""Cumulative exposure: window edges, unknown doses, and monotonicity in added doses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.surveillance.exposure import Dose, Exposure, cumulative_exposure, in_window

TODAY = date(2026, 11, 29)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.mark.parametrize(
    ("days_ago", "in_30", "in_365"),
    [
        (-1, False, False),  # tomorrow: a planned dose never counts
        (0, True, True),  # today counts
        (29, True, True),
        (30, False, True),  # exactly 30 days ago is outside the 30-day window
        (364, False, True),
        (365, False, False),  # exactly 365 days ago is outside the 365-day window
    ],
)
def test_window_edges(days_ago, in_30, in_365):
    result = cumulative_exposure([Dose(ago(days_ago), 56.0)], today=TODAY)
    assert result.sessions_last_30_days == int(in_30)
    assert result.mg_last_30_days == (56.0 if in_30 else 0.0)
    assert result.sessions_last_365_days == int(in_365)
    assert result.mg_last_365_days == (56.0 if in_365 else 0.0)
    assert in_window(ago(days_ago), today=TODAY, days=30) is in_30


def test_table_of_a_maintenance_course():
    doses = [Dose(ago(d), 84.0) for d in (1, 8, 15, 22, 29)] + [
        Dose(ago(d), 56.0) for d in (40, 100, 200, 400)
    ]
    result = cumulative_exposure(doses, today=TODAY)
    assert result == Exposure(5, 420.0, 8, 588.0)
    assert result.as_dict() == {
        "sessions_last_30_days": 5,
        "mg_last_30_days": 420.0,
        "sessions_last_365_days": 8,
        "mg_last_365_days": 588.0,
    }
    assert result.notes() == []


def test_an_unknown_dose_counts_as_a_session_not_in_mg_and_is_said():
    result = cumulative_exposure([Dose(ago(2), None), Dose(ago(3), 40.5)], today=TODAY)
    assert result.sessions_last_30_days == 2
    assert result.mg_last_30_days == 40.5
    assert result.sessions_without_mg_last_30_days == 1
    assert result.sessions_without_mg_last_365_days == 1
    assert set(result.as_dict()) == {
        "sessions_last_30_days",
        "mg_last_30_days",
        "sessions_last_365_days",
        "mg_last_365_days",
    }
    assert result.as_report() == {
        **result.as_dict(),
        "sessions_without_mg_last_30_days": 1,
        "sessions_without_mg_last_365_days": 1,
    }
    assert result.notes() == [
        "1 session in the last 30 days without a recorded dose: counted as sessions, "
        "not in the mg total",
        "1 session in the last 365 days without a recorded dose: counted as sessions, "
        "not in the mg total",
    ]


def test_no_doses_is_no_exposure():
    assert cumulative_exposure([], today=TODAY) == Exposure(0, 0.0, 0, 0.0)


@pytest.mark.parametrize("mg", [-1.0, float("nan"), float("inf")])
def test_a_dose_must_be_a_finite_amount(mg):
    with pytest.raises(ValueError, match="mg must be a number"):
        Dose(TODAY, mg)


doses_strategy = st.lists(
    st.builds(
        Dose,
        day=st.integers(-5, 500).map(ago),
        mg=st.none() | st.floats(0, 200, allow_nan=False),
    ),
    max_size=30,
)


@given(doses=doses_strategy, extra=doses_strategy)
def test_exposure_is_monotone_in_added_doses(doses, extra):
    before = cumulative_exposure(doses, today=TODAY)
    after = cumulative_exposure(doses + extra, today=TODAY)
    for key, value in before.as_dict().items():
        assert after.as_dict()[key] >= value, key


@given(doses=doses_strategy)
def test_the_30_day_window_never_exceeds_the_365_day_one(doses):
    result = cumulative_exposure(doses, today=TODAY)
    assert result.sessions_last_30_days <= result.sessions_last_365_days
    assert result.mg_last_30_days <= result.mg_last_365_days + 1e-6
    assert result.sessions_without_mg_last_30_days <= result.sessions_last_30_days


@given(doses=doses_strategy)
def test_an_unknown_dose_never_lowers_exposure_below_what_is_known(doses):
    known = [d for d in doses if d.mg is not None]
    assert cumulative_exposure(doses, today=TODAY).mg_last_365_days == pytest.approx(
        cumulative_exposure(known, today=TODAY).mg_last_365_days
    )


def test_the_dose_trend_names_first_latest_and_highest_in_the_year():
    from ketamine_care.surveillance.exposure import dose_trend

    doses = [Dose(ago(400), 100.0), Dose(ago(200), 56.0), Dose(ago(100), 84.0)]
    doses += [Dose(ago(10), None), Dose(ago(5), 70.0)]
    trend = dose_trend(doses, today=TODAY)
    assert (trend.first_mg, trend.latest_mg, trend.highest_mg, trend.sessions) == (
        56.0,
        70.0,
        84.0,
        3,
    )
    assert trend.rising
    assert dose_trend([Dose(ago(1), None)], today=TODAY) is None
