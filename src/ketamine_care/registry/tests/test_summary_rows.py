"""One course's summary row from its facts: outcome at the end of induction and at 3/6/12
months, first response, relapse with censoring, the early-response profile (pure)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from ketamine_care.courses.tests.builders import IV_SERIES, START, rules_for
from ketamine_care.outcomes.completeness import CompletenessReport
from ketamine_care.registry.rows import CourseFacts, Rating, induction_end, summary_row

IV = "iv-ketamine-trd"  # MADRS: response >= 50 % reduction, remission <= 10
ESK = "esketamine-trd-label"  # MADRS: remission <= 12; 8 induction sessions or 4 weeks
COMPLETE = CompletenessReport(expected=4, received=3, missing=(), analysable=True)


def at(day: int, hour: int = 10) -> datetime:
    return datetime.combine(START + timedelta(days=day), time(hour))


def facts(protocol, ratings, sessions, today, instrument="madrs"):
    return CourseFacts(
        start_date=START,
        today=START + timedelta(days=today),
        ratings=tuple(Rating(at(d, h), instrument, t) for d, h, t in ratings),
        session_times=tuple(at(s, 9) for s in sessions),
        rules=rules_for(protocol),
        completeness=COMPLETE,
    )


def test_remitter_on_the_iv_series_and_at_three_months():
    # Baseline 30 on day 0 at 8:00 (before the 9:00 infusion); 12 on day 17; 8 on day 92.
    row = summary_row(facts(IV, [(0, 8, 30), (17, 8, 12), (92, 10, 8)], IV_SERIES, 100))
    assert row.instrument == "madrs"
    assert row.baseline_total == 30
    assert row.sessions == 6
    assert row.induction_end_date == START + timedelta(days=17)
    assert (row.at_induction_end.response, row.at_induction_end.remission) == (True, False)
    assert (row.at_time_points["3m"].response, row.at_time_points["3m"].remission) == (True, True)
    # 6 and 12 months are not reached yet: unknown, not "no".
    assert row.at_time_points["6m"].response is None
    assert row.at_time_points["12m"].remission is None
    assert row.first_response_day == 17
    assert row.observed_days == 92
    assert row.followup_days == 100
    assert row.analysable is True
    assert (row.expected_measures, row.received_measures) == (4, 3)


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([(0, 8, 30), (92, 10, 16)], (False, False)),  # 47 % better: neither
        ([(0, 8, 30), (92, 10, 15)], (True, False)),  # exactly 50 %: response
        ([(0, 8, 30), (92, 10, 10)], (True, True)),  # <= 10: remission
        ([(0, 8, 30), (60, 10, 10)], (None, None)),  # 31 days before day 91: outside
        ([(0, 8, 30), (121, 10, 10)], (True, True)),  # 30 days after: inside
        ([(0, 8, 30), (85, 10, 10), (95, 10, 25)], (False, False)),  # nearest to day 91 wins
    ],
)
def test_three_month_point_reads_the_rating_nearest_day_91_within_a_month(ratings, expected):
    row = summary_row(facts(IV, ratings, IV_SERIES, 200))
    point = row.at_time_points["3m"]
    assert (point.response, point.remission) == expected


def test_no_baseline_before_the_first_session_makes_everything_unknown():
    row = summary_row(facts(IV, [(3, 8, 30), (17, 8, 10)], IV_SERIES, 100))
    assert row.baseline_total is None
    assert row.at_induction_end.response is None
    assert row.first_response_day is None
    assert row.relapse_event is None
    assert row.early == {"4h": None, "24h": None, "day7": None}


def test_no_session_yet():
    row = summary_row(facts(IV, [(0, 8, 30)], [], 10))
    assert row.sessions == 0
    assert row.first_session_date is None
    assert row.followup_days is None
    assert row.induction_end_date is None
    assert row.at_time_points["3m"].response is None


def test_induction_still_running_has_no_end_of_induction_outcome():
    row = summary_row(facts(IV, [(0, 8, 30), (7, 8, 10)], IV_SERIES[:3], 8))
    assert row.induction_end_date is None
    assert row.at_induction_end.remission is None
    assert row.first_response_day == 7


def test_esketamine_induction_ends_after_four_weeks_even_with_sessions_missed():
    rules = rules_for(ESK)
    days = [START + timedelta(days=d) for d in (0, 3, 7, 10)]
    assert induction_end(days, rules, START + timedelta(days=27)) is None
    assert induction_end(days, rules, START + timedelta(days=28)) == START + timedelta(days=28)


def test_relapse_after_response_is_an_event_with_its_time_from_first_response():
    # Response on day 17 (12), then MADRS >= 22 on day 40 and day 47 (7 days apart: SUSTAIN-1).
    ratings = [(0, 8, 30), (17, 8, 12), (40, 10, 24), (47, 10, 26)]
    row = summary_row(facts(IV, ratings, IV_SERIES, 60))
    assert row.relapse_event is True
    assert row.relapse_days == 30  # day 47 - day 17


def test_responder_without_relapse_is_censored_at_the_last_rating():
    ratings = [(0, 8, 30), (17, 8, 12), (40, 10, 24), (70, 10, 12)]
    row = summary_row(facts(IV, ratings, IV_SERIES, 80))
    assert row.relapse_event is False
    assert row.relapse_days == 53  # censored at day 70


def test_non_responder_is_never_at_risk_of_relapse():
    row = summary_row(facts(IV, [(0, 8, 30), (17, 8, 28)], IV_SERIES, 30))
    assert (row.relapse_event, row.relapse_days) == (None, None)


def test_protocol_without_response_definition_never_counts_a_response():
    # The SC anxiety protocol leaves GAD-7 response and remission to the clinic.
    ratings = [(0, 8, 20), (17, 8, 4), (40, 10, 20), (47, 10, 20)]
    row = summary_row(facts("sc-ketamine-anxiety", ratings, IV_SERIES, 60, instrument="gad7"))
    assert row.instrument == "gad7"
    assert row.at_induction_end.response is None  # undefined, not "no response"
    assert row.at_induction_end.remission is None
    assert row.first_response_day is None
    assert row.relapse_event is None
    assert row.early["day7"] is None


def test_early_response_profile_after_the_first_dose():
    # First dose day 0 at 9:00; pre-dose 30 at 8:00; 4 h (13:00) 14; 24 h 20; day 7 16.
    ratings = [(0, 8, 30), (0, 13, 14), (1, 9, 20), (7, 9, 15)]
    row = summary_row(facts(IV, ratings, [0, 7], 10))
    assert row.early == {"4h": True, "24h": False, "day7": True}


def test_early_response_is_unknown_where_no_rating_falls_in_the_window():
    ratings = [(0, 8, 30), (0, 16, 10)]  # 7 h after the dose: outside 4 h +/- 1 h
    row = summary_row(facts(IV, ratings, [0], 10))
    assert row.early["4h"] is None


def test_later_ratings_and_sessions_than_the_refresh_day_are_ignored():
    ratings = [(0, 8, 30), (17, 8, 12), (92, 10, 8)]
    row = summary_row(facts(IV, ratings, IV_SERIES, 50))
    assert row.observed_days == 17
    assert row.at_time_points["3m"].response is None
    assert row.first_session_date == date(2026, 1, 5)


def test_a_rating_after_the_first_dose_on_its_day_is_not_the_baseline():
    # Baseline 32 two days before; 14 at 13:00 after the 9:00 dose; 12 at the end.
    row = summary_row(facts(IV, [(-2, 10, 32), (0, 13, 14), (17, 8, 12)], IV_SERIES, 30))
    assert row.baseline_total == 32
    assert row.first_response_day == 0
    assert row.at_induction_end.response is True
