"""The rules a course review applies, read from where they live (pure; no Django).

- The protocol definition (the clinic's version, or the shipped library file): the outcome
  instrument and its response and remission cut-offs (esketamine MADRS <= 12, IV <= 10), the
  induction block (its sessions and weeks) and the maintenance intervals with the day each
  becomes available (esketamine: weekly from week 5, every 2 weeks from week 9).
- `outcomes/defaults.json`: the cut-offs of the secondary instruments (PHQ-9 < 5), loss of
  response (consecutive non-responses) and the SUSTAIN-1 relapse rule.
- The protocol's long-term surveillance schedule (`surveillance.schedule.schedule_in_use`: the
  definition's block, the default schedule for a course without one, none for a single
  episode), so a review follows the clinic's copy of the schedule.
- `courses/defaults.json`: what neither holds (stable remission, step-down stability,
  missed sessions, tolerance), each a labelled clinic-editable default with its source.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ketamine_care.instruments.definition import (
    UnknownInstrument,
    load_definition,
    possible_total_range,
)
from ketamine_care.outcomes.relapse import SustainedRelapseRule
from ketamine_care.outcomes.rules import load_thresholds
from ketamine_care.protocols.definition import ProtocolDefinition, ScheduleBlock, Threshold
from ketamine_care.surveillance.schedule import ScheduleInUse, schedule_in_use

DEFAULTS_PATH = Path(__file__).with_name("defaults.json")
_OPS: dict[str, Callable[[float, float], bool]] = {"le": operator.le, "lt": operator.lt}
_SYMBOLS = {"le": "<=", "lt": "<", "<=": "<=", "<": "<"}


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    source: str
    evidence: str
    editable: bool


class StableRemission(_Sourced):
    window_weeks: int = Field(ge=1)
    weeks_in_remission: int = Field(ge=1)
    latest_weeks_required: int = Field(ge=1)


class Extension(_Sourced):
    stable_measures: int = Field(ge=1)


class MissedSessions(_Sourced):
    gap_intervals: int = Field(ge=2)


class CourseDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    note: str
    stable_remission: StableRemission
    extension: Extension
    step_down: _Sourced
    missed_sessions: MissedSessions
    tolerance: _Sourced
    non_response: _Sourced


@cache
def load_defaults(path: Path = DEFAULTS_PATH) -> CourseDefaults:
    return CourseDefaults.model_validate(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Cutoffs:
    """Response and remission of one instrument; totals score higher = worse."""

    instrument: str
    response_percent: float | None
    response_source: str
    remission_op: str | None  # "le" | "lt"
    remission_value: float | None
    remission_source: str
    floor: float = 0

    def responds(self, baseline: float, total: float) -> bool:
        """At least `response_percent` % better than baseline (above the scale's floor)."""
        if self.response_percent is None or baseline <= self.floor:
            return False  # no rule, or no room to improve: never a response by default
        return (baseline - total) / (baseline - self.floor) * 100 >= self.response_percent

    def remits(self, total: float) -> bool:
        if self.remission_op is None or self.remission_value is None:
            return False
        return _OPS[self.remission_op](total, self.remission_value)

    def describe_remission(self) -> str:
        if self.remission_op is None:
            return "no remission cut-off"
        return f"{_SYMBOLS[self.remission_op]} {self.remission_value:g}"


@dataclass(frozen=True)
class Rung:
    """A maintenance interval of the protocol, available from `from_day` of the course."""

    every_days: int
    from_day: int | None  # None: after an open-ended block, never reached by time alone
    label: str
    source: str


@dataclass(frozen=True)
class CourseRules:
    protocol_id: str
    protocol_title: str
    instruments: tuple[str, ...]  # the outcome instrument first, then its secondaries
    cutoffs: dict[str, Cutoffs]
    induction_sessions: int | None
    induction_days: int | None
    induction_source: str
    ladder: tuple[Rung, ...]  # maintenance intervals, shortest first
    loss_run: int
    loss_source: str
    relapse: dict[str, SustainedRelapseRule]
    defaults: CourseDefaults
    surveillance: ScheduleInUse

    def longer_rung(self, every_days: int, course_day: int) -> Rung | None:
        """The next longer interval already available on `course_day`. The first maintenance
        interval opens when induction is over (a full series may end before its nominal
        weeks); later ones on their week of the course."""
        for rung in self.ladder:
            if rung.every_days <= every_days:
                continue
            first = rung is self.ladder[0]
            if first or (rung.from_day is not None and rung.from_day <= course_day):
                return rung
        return None

    def shorter_rung(self, every_days: int) -> Rung | None:
        """The next shorter (more frequent) maintenance interval."""
        shorter = [r for r in self.ladder if r.every_days < every_days]
        return shorter[-1] if shorter else None


def _floor(code: str) -> float:
    try:
        span = possible_total_range(load_definition(code))
    except UnknownInstrument:
        return 0
    return span[0] if span else 0


def _cutoffs_from_protocol(code: str, response: Threshold | None, remission: Threshold | None):
    percent = response.value if response and response.kind == "percent_reduction" else None
    ok = remission is not None and remission.kind == "score" and remission.comparison in _OPS
    return Cutoffs(
        instrument=code,
        response_percent=percent,
        response_source=response.source if response else "",
        remission_op=remission.comparison if ok else None,
        remission_value=remission.value if ok else None,
        remission_source=remission.source if ok else "",
        floor=_floor(code),
    )


def _cutoffs_from_defaults(code: str) -> Cutoffs:
    shipped = load_thresholds()
    response, remission = shipped.response.get(code), shipped.remission.get(code)
    return Cutoffs(
        instrument=code,
        response_percent=response.percent_reduction if response else None,
        response_source=response.source if response else "",
        remission_op={"<=": "le", "<": "lt"}[remission.op] if remission else None,
        remission_value=remission.value if remission else None,
        remission_source=remission.source if remission else "",
        floor=_floor(code),
    )


def _interval_days(block: ScheduleBlock) -> int | None:
    if block.every_weeks is not None:
        return block.every_weeks * 7
    if block.sessions_per_week is not None:
        return 7 // block.sessions_per_week
    return None


def _duration_days(block: ScheduleBlock) -> int | None:
    if block.weeks is not None:
        return block.weeks * 7
    if block.sessions is not None and block.sessions_per_week is not None:
        return math.ceil(block.sessions / block.sessions_per_week) * 7
    if block.sessions is not None and block.every_weeks is not None:
        return block.sessions * block.every_weeks * 7
    return None


def _induction(definition: ProtocolDefinition) -> tuple[int | None, int | None, str]:
    block = next((b for b in definition.schedule.blocks if b.phase == "induction"), None)
    if block is None:
        return 0, 0, "The protocol has no induction block."
    sessions = block.sessions
    if sessions is None and block.sessions_per_week and block.weeks:
        sessions = block.sessions_per_week * block.weeks
    return sessions, _duration_days(block), f"{block.label} {block.source}".strip()


def _ladder(definition: ProtocolDefinition) -> tuple[Rung, ...]:
    rungs: dict[int, Rung] = {}
    start: int | None = 0
    last_start: int | None = None
    for block in definition.schedule.blocks:
        every = _interval_days(block)
        if block.phase == "maintenance" and every is not None and every not in rungs:
            rungs[every] = Rung(every, start, block.label, block.source)
            last_start = start
        duration = _duration_days(block)
        start = None if start is None or duration is None else start + duration
    schedule = definition.schedule
    source = schedule.step_down_source.source if schedule.step_down_source else ""
    for weeks in schedule.step_down_weeks:
        if weeks * 7 not in rungs:
            rungs[weeks * 7] = Rung(weeks * 7, last_start, f"Every {weeks} weeks", source)
    return tuple(sorted(rungs.values(), key=lambda r: r.every_days))


def course_rules(definition: ProtocolDefinition, path: Path | None = None) -> CourseRules:
    """Everything a course review needs from a protocol definition and the defaults."""
    outcome = definition.outcome
    cutoffs = {
        outcome.instrument: _cutoffs_from_protocol(
            outcome.instrument, outcome.response, outcome.remission
        )
    }
    for code in outcome.secondary:
        cutoffs.setdefault(code, _cutoffs_from_defaults(code))
    sessions, days, source = _induction(definition)
    shipped = load_thresholds()
    return CourseRules(
        protocol_id=definition.id,
        protocol_title=definition.title,
        instruments=tuple(dict.fromkeys([outcome.instrument, *outcome.secondary])),
        cutoffs=cutoffs,
        induction_sessions=sessions,
        induction_days=days,
        induction_source=source,
        ladder=_ladder(definition),
        loss_run=shipped.loss_of_response.consecutive_non_response,
        loss_source=shipped.loss_of_response.source,
        relapse=dict(shipped.relapse),
        defaults=load_defaults(path or DEFAULTS_PATH),
        surveillance=schedule_in_use(definition),
    )
