"""Expected versus received measures, and whether a course is analysable."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.outcomes.completeness import (
    Received,
    ScheduledMeasure,
    assess_completeness,
    expected_measures,
)

SCHEDULE = [
    ScheduledMeasure("madrs", "baseline", False),
    ScheduledMeasure("madrs", "pre_dose", True),
    ScheduledMeasure("cadss", "post_dose", True),
    ScheduledMeasure("cadss", "pre_discharge", True),
]
MONDAY = datetime(2026, 3, 2, 9, 0)
SESSIONS = [MONDAY, MONDAY + timedelta(days=3), MONDAY + timedelta(days=7)]


def received(instrument, when, time_point):
    return Received(instrument, when, time_point)


def full_course():
    rows = [received("madrs", MONDAY - timedelta(days=5), "baseline")]
    for start in SESSIONS:
        rows += [
            received("madrs", start - timedelta(minutes=30), "pre_session"),
            received("cadss", start + timedelta(minutes=40), "during_session"),
            received("cadss", start + timedelta(minutes=110), "post_session"),
        ]
    return rows


def test_every_session_measure_is_due_once_per_session_plus_the_baseline():
    dues = expected_measures(SCHEDULE, SESSIONS)
    assert len(dues) == 1 + 3 * len(SESSIONS)
    assert [d.session_number for d in dues if d.instrument == "madrs"] == [None, 1, 2, 3]


def test_a_complete_course_is_complete_and_analysable():
    report = assess_completeness(
        expected_measures(SCHEDULE, SESSIONS),
        full_course(),
        outcome_instrument="madrs",
        session_starts=SESSIONS,
    )
    assert (report.expected, report.received, report.missing) == (10, 10, ())
    assert report.rate == 1.0
    assert report.analysable


def test_a_missing_baseline_makes_the_course_not_analysable():
    rows = [r for r in full_course() if r.time_point != "baseline"]
    report = assess_completeness(
        expected_measures(SCHEDULE, SESSIONS),
        rows,
        outcome_instrument="madrs",
        session_starts=SESSIONS,
    )
    assert [d.label for d in report.missing] == ["madrs (baseline, baseline)"]
    assert not report.analysable
    assert report.reasons_not_analysable == ("no baseline madrs",)


def test_a_rating_counts_only_on_its_sessions_day_and_at_a_compatible_time_point():
    rows = [
        received("madrs", MONDAY - timedelta(days=5), "baseline"),
        received("madrs", SESSIONS[1] + timedelta(days=1), "pre_session"),
        received("cadss", SESSIONS[0] + timedelta(minutes=40), "pre_session"),
    ]
    report = assess_completeness(
        expected_measures(SCHEDULE, SESSIONS),
        rows,
        outcome_instrument="madrs",
        session_starts=SESSIONS,
    )
    assert report.received == 1  # only the baseline matched a due measure
    # A later MADRS still shows the course's effect, so the course stays analysable.
    assert report.analysable


def test_a_single_discharge_rating_is_kept_for_the_strict_pre_discharge_due():
    rows = [received("cadss", MONDAY + timedelta(minutes=100), "post_session")]
    report = assess_completeness(
        expected_measures(SCHEDULE, SESSIONS[:1]),
        rows,
        outcome_instrument="madrs",
        session_starts=SESSIONS[:1],
    )
    missing = {(d.instrument, d.time_point) for d in report.missing}
    assert ("cadss", "pre_discharge") not in missing
    assert ("cadss", "post_dose") in missing


def test_before_the_first_session_only_the_baseline_is_due():
    dues = expected_measures(SCHEDULE, [])
    assert [(d.instrument, d.time_point) for d in dues] == [("madrs", "baseline")]
    report = assess_completeness(dues, [], outcome_instrument="madrs")
    assert report.rate == 0.0
    assert "no session held yet" in report.reasons_not_analysable


def test_nothing_expected_has_no_rate():
    report = assess_completeness([], [], outcome_instrument="madrs")
    assert report.rate is None


@given(st.lists(st.integers(min_value=0, max_value=len(SESSIONS) * 3), max_size=12))
def test_dropping_ratings_never_raises_completeness(indices):
    rows = full_course()
    dues = expected_measures(SCHEDULE, SESSIONS)
    whole = assess_completeness(dues, rows, outcome_instrument="madrs", session_starts=SESSIONS)
    kept = [r for i, r in enumerate(rows) if i not in set(indices)]
    part = assess_completeness(dues, kept, outcome_instrument="madrs", session_starts=SESSIONS)
    assert part.received <= whole.received
    assert 0 <= part.received <= part.expected
