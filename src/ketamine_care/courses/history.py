"""A patient's course history as the course review reads it (pure; no Django).

The JSON form (the `course-review` command's `--history` file):

    {"administrations": [{"date": "2026-01-05", "instrument": "madrs", "total": 34}, ...],
     "sessions": [{"date": "2026-01-05", "dose_mg": 56}, ...],
     "schedule": {"every_days": 7},
     "last_done": {"bladder_review": "2026-01-05"},          (optional)
     "events": [{"date": "2026-03-01", "kind": "suicide_attempt"}]}   (optional)

`events` are SUSTAIN-1 relapse events (`RELAPSE_EVENT_KINDS`): each is a relapse by itself
after a response.

`parse_history` checks every field and raises `HistoryError` naming the first bad one the
way a reader finds it: `history.administrations[2].total`. Unknown keys are errors too, so
a misspelt field is never silently ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ketamine_care.instruments.definition import list_codes, load_definition, possible_total_range
from ketamine_care.outcomes.relapse import RelapseEventKind

RELAPSE_EVENT_KINDS: tuple[str, ...] = RelapseEventKind.__args__  # type: ignore[attr-defined]


class HistoryError(ValueError):
    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field = field_path
        self.message = message


@dataclass(frozen=True, order=True)
class Measure:
    """One administration's total, in the instrument's points (higher = worse)."""

    day: date
    instrument: str
    total: float


@dataclass(frozen=True, order=True)
class Session:
    """One dosing session; `dose_mg` None when the dose is not known."""

    day: date
    dose_mg: float | None = field(default=None, compare=False)


@dataclass(frozen=True, order=True)
class Event:
    """A relapse event of SUSTAIN-1's second arm (hospitalisation, suicide attempt, ...)."""

    day: date
    kind: str


@dataclass(frozen=True)
class History:
    measures: tuple[Measure, ...]
    sessions: tuple[Session, ...]
    every_days: int
    last_done: Mapping[str, date] = field(default_factory=dict)
    events: tuple[Event, ...] = ()

    def __post_init__(self) -> None:
        # Sorted once, so the review never depends on the order the input came in. Same-day
        # measures of one instrument sort by total: the worse one counts as the later.
        object.__setattr__(self, "measures", tuple(sorted(self.measures)))
        sessions = sorted(self.sessions, key=lambda s: (s.day, _dose_key(s.dose_mg)))
        object.__setattr__(self, "sessions", tuple(sessions))
        object.__setattr__(self, "events", tuple(sorted(self.events)))

    def latest_day(self) -> date | None:
        """The latest date in the history: the review's default "today"."""
        days = [m.day for m in self.measures] + [s.day for s in self.sessions]
        days += list(self.last_done.values()) + [e.day for e in self.events]
        return max(days, default=None)


def _dose_key(dose: float | None) -> float:
    return -1.0 if dose is None else dose


TOP_KEYS = ("administrations", "sessions", "schedule", "last_done", "events")


def parse_history(data: Any) -> History:
    """Validate the history JSON (already decoded); HistoryError names the bad field."""
    if not isinstance(data, dict):
        raise HistoryError("history", "must be a JSON object")
    _no_unknown(data, TOP_KEYS, "history")
    for key in ("administrations", "sessions", "schedule"):
        if key not in data:
            raise HistoryError(f"history.{key}", "is required")
    measures = _list(data["administrations"], "history.administrations", _measure)
    sessions = _list(data["sessions"], "history.sessions", _session)
    every_days = _schedule(data["schedule"])
    last_done = _last_done(data.get("last_done", {}))
    events = _list(data.get("events", []), "history.events", _event)
    return History(tuple(measures), tuple(sessions), every_days, last_done, tuple(events))


def _no_unknown(obj: Mapping, allowed: tuple[str, ...], where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise HistoryError(f"{where}.{key}", f"unknown field (allowed: {', '.join(allowed)})")


def _list(value: Any, where: str, parse) -> list:
    if not isinstance(value, list):
        raise HistoryError(where, "must be a list")
    return [parse(item, f"{where}[{i}]") for i, item in enumerate(value)]


def _object(value: Any, where: str, keys: tuple[str, ...]) -> Mapping:
    if not isinstance(value, dict):
        raise HistoryError(where, "must be an object")
    _no_unknown(value, keys, where)
    for key in keys:
        if key not in value:
            raise HistoryError(f"{where}.{key}", "is required")
    return value


def _date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise HistoryError(where, "must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HistoryError(where, f"{value!r} is not a YYYY-MM-DD date") from None


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise HistoryError(where, "must be a number")
    return float(value)


def _measure(item: Any, where: str) -> Measure:
    obj = _object(item, where, ("date", "instrument", "total"))
    day = _date(obj["date"], f"{where}.date")
    code = obj["instrument"]
    if not isinstance(code, str) or code not in list_codes():
        raise HistoryError(
            f"{where}.instrument", f"unknown instrument {code!r} (known: {', '.join(list_codes())})"
        )
    total = _number(obj["total"], f"{where}.total")
    span = possible_total_range(load_definition(code))
    if span is None:
        raise HistoryError(f"{where}.instrument", f"{code} has no total to follow a course with")
    if not span[0] <= total <= span[1]:
        raise HistoryError(
            f"{where}.total", f"{total:g} is outside {code}'s range {span[0]}-{span[1]}"
        )
    return Measure(day, code, total)


def _session(item: Any, where: str) -> Session:
    obj = _object(item, where, ("date", "dose_mg"))
    day = _date(obj["date"], f"{where}.date")
    dose = obj["dose_mg"]
    if dose is None:
        return Session(day, None)
    mg = _number(dose, f"{where}.dose_mg")
    if mg <= 0:
        raise HistoryError(f"{where}.dose_mg", "must be above 0 mg (null when not known)")
    return Session(day, mg)


def _schedule(value: Any) -> int:
    obj = _object(value, "history.schedule", ("every_days",))
    every = obj["every_days"]
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise HistoryError("history.schedule.every_days", "must be a whole number of days >= 1")
    return every


def _last_done(value: Any) -> dict[str, date]:
    if not isinstance(value, dict):
        raise HistoryError("history.last_done", "must be an object of item key -> date")
    return {str(k): _date(v, f"history.last_done.{k}") for k, v in value.items()}


def _event(item: Any, where: str) -> Event:
    obj = _object(item, where, ("date", "kind"))
    day = _date(obj["date"], f"{where}.date")
    if obj["kind"] not in RELAPSE_EVENT_KINDS:
        allowed = ", ".join(RELAPSE_EVENT_KINDS)
        raise HistoryError(f"{where}.kind", f"{obj['kind']!r} is not one of: {allowed}")
    return Event(day, obj["kind"])
