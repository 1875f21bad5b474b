"""Which long-term surveillance checks are due or overdue today (pure; no Django, no ORM).

The schedules are protocol data (`surveillance` in `protocols/library/<id>.json`). For each
check: its schedule starts `start_after_days` after the first dose; a check never done is
due from that day (fail safe), one done last on day L is due again on L + `every_days`;
it is overdue once more than `grace_days` have passed since its due date. The exposure
review also falls due on the first dosing day after its last review on which cumulative
exposure reached one of the clinic's thresholds (`>=`; unset thresholds are not used).
Only checks due or overdue on `today` are returned, never future ones, sorted by due date
then key. A check the clinic does not ask for (`required: false`, the urine drug screen
by default) is left out unless the clinic's copy of the protocol requires it.

Fail safe: a protocol of repeated dosing (a `course`) whose definition carries no block (a
clinic's copy activated before its protocol shipped one) is never "nothing due": the default
schedule (`data/default_schedule.json`, the same checks and intervals as the library's
blocks) applies, and each item's reason says so. Only a single episode of care (the
emergency and procedural protocols) has no surveillance.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal

from ketamine_care.core.bibliography import citations
from ketamine_care.protocols.definition import ProtocolDefinition
from ketamine_care.protocols.definition_surveillance import (
    EXPOSURE_KEYS,
    Surveillance,
    SurveillanceItem,
)
from ketamine_care.protocols.library import load_definition
from ketamine_care.surveillance.exposure import Dose, Exposure, cumulative_exposure

Status = Literal["due", "overdue"]
DEFAULT_NOTE = "the protocol version sets no surveillance schedule, so the default schedule applies"


@dataclass(frozen=True)
class DueItem:
    key: str
    label: str
    due_on: date
    status: Status
    reason: str
    source: str  # "spravato-uspi §5": a bibliography id with its section

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "due_on": self.due_on.isoformat(),
            "status": self.status,
            "reason": self.reason,
            "source": self.source,
        }


@cache
def default_schedule() -> Surveillance:
    """The schedule of a repeated-dosing protocol that carries none (see the module doc)."""
    text = resources.files("ketamine_care.surveillance.data").joinpath("default_schedule.json")
    data = json.loads(text.read_text(encoding="utf-8"))
    data.pop("_about", None)
    return Surveillance.model_validate(data)


def repeated_dosing(definition: ProtocolDefinition) -> bool:
    """Whether patients on `definition` can receive repeated doses: every protocol but a
    single episode of care (a course of one planned infusion may still be repeated)."""
    return definition.schedule.kind != "single_episode"


@dataclass(frozen=True)
class ScheduleInUse:
    """The surveillance schedule a protocol definition is followed with. `block` None: a
    single episode, no surveillance; `default` True: the definition carries no block, so the
    default schedule applies (fail safe)."""

    block: Surveillance | None
    default: bool = False

    def due(
        self,
        *,
        doses: Sequence[Dose],
        last_done: Mapping[str, date],
        today: date,
        exposure_thresholds: Mapping[str, float | None] | None = None,
    ) -> list[DueItem]:
        """`due_items` on this schedule; nothing for a single episode (no block)."""
        if self.block is None:
            return []
        return due_items(
            self.block,
            doses=doses,
            last_done=last_done,
            today=today,
            exposure_thresholds=exposure_thresholds,
            default=self.default,
        )


def schedule_in_use(definition: ProtocolDefinition) -> ScheduleInUse:
    if definition.surveillance is not None:
        return ScheduleInUse(definition.surveillance)
    if repeated_dosing(definition):
        return ScheduleInUse(default_schedule(), default=True)
    return ScheduleInUse(None)


def schedule_for(protocol_id: str) -> Surveillance | None:
    """The surveillance block of the shipped protocol (None when it has none). Raises
    `protocols.library.UnknownProtocol` (a KeyError naming the valid ids) for other ids."""
    return load_definition(protocol_id).surveillance


def surveillance_due(
    protocol_id: str,
    *,
    doses: Sequence[Dose],
    last_done: Mapping[str, date],
    today: date,
    exposure_thresholds: Mapping[str, float] | None = None,
    schedule: Surveillance | None = None,
) -> list[DueItem]:
    """The checks due or overdue on `today` for a patient on `protocol_id` (see the module
    doc). `schedule` replaces the shipped block (a clinic's edited copy of the protocol);
    `exposure_thresholds` replaces the block's thresholds key by key. A repeated-dosing
    protocol with no block is followed with the default schedule."""
    used = (
        ScheduleInUse(schedule)
        if schedule is not None
        else schedule_in_use(load_definition(protocol_id))
    )
    return used.due(
        doses=doses, last_done=last_done, today=today, exposure_thresholds=exposure_thresholds
    )


def thresholds_for(
    block: Surveillance, overrides: Mapping[str, float | None] | None = None
) -> dict[str, float]:
    """The exposure thresholds in use: the block's, replaced key by key; unset ones dropped."""
    merged: dict[str, float | None] = dict(block.exposure_thresholds.as_dict())
    for key, value in (overrides or {}).items():
        if key not in EXPOSURE_KEYS:
            raise ValueError(
                f"unknown exposure threshold {key!r}; valid: {', '.join(EXPOSURE_KEYS)}"
            )
        if value is not None and not value > 0:
            raise ValueError(f"exposure threshold {key} must be above 0")
        merged[key] = value
    return {key: float(value) for key, value in merged.items() if value is not None}


def reached(exposure: Exposure, thresholds: Mapping[str, float]) -> list[str]:
    """Words for each threshold `exposure` reaches ("12 sessions in 30 days (threshold 10)")."""
    values = exposure.as_dict()
    words = []
    for key, limit in thresholds.items():
        if values[key] >= limit:
            what, days = key.removesuffix("_days").rsplit("_last_", 1)
            shown = f"{values[key]:g} {what}"
            words.append(f"{shown} in {days} days (threshold {limit:g})")
    return words


def due_items(
    block: Surveillance,
    *,
    doses: Sequence[Dose],
    last_done: Mapping[str, date],
    today: date,
    exposure_thresholds: Mapping[str, float | None] | None = None,
    default: bool = False,
) -> list[DueItem]:
    """`surveillance_due` on a given surveillance block (`default`: the default schedule in
    place of a missing block, said in each item's reason)."""
    thresholds = thresholds_for(block, exposure_thresholds)
    given = sorted((dose for dose in doses if dose.day <= today), key=lambda d: d.day)
    if not given:
        return []
    first_day = given[0].day
    found = []
    for item in block.items:
        if not item.required:
            continue
        due = _periodic(item, first_day, last_done.get(item.key), today)
        if item.key == "exposure_review":
            due = _exposure(item, due, given, last_done.get(item.key), thresholds, today)
        if due is not None:
            found.append(_defaulted(due) if default else due)
    return sorted(found, key=lambda d: (d.due_on, d.key))


def _defaulted(item: DueItem) -> DueItem:
    return replace(item, reason=f"{item.reason}; {DEFAULT_NOTE}")


def _periodic(
    item: SurveillanceItem, first_day: date, last: date | None, today: date
) -> DueItem | None:
    interval = item.interval
    if last is None:
        due_on = first_day + timedelta(days=interval.start_after_days)
        why = f"never recorded; due from {due_on.isoformat()}"
    else:
        due_on = last + timedelta(days=interval.every_days)
        why = f"last recorded on {last.isoformat()}, every {interval.every_days} days"
    return _item(item, due_on, today, why)


def _exposure(
    item: SurveillanceItem,
    periodic: DueItem | None,
    given: Sequence[Dose],
    last: date | None,
    thresholds: Mapping[str, float],
    today: date,
) -> DueItem | None:
    if not thresholds:
        return periodic
    for day in sorted({dose.day for dose in given if last is None or dose.day > last}):
        words = reached(cumulative_exposure(given, today=day), thresholds)
        if words:
            if periodic is not None and periodic.due_on <= day:
                return periodic
            why = f"on {day.isoformat()} exposure reached " + "; ".join(words)
            return _item(item, day, today, why)
    return periodic


def _item(item: SurveillanceItem, due_on: date, today: date, why: str) -> DueItem | None:
    if due_on > today:
        return None
    overdue_from = due_on + timedelta(days=item.interval.grace_days)
    status: Status = "overdue" if today > overdue_from else "due"
    reason = f"{item.reason} ({why})"
    if status == "overdue":
        reason += f"; overdue since {(overdue_from + timedelta(days=1)).isoformat()}"
    return DueItem(
        key=item.key,
        label=item.label,
        due_on=due_on,
        status=status,
        reason=reason,
        source=_first_citation(item.source),
    )


def _first_citation(text: str) -> str:
    found = citations(text)
    if not found:
        return ""
    first = found[0]
    return f"{first.source_id} {first.locator}".strip()
