"""Planning input: clinic days and the clinic's maintenance rhythm (pure; no Django)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS: frozenset[int] = frozenset(range(5))  # Monday-Friday (date.weekday() numbering)
DEFAULT_HORIZON_WEEKS = 26


class PlanInputError(ValueError):
    """Planning input that cannot work; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Recurrence(BaseModel):
    """A maintenance rhythm chosen by the clinic: every `every` days/weeks from `start`
    (default: one interval after the last induction visit), until `until` or open-ended.

    Step-down: with `step_down_weeks` (e.g. [2, 4]) the interval widens after
    `visits_per_step` visits at each level, while the response holds (SUSTAIN-3 used weekly,
    every other week and every 4 weeks [@zaki-2025]). Each step is a review.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    every: int = Field(ge=1)
    unit: Literal["days", "weeks"] = "weeks"
    start: date | None = None
    until: date | None = None
    step_down_weeks: list[int] = Field(default_factory=list)
    visits_per_step: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _step_down(self) -> Recurrence:
        if self.step_down_weeks:
            if self.unit != "weeks":
                raise ValueError("step_down_weeks needs unit 'weeks'")
            levels = [self.every, *self.step_down_weeks]
            if any(b <= a for a, b in zip(levels, levels[1:], strict=False)):
                raise ValueError("step_down_weeks must widen the interval at each step")
            if self.visits_per_step is None:
                raise ValueError("visits_per_step is required with step_down_weeks")
        if self.start and self.until and self.until < self.start:
            raise ValueError("until is before start")
        return self

    @property
    def interval_days(self) -> int:
        return self.every * (7 if self.unit == "weeks" else 1)


def parse_clinic_days(text: str) -> frozenset[int]:
    """'mon,wed,fri' -> weekday numbers; names are the first three letters, any case."""
    names = [part.strip().lower()[:3] for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in DAY_NAMES]
    if unknown or not names:
        raise PlanInputError("clinic_days", f"use names from {','.join(DAY_NAMES)} (got {text!r})")
    return frozenset(DAY_NAMES.index(name) for name in names)
