"""One course's summary row, computed from its facts (pure; no Django).

The row is what the clinic outcomes dashboard counts (docs/RESEARCH.md, "Clinic outcomes
dashboard", defines every field). It reuses the course review's own logic so that the
dashboard and the chart never disagree:

- the followed instrument, the baseline and the response / remission cut-offs come from
  `courses.state` and `courses.rules` (the protocol's cut-offs, e.g. MADRS <= 10 for IV
  ketamine, <= 12 for esketamine; secondary instruments from `outcomes/defaults.json`);
- the end of induction is the day the course review ends induction (the protocol's induction
  sessions given, or its weeks passed);
- relapse is SUSTAIN-1's score arm (`outcomes.relapse`), counted from the first response or
  remission; it is defined for the instruments that have a relapse rule (MADRS) only;
- the early-response profile (4 h, 24 h, day 7 after the first dose) is `outcomes.rules`'
  windows, with the protocol's percent-reduction response;
- "analysable" is measurement completeness's (`outcomes.completeness`).

A value that cannot be known (no baseline, no rating in the window, a time point not reached
yet) is None, never False: a missing measure is never a non-response.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from ketamine_care.courses.history import History, Measure, Session
from ketamine_care.courses.rules import CourseRules, Cutoffs
from ketamine_care.courses.state import Assessed, assess
from ketamine_care.outcomes.completeness import CompletenessReport
from ketamine_care.outcomes.relapse import sustained_relapse_at
from ketamine_care.outcomes.rules import ScorePoint, early_response

DEFAULTS_PATH = Path(__file__).with_name("defaults.json")
EARLY_LABELS = ("4h", "24h", "day7")


@dataclass(frozen=True)
class TimePoint:
    key: str  # "3m"
    label: str
    course_day: int
    window_days: int


@dataclass(frozen=True)
class Windows:
    end_of_induction_grace_days: int
    time_points: tuple[TimePoint, ...]
    source: str


@cache
def load_windows(path: Path = DEFAULTS_PATH) -> Windows:
    data = json.loads(path.read_text(encoding="utf-8"))
    points = tuple(TimePoint(**p) for p in data["time_points"])
    return Windows(data["end_of_induction_grace_days"], points, data["source"])


@dataclass(frozen=True)
class Rating:
    """One administration of a followed instrument, at its clinic-local time."""

    at: datetime
    instrument: str
    total: float


@dataclass(frozen=True)
class CourseFacts:
    start_date: date
    today: date  # the refresh day (clinic's time zone)
    ratings: tuple[Rating, ...]
    session_times: tuple[datetime, ...]  # dosing sessions, clinic-local
    rules: CourseRules
    completeness: CompletenessReport


@dataclass(frozen=True)
class Outcome:
    response: bool | None
    remission: bool | None


@dataclass(frozen=True)
class SummaryRow:
    instrument: str
    baseline_total: float | None
    first_session_date: date | None
    sessions: int
    induction_end_date: date | None
    followup_days: int | None  # first session -> refresh day
    at_induction_end: Outcome
    at_time_points: dict[str, Outcome]  # "3m", "6m", "12m"
    first_response_day: int | None
    observed_days: int | None  # first session -> last rating after baseline
    relapse_event: bool | None
    relapse_days: int | None  # first response -> relapse, or -> last rating (censored)
    early: dict[str, bool | None]  # "4h", "24h", "day7"
    analysable: bool
    expected_measures: int
    received_measures: int


UNKNOWN = Outcome(None, None)


def _history(facts: CourseFacts) -> History:
    measures = tuple(Measure(r.at.date(), r.instrument, r.total) for r in facts.ratings)
    sessions = tuple(Session(t.date()) for t in facts.session_times)
    return History(measures, sessions, every_days=7)


def _followed(history: History, rules: CourseRules) -> str:
    present = {m.instrument for m in history.measures}
    return next((c for c in rules.instruments if c in present), rules.instruments[0])


def _baseline(facts: CourseFacts, code: str, today: date) -> Measure | None:
    """The last rating at or before the first dose (by time: a rating after the dose on the
    same day is not a baseline)."""
    held = [t for t in facts.session_times if t.date() <= today]
    if not held:
        return None
    first = min(held)
    before = sorted(
        (r.at, r.total) for r in facts.ratings if r.instrument == code and r.at <= first
    )
    return Measure(before[-1][0].date(), code, before[-1][1]) if before else None


def induction_end(session_days: Sequence[date], rules: CourseRules, today: date) -> date | None:
    """The day induction ended (as the course review ends it), or None while it runs."""
    if not session_days:
        return None
    first, n = session_days[0], rules.induction_sessions
    ends = []
    if n is not None and n <= len(session_days):
        ends.append(session_days[max(n, 1) - 1])
    if rules.induction_days is not None:
        ends.append(first + timedelta(days=rules.induction_days))
    if n is None and rules.induction_days is None:
        ends.append(first)  # length unknown: the review treats induction as over
    end = min(ends, default=None)
    return end if end is not None and end <= today else None


def _outcome(assessed: Assessed | None, cut: Cutoffs | None) -> Outcome:
    """Response / remission of one rating; None where the protocol defines neither."""
    if assessed is None:
        return UNKNOWN
    response = assessed.responds if cut and cut.response_percent is not None else None
    remission = assessed.remits if cut and cut.remission_op is not None else None
    return Outcome(response, remission)


def _at_induction_end(assessed, cut, first: date, end: date | None, grace: int) -> Outcome:
    if end is None:
        return UNKNOWN
    last = end.toordinal() + grace
    inside = [a for a in assessed if first <= a.measure.day and a.measure.day.toordinal() <= last]
    return _outcome(inside[-1] if inside else None, cut)


def _at_time_point(assessed, cut, first: date, today: date, point: TimePoint) -> Outcome:
    target = first.toordinal() + point.course_day
    if today.toordinal() < target:
        return UNKNOWN  # not reached yet
    inside = [a for a in assessed if abs(a.measure.day.toordinal() - target) <= point.window_days]
    # The rating nearest the target; on a tie the earlier one.
    best = min(inside, key=lambda a: abs(a.measure.day.toordinal() - target), default=None)
    return _outcome(best, cut)


def _relapse(assessed, rules: CourseRules, code: str) -> tuple[bool | None, int | None]:
    rule = rules.relapse.get(code)
    benefit = next((a for a in assessed if a.benefit), None)
    if rule is None or benefit is None:
        return None, None  # no relapse rule for this instrument, or never at risk
    start = datetime.combine(benefit.measure.day, time())
    points = [
        ScorePoint(datetime.combine(a.measure.day, time()), a.measure.total) for a in assessed
    ]
    found = sustained_relapse_at(points, rule, start)
    end = found.date() if found else assessed[-1].measure.day
    return found is not None, (end - benefit.measure.day).days


def _early(facts: CourseFacts, code: str, cut: Cutoffs | None) -> dict[str, bool | None]:
    empty: dict[str, bool | None] = dict.fromkeys(EARLY_LABELS)
    if not facts.session_times or cut is None or cut.response_percent is None:
        return empty
    ordered = sorted((r for r in facts.ratings if r.instrument == code), key=lambda r: r.at)
    points = [ScorePoint(r.at, r.total) for r in ordered]
    if not points:
        return empty
    view = early_response(points, min(facts.session_times), floor=cut.floor)
    out = dict(empty)
    for window in view.windows:
        if window.percent_change is not None:
            out[window.label] = -window.percent_change >= cut.response_percent
    return out


def summary_row(facts: CourseFacts) -> SummaryRow:
    """The summary row of one course on `facts.today`."""
    rules, today = facts.rules, facts.today
    history = _history(facts)
    code = _followed(history, rules)
    cut = rules.cutoffs.get(code)
    days = [s.day for s in history.sessions if s.day <= today]
    first = days[0] if days else None
    measures = [m for m in history.measures if m.instrument == code and m.day <= today]
    baseline = _baseline(facts, code, today)
    assessed = assess(measures, baseline, cut) if cut and first else ()
    windows = load_windows()
    end = induction_end(days, rules, today)
    first_response = next((a for a in assessed if a.responds), None)
    relapse_event, relapse_days = _relapse(assessed, rules, code)
    report = facts.completeness
    return SummaryRow(
        instrument=code,
        baseline_total=baseline.total if baseline else None,
        first_session_date=first,
        sessions=len(days),
        induction_end_date=end,
        followup_days=(today - first).days if first else None,
        at_induction_end=(
            _at_induction_end(assessed, cut, first, end, windows.end_of_induction_grace_days)
            if first
            else UNKNOWN
        ),
        at_time_points={
            p.key: _at_time_point(assessed, cut, first, today, p) if first else UNKNOWN
            for p in windows.time_points
        },
        first_response_day=(first_response.measure.day - first).days if first_response else None,
        observed_days=(assessed[-1].measure.day - first).days if assessed and first else None,
        relapse_event=relapse_event,
        relapse_days=relapse_days,
        early=_early(facts, code, cut),
        analysable=report.analysable,
        expected_measures=report.expected,
        received_measures=report.received,
    )
