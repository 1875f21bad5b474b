"""When scheduled questionnaires fall due, and quiet hours on the clinic's wall clock, across
daylight-saving changes (issue 14 item 5; pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.portal import measure_rules as rules
from ketamine_care.portal.measure_rules import Visit, in_quiet_hours, quiet_hours_end

NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
NEW_YORK = "America/New_York"
WINDOWS = {rules.AFTER_SESSION_1D: (24, 6), rules.AFTER_SESSION_7D: (168, 24)}
QUIET = {"time_zone": NEW_YORK, "start": time(21, 0), "end": time(8, 0)}


def plan(upcoming=(), finished=(), now=NOW, pre_dose=("cssrs_screener",), follow_up=()):
    return rules.planned_requests(
        upcoming=list(upcoming),
        finished=list(finished),
        pre_dose=pre_dose,
        follow_up=follow_up,
        clinic_instruments=("phq9",),
        after_windows=WINDOWS,
        now=now,
    )


def test_a_visit_tomorrow_gets_the_clinic_and_protocol_questionnaires_24_hours_before():
    visit = Visit(1, NOW + timedelta(hours=20))
    [request] = plan(upcoming=[visit])
    assert request.kind == rules.PRE_VISIT
    assert request.due_at == visit.starts_at - timedelta(hours=24)
    assert request.expires_at == visit.starts_at  # unanswered at the visit: missed
    assert request.instrument_codes == ("phq9", "cssrs_screener")


def test_a_visit_more_than_24_hours_away_is_not_due_yet():
    assert plan(upcoming=[Visit(1, NOW + timedelta(hours=25))]) == []


def test_a_session_gets_the_day_1_and_day_7_requests_each_open_over_its_window():
    dosed = NOW - timedelta(hours=20)
    [day1] = plan(finished=[Visit(1, dosed, dosed + timedelta(hours=2), dosed)], follow_up=())
    assert day1.kind == rules.AFTER_SESSION_1D
    # Open exactly while an answer lands in the early-response table's 24 h +/- 6 h window.
    assert (day1.due_at, day1.expires_at) == (
        dosed + timedelta(hours=18),
        dosed + timedelta(hours=30),
    )
    assert day1.instrument_codes == ("phq9",)
    assert plan(finished=[Visit(1, dosed, dosed, NOW - timedelta(hours=31))]) == []
    week = NOW - timedelta(days=7, hours=1)
    kinds = [r.kind for r in plan(finished=[Visit(2, week, week)], upcoming=[])]
    assert kinds == [rules.AFTER_SESSION_7D]


def test_follow_up_comes_after_the_last_session_only_when_no_visit_is_booked():
    ended = NOW - timedelta(days=rules.FOLLOW_UP_DAYS, hours=1)
    finished = [Visit(1, ended, ended)]
    [follow] = plan(finished=finished, follow_up=("gad7",))
    assert follow.kind == rules.FOLLOW_UP
    assert follow.instrument_codes == ("phq9", "gad7")
    booked = Visit(2, NOW + timedelta(days=10))
    assert plan(finished=finished, upcoming=[booked]) == []


def test_protocol_instruments_are_the_self_report_ones_of_the_time_point():
    rows = [
        SimpleNamespace(instrument="madrs", time_point="pre_dose", every_session=True),
        SimpleNamespace(instrument="cssrs_screener", time_point="pre_dose", every_session=True),
        SimpleNamespace(instrument="gad7", time_point="pre_dose", every_session=False),
        SimpleNamespace(instrument="pcl5", time_point="follow_up", every_session=False),
    ]
    self_report = {"cssrs_screener", "gad7", "pcl5"}
    found = rules.protocol_instruments(rows, self_report, time_point="pre_dose")
    assert found == ("cssrs_screener",)
    assert rules.protocol_instruments(rows, self_report, time_point="follow_up") == ("pcl5",)


def local(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(NEW_YORK))


def test_quiet_hours_are_wall_clock_hours_on_both_sides_of_the_spring_change():
    # 8 March 2026: New York goes from UTC-5 to UTC-4 at 02:00.
    assert in_quiet_hours(local(2026, 3, 7, 21, 30), **QUIET)
    assert in_quiet_hours(local(2026, 3, 8, 7, 59), **QUIET)
    assert not in_quiet_hours(local(2026, 3, 8, 8, 0), **QUIET)
    # 07:30 local after the change is 11:30 UTC; the same UTC time the day before was 06:30.
    assert in_quiet_hours(datetime(2026, 3, 8, 11, 30, tzinfo=UTC), **QUIET)
    assert not in_quiet_hours(datetime(2026, 3, 8, 12, 30, tzinfo=UTC), **QUIET)
    assert in_quiet_hours(datetime(2026, 3, 7, 12, 30, tzinfo=UTC), **QUIET)


def test_quiet_hours_end_at_08_local_on_the_autumn_change_day():
    # 1 November 2026: New York goes back from UTC-4 to UTC-5 at 02:00.
    ends = quiet_hours_end(local(2026, 10, 31, 23, 0), **QUIET)
    assert ends.astimezone(UTC) == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 08:00 EST
    ends = quiet_hours_end(local(2026, 3, 7, 23, 0), **QUIET)
    assert ends.astimezone(UTC) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT
    outside = local(2026, 11, 1, 12, 0)
    assert quiet_hours_end(outside, **QUIET) == outside


def test_equal_start_and_end_means_no_quiet_hours_and_a_daytime_span_works():
    assert not in_quiet_hours(NOW, time_zone=NEW_YORK, start=time(0), end=time(0))
    lunch = {"time_zone": NEW_YORK, "start": time(12, 0), "end": time(13, 0)}
    assert in_quiet_hours(local(2026, 6, 1, 12, 30), **lunch)
    assert not in_quiet_hours(local(2026, 6, 1, 13, 0), **lunch)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_sending_resumes_outside_quiet_hours_within_a_day(naive):
    moment = naive.replace(tzinfo=UTC)
    resumes = quiet_hours_end(moment, **QUIET)
    assert not in_quiet_hours(resumes, **QUIET)
    assert moment <= resumes <= moment + timedelta(hours=12)


@given(st.integers(min_value=0, max_value=400))
def test_nothing_is_due_before_its_time_or_after_it_expires(hours_from_now):
    visit = Visit(1, NOW + timedelta(hours=hours_from_now))
    ended = NOW - timedelta(hours=hours_from_now)
    for request in plan(upcoming=[visit], finished=[Visit(2, ended, ended)]):
        assert request.due_at <= NOW < request.expires_at
