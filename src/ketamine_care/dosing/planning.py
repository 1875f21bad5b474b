"""Course planning: dated dosing visits, planned doses, assessments and review points (pure).

Visit frequencies, review points and doses come from the protocol's `schedule`, each citing
its source (e.g. [@spravato-uspi §2] for esketamine). This module only places them
on the calendar: week 1 begins on the start date, visits fall on clinic days, and two visits
never fall closer together than the block's `min_gap_days`. A visit that cannot fit in its
week (too few clinic days) is dropped with a warning rather than pushed into the next week,
so later weeks keep the protocol's rhythm; blocks counted in sessions keep going until all
their sessions are placed. A block the clinic days cannot hold gets one summary warning
("the schedule is not met"), never a silently thinner course. Visits of a block with a
`conditional` text (e.g. "responders only") are marked conditional until a review confirms
them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ketamine_care.dosing.plan_inputs import (
    DAY_NAMES,
    DEFAULT_HORIZON_WEEKS,
    WEEKDAYS,
    PlanInputError,
    Recurrence,
    parse_clinic_days,
)
from ketamine_care.dosing.plan_result import CoursePlan, PlannedVisit, ReviewPoint
from ketamine_care.protocols.definition import (
    JurisdictionStart,
    ProtocolDefinition,
    ScheduleBlock,
)

__all__ = [
    "DAY_NAMES",
    "DEFAULT_HORIZON_WEEKS",
    "WEEKDAYS",
    "CoursePlan",
    "PlanInputError",
    "PlannedVisit",
    "Recurrence",
    "ReviewPoint",
    "parse_clinic_days",
    "plan_course",
]


@dataclass
class _Slot:
    day: date
    phase: str
    dose_value: float | None
    options: list[float]
    condition: str | None = None


@dataclass
class _Calendar:
    """Places visits on clinic days, never closer than the gap, before the horizon."""

    clinic_days: frozenset[int]
    end: date
    slots: list[_Slot] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    step_reviews: list[tuple[int, date, str]] = field(default_factory=list)
    cut_phases: set[str] = field(default_factory=set)

    def earliest(self, not_before: date, gap_days: int) -> date:
        day = not_before
        if self.slots:
            day = max(day, self.slots[-1].day + timedelta(days=gap_days))
        while day.weekday() not in self.clinic_days:
            day += timedelta(days=1)
        return day


def plan_course(
    definition: ProtocolDefinition,
    *,
    start: date,
    clinic_days: Iterable[int] = WEEKDAYS,
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS,
    maintenance: Recurrence | None = None,
    every_days: int | None = None,
    start_dose: JurisdictionStart | None = None,
) -> CoursePlan:
    """Plan a course under `definition` from `start` for `horizon_weeks` weeks.

    `start_dose` is the label start that applies to this patient where labels differ (EU:
    esketamine 28 mg from 65 years); it replaces the first visit's planned dose, and the
    options of later visits are the doses that label allows.

    Visits follow the protocol's schedule blocks (esketamine weeks 1-4 twice weekly, 5-8
    weekly, 9+ every 2 weeks [@spravato-uspi §2]; IV series [@anand-2023] [@singh-2016]).
    `maintenance` replaces the protocol's maintenance blocks with a clinic rhythm.
    `every_days` supplies the spacing for blocks whose frequency no source gives (e.g.
    sc-ketamine-late-life).
    """
    days = frozenset(clinic_days)
    if not days or not days <= set(range(7)):
        raise PlanInputError("clinic_days", "give at least one weekday (0=Monday ... 6=Sunday)")
    if horizon_weeks < 1:
        raise PlanInputError("horizon_weeks", "must be at least 1")
    if every_days is not None and every_days < 1:
        raise PlanInputError("every_days", "must be at least 1")
    cal = _Calendar(days, start + timedelta(weeks=horizon_weeks))
    schedule = definition.schedule
    if schedule.kind == "single_episode":
        rule = definition.dose_rule()
        cal.slots.append(_Slot(start, "induction", rule.default, []))
    elif not schedule.blocks:
        raise PlanInputError(
            "protocol", f"{definition.id} has no schedule: the clinic must set it when activating"
        )
    else:
        _place_blocks(definition, cal, start, maintenance, every_days)
    if start_dose is not None and cal.slots:
        _start_at(cal, start_dose)
    return _assemble(definition, cal)


def _start_at(cal: _Calendar, start: JurisdictionStart) -> None:
    """The label's start replaces the first planned dose; a later visit that leaves the dose
    to the clinician offers the doses that label allows the patient (EU, 65 and older: 28, 56
    or 84 mg [@spravato-eu-smpc §4.2], where the protocol's own options were 56 or 84)."""
    cal.slots[0].dose_value = start.default
    cal.slots[0].options = []
    for slot in cal.slots[1:]:
        if slot.options:
            slot.options = list(start.allowed_fixed_doses_mg)
    cal.warnings.append(
        f"{start.jurisdiction} label: the first dose is {start.default:g} mg "
        f"(patients {start.min_age_years:g} and older); later doses as planned"
    )


def _place_blocks(
    definition: ProtocolDefinition,
    cal: _Calendar,
    start: date,
    maintenance: Recurrence | None,
    every_days: int | None,
) -> None:
    blocks = list(definition.schedule.blocks)
    if maintenance is not None:
        template = next((b for b in blocks if b.phase == "maintenance"), blocks[-1])
        blocks = [b for b in blocks if b.phase == "induction"]
    week_start = start
    for block in blocks:
        if week_start >= cal.end:
            break
        # A single visit needs no frequency; longer blocks without one need clinic input.
        if block.sessions_per_week is None and block.every_weeks is None and block.sessions != 1:
            week_start = _place_every_days(cal, block, week_start, every_days, definition.id)
        else:
            week_start = _place_weekly(cal, block, week_start)
    if maintenance is not None:
        gaps = [b.min_gap_days for b in definition.schedule.blocks]
        _place_recurrence(cal, maintenance, template, gaps)


def _dose_for(block: ScheduleBlock, index: int) -> tuple[float | None, list[float]]:
    """Planned dose of the block's `index`-th visit (0-based) and the options to pick from."""
    seq, options = block.dose_sequence, list(block.dose_options)
    if index < len(seq):
        return seq[index], options
    if options:
        return None, options
    return (seq[-1] if seq else None), options


def _place_weekly(cal: _Calendar, block: ScheduleBlock, week_start: date) -> date:
    """Visits per week (or one per `every_weeks` window); returns the next block's start."""
    per_window = block.sessions_per_week or 1
    window_days = 7 * (block.every_weeks or 1)
    gap = block.min_gap_days or 1
    placed, window, missing = 0, 0, 0
    max_windows = None if block.weeks is None else -(-block.weeks * 7 // window_days)
    while max_windows is None or window < max_windows:
        w_start = week_start + timedelta(days=window * window_days)
        w_end = w_start + timedelta(days=window_days)
        if w_start >= cal.end:
            _truncated(cal, block, placed)
            break
        window += 1
        in_window = 0
        while in_window < per_window and (block.sessions is None or placed < block.sessions):
            rhythm = _rhythm_start(cal, w_start, w_end, per_window, window_days)
            day = cal.earliest(rhythm, gap)
            if day >= w_end or day >= cal.end:
                # Lost to the clinic days when, with every day open from the window's start,
                # this visit would still have come before the window's end or the horizon.
                limit = min(w_end, cal.end)
                if day < cal.end or rhythm + timedelta(days=in_window * gap) < limit:
                    missing += per_window - in_window
                else:  # the horizon, not the clinic days, stopped the block
                    cal.cut_phases.add(block.phase)
                cal.warnings.append(
                    f"{block.label}: only {in_window} of {per_window} visits fit in the window "
                    f"starting {w_start.isoformat()} (clinic days and {gap}-day minimum gap)"
                )
                break
            dose, options = _dose_for(block, placed)
            cal.slots.append(_Slot(day, block.phase, dose, options, block.conditional))
            placed += 1
            in_window += 1
        if block.sessions is not None and placed >= block.sessions:
            break
    if missing:
        _schedule_not_met(cal, block, placed, missing, gap)
    return week_start + timedelta(days=window * window_days)


def _schedule_not_met(
    cal: _Calendar, block: ScheduleBlock, placed: int, missing: int, gap: int
) -> None:
    """Say plainly that the clinic days cannot give the protocol's schedule."""
    days = ", ".join(DAY_NAMES[d].capitalize() for d in sorted(cal.clinic_days))
    needed = (
        f"{block.sessions_per_week} visits a week"
        if block.sessions_per_week
        else f"a visit every {block.every_weeks or 1} week(s)"
    )
    if block.sessions is not None and placed >= block.sessions and block.sessions_per_week:
        # Every visit was planned, only further apart: the series is stretched, not short.
        own = sorted(slot.day for slot in cal.slots if slot.phase == block.phase)
        weeks = (own[-1] - own[0]).days // 7 + 1
        asked = -(-block.sessions // block.sessions_per_week)
        fewer = (
            f"all {placed} visits were planned, but fewer a week, so they take {weeks} weeks "
            f"instead of {asked}"
        )
    else:
        fewer = f"{missing} visit(s) could not be planned and only {placed} were"
    cal.warnings.insert(
        0,
        f"SCHEDULE NOT MET: {block.label} needs {needed} at least {gap} days apart, but the "
        f"clinic days ({days}) allow fewer: {fewer}. The plan does not give the protocol's "
        f"{block.phase}; add clinic days or refer the patient to a clinic that can.",
    )


def _rhythm_start(
    cal: _Calendar, w_start: date, w_end: date, per_window: int, window_days: int
) -> date:
    """One visit per window keeps the previous visit's weekday (every 2 weeks from a Thursday
    stays on Thursdays) when that still falls inside the window."""
    if per_window != 1 or not cal.slots:
        return w_start
    same_rhythm = cal.slots[-1].day + timedelta(days=window_days)
    return same_rhythm if w_start <= same_rhythm < w_end else w_start


def _truncated(cal: _Calendar, block: ScheduleBlock, placed: int) -> None:
    cal.cut_phases.add(block.phase)
    if block.sessions is not None and placed < block.sessions:
        cal.warnings.append(
            f"{block.label}: only {placed} of {block.sessions} visits fit before the horizon"
        )


def _place_every_days(
    cal: _Calendar, block: ScheduleBlock, week_start: date, every_days: int | None, pid: str
) -> date:
    """Blocks without a sourced frequency: one visit every `every_days` days (clinic input)."""
    if every_days is None:
        raise PlanInputError(
            "every_days",
            f"{pid}: no published source gives a visit frequency for '{block.label}'; "
            "the clinic must give one (--every-days N)",
        )
    target, placed = week_start, 0
    while block.sessions is None or placed < block.sessions:
        if target >= cal.end:
            _truncated(cal, block, placed)
            break
        day = cal.earliest(target, every_days)
        if day >= cal.end:
            _truncated(cal, block, placed)
            break
        dose, options = _dose_for(block, placed)
        cal.slots.append(_Slot(day, block.phase, dose, options, block.conditional))
        placed += 1
        target = day + timedelta(days=every_days)
    return target


def _protocol_min_gap(gaps: Sequence[int | None]) -> int:
    known = [g for g in gaps if g]
    return min(known) if known else 1


def _place_recurrence(
    cal: _Calendar, rec: Recurrence, template: ScheduleBlock, template_gaps: Sequence[int | None]
) -> None:
    """Clinic maintenance rhythm, with optional step-down while the response holds."""
    levels = [rec.every, *rec.step_down_weeks]
    level, at_level = 0, 0
    interval = timedelta(days=rec.interval_days)
    last = cal.slots[-1].day if cal.slots else None
    target = rec.start or (last + interval if last else cal.end)
    end = min(cal.end, rec.until + timedelta(days=1)) if rec.until else cal.end
    gap = _protocol_min_gap(template_gaps)
    if interval.days < gap:
        cal.warnings.append(
            f"maintenance every {interval.days} days is closer than the protocol's {gap}-day "
            "minimum gap; visits are spaced at the minimum gap instead"
        )
    index = 0
    while target < end:
        day = cal.earliest(target, gap)
        if day >= end:
            break
        if rec.visits_per_step and at_level == rec.visits_per_step and level + 1 < len(levels):
            level, at_level = level + 1, 0
            interval = timedelta(weeks=levels[level])
            target = cal.slots[-1].day + interval
            cal.step_reviews.append((len(cal.slots), cal.slots[-1].day, _step_text(levels, level)))
            continue
        dose, options = _dose_for(template, len(template.dose_sequence) + index)
        cal.slots.append(_Slot(day, "maintenance", dose, options, template.conditional))
        index += 1
        at_level += 1
        target = target + interval


def _step_text(levels: Sequence[int], level: int) -> str:
    return (
        f"If the response holds, step down from every {levels[level - 1]} to every "
        f"{levels[level]} weeks; otherwise keep the current interval "
        "(lowest frequency that maintains response)"  # [@spravato-uspi §2] [@zaki-2025]
    )


def _assemble(definition: ProtocolDefinition, cal: _Calendar) -> CoursePlan:
    route = definition.default_route
    rule = definition.dose_rule(route)
    device = definition.administration_for(route).device_mg
    reviews, review_instruments = _reviews(definition, cal)
    visits = []
    for number, slot in enumerate(cal.slots, start=1):
        value = slot.dose_value
        dose = {
            "route": route,
            "basis": rule.basis,
            "dose_mg": value if rule.basis == "fixed_mg" else None,
            "dose_mg_per_kg": value if rule.basis == "mg_per_kg" else None,
            "options": slot.options,
            "devices": int(value // device) if device and value else None,
        }
        assessments = _assessments(definition, number, review_instruments.get(number, []))
        visits.append(PlannedVisit(slot.day, number, slot.phase, dose, assessments, slot.condition))
    return CoursePlan(definition.id, tuple(visits), tuple(reviews), tuple(cal.warnings))


def _reviews(
    definition: ProtocolDefinition, cal: _Calendar
) -> tuple[list[ReviewPoint], dict[int, list[str]]]:
    """Dated review points, and the review instruments due at a visit (same-day reviews)."""
    induction = [i for i, s in enumerate(cal.slots, start=1) if s.phase == "induction"]
    points: list[ReviewPoint] = []
    at_visit: dict[int, list[str]] = {}
    for review in definition.schedule.reviews:
        if review.after_session == "end_of_induction":
            # A series cut by the horizon has not ended: no end-of-series review after it.
            ended = induction and "induction" not in cal.cut_phases
            number = induction[-1] if ended else None
            why = "the series does not end before the horizon"
        else:
            number = review.after_session
            why = "visit beyond the horizon"
        if number is None or number > len(cal.slots):
            cal.warnings.append(f"review not planned ({why}): {review.purpose}")
            continue
        when = cal.slots[number - 1].day + timedelta(days=review.offset_days)
        points.append(ReviewPoint(number, when, review.purpose))
        if review.offset_days == 0:
            at_visit.setdefault(number, []).extend(review.instruments)
    points.extend(ReviewPoint(n, d, text) for n, d, text in cal.step_reviews)
    return sorted(points, key=lambda r: (r.date, r.after_visit)), at_visit


def _assessments(
    definition: ProtocolDefinition, number: int, review_instruments: list[str]
) -> tuple[dict[str, Any], ...]:
    """Instruments due at visit `number`: every-session ones, baseline ones at visit 1, and
    those of a review held at this visit."""
    due = [
        {"instrument": tp.instrument, "time_point": tp.time_point, "minutes": tp.minutes}
        for tp in definition.monitoring.instruments_at
        if tp.every_session or (number == 1 and tp.time_point == "baseline")
    ]
    due.extend(
        {"instrument": code, "time_point": "review", "minutes": None}
        for code in dict.fromkeys(review_instruments)
    )
    return tuple(due)
