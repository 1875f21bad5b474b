"""Measurement completeness: which measures a protocol expected, which were received.

Pure (no Django). The protocol's `monitoring.instruments_at` says what is due when (at
baseline, at each session before/during/after dosing or before discharge); sessions are the
course's visits that have taken place. Each expected measure is matched with at most one
administration of the same instrument, at a compatible time point, inside its window.

Real-world ketamine registries lose most patients to missing baselines and follow-ups
(each cited in its definition), so a course is only *analysable* for research when the outcome
instrument has a baseline and at least one later administration during or after the course.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Protocol time points (protocols.definition) -> administration time points that satisfy them
# (instruments.models.TimePoint). A post-dose rating at ~40 min is taken while the patient is
# still in the chair or at discharge, so either is accepted.
COMPATIBLE_TIME_POINTS: dict[str, frozenset[str]] = {
    "baseline": frozenset({"baseline"}),
    "pre_dose": frozenset({"pre_session"}),
    "during": frozenset({"during_session"}),
    "post_dose": frozenset({"during_session", "post_session"}),
    "pre_discharge": frozenset({"post_session"}),
}
# A session's measures count on the session's calendar day (in the time zone of the session
# times given): pre-dose ratings may be taken at check-in, before the recorded start.


@dataclass(frozen=True)
class ScheduledMeasure:
    """One `instruments_at` entry of a protocol."""

    instrument: str
    time_point: str  # baseline | pre_dose | during | post_dose | pre_discharge
    every_session: bool


@dataclass(frozen=True)
class Due:
    instrument: str
    time_point: str
    session_number: int | None  # None for the baseline
    window_start: datetime
    window_end: datetime

    @property
    def label(self) -> str:
        where = "baseline" if self.session_number is None else f"session {self.session_number}"
        return f"{self.instrument} ({self.time_point.replace('_', ' ')}, {where})"


@dataclass(frozen=True)
class Received:
    instrument: str
    administered_at: datetime
    time_point: str  # instruments.models.TimePoint value


@dataclass(frozen=True)
class CompletenessReport:
    expected: int
    received: int
    missing: tuple[Due, ...]
    analysable: bool
    reasons_not_analysable: tuple[str, ...] = field(default=())

    @property
    def rate(self) -> float | None:
        """Share of expected measures received (0–1); None when nothing was expected."""
        return None if self.expected == 0 else self.received / self.expected


def expected_measures(
    schedule: Iterable[ScheduledMeasure], session_starts: Sequence[datetime]
) -> list[Due]:
    """Every measure due for the sessions held so far (`session_starts`, in any order).

    The baseline is due before the first session (with no session yet it stays open); each
    every-session measure is due on each session's calendar day.
    """
    starts = sorted(_naive(s) for s in session_starts)
    dues: list[Due] = []
    for item in schedule:
        if item.time_point == "baseline":
            end = starts[0] if starts else datetime.max
            dues.append(Due(item.instrument, "baseline", None, datetime.min, end))
        elif item.every_session:
            dues.extend(
                Due(item.instrument, item.time_point, number, *_day_of(begin))
                for number, begin in enumerate(starts, start=1)
            )
    return dues


def _day_of(moment: datetime) -> tuple[datetime, datetime]:
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, midnight + timedelta(days=1)


def _naive(moment: datetime) -> datetime:
    # Callers pass UTC (Django's USE_TZ) or naive local times consistently; drop the zone so
    # the open-ended baseline bounds (datetime.min/max) compare with either.
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def _matches(due: Due, received: Received) -> bool:
    if received.instrument != due.instrument:
        return False
    if received.time_point not in COMPATIBLE_TIME_POINTS.get(due.time_point, frozenset()):
        return False
    return due.window_start <= _naive(received.administered_at) < due.window_end


def assess_completeness(
    dues: Sequence[Due],
    received: Sequence[Received],
    *,
    outcome_instrument: str | None,
    session_starts: Sequence[datetime] = (),
) -> CompletenessReport:
    """Match each due measure with at most one administration; judge analysability."""
    unused = sorted(received, key=lambda r: _naive(r.administered_at))
    missing: list[Due] = []
    # Dues that accept fewer time points choose first, so a flexible "post_dose" due does not
    # take the only rating that could satisfy a strict "pre_discharge" due.
    for due in sorted(dues, key=_matching_order):
        match = next((r for r in unused if _matches(due, r)), None)
        if match is None:
            missing.append(due)
        else:
            unused.remove(match)
    reasons = _not_analysable(dues, missing, received, outcome_instrument, session_starts)
    return CompletenessReport(
        expected=len(dues),
        received=len(dues) - len(missing),
        missing=tuple(missing),
        analysable=not reasons,
        reasons_not_analysable=tuple(reasons),
    )


def _matching_order(due: Due) -> tuple:
    flexibility = len(COMPATIBLE_TIME_POINTS.get(due.time_point, ()))
    return (due.window_start, flexibility, due.instrument, due.time_point)


def _not_analysable(dues, missing, received, outcome_instrument, session_starts) -> list[str]:
    if not outcome_instrument:
        return ["the protocol names no outcome instrument"]
    reasons = []
    baseline_missing = any(
        d.instrument == outcome_instrument and d.time_point == "baseline" for d in missing
    )
    has_baseline_due = any(
        d.instrument == outcome_instrument and d.time_point == "baseline" for d in dues
    )
    if baseline_missing or not has_baseline_due:
        reasons.append(f"no baseline {outcome_instrument}")
    if not session_starts:
        reasons.append("no session held yet")
        return reasons
    first = _naive(min(session_starts))
    later = [
        r
        for r in received
        if r.instrument == outcome_instrument
        and r.time_point != "baseline"
        and _naive(r.administered_at) >= first
    ]
    if not later:
        reasons.append(f"no {outcome_instrument} after the first session")
    return reasons
