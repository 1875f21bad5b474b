from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from ketamine_care.core.bounds import MG_MAX

# A protocol's titration steps are counted in ones; far more than any protocol has.
STEP_MAX = 1000

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class DoseIn(Schema):
    """`weight_kg` defaults to the latest recorded weight. Choose at most one of `mg_per_kg`,
    `step` (1-based titration step) or `dose_mg`; none means the protocol default. An adult
    weight or height outside the plausible range is refused (422 naming the field) unless
    `confirm_weight`; `reason` documents a reduced dose or one above the clinic's ceiling."""

    protocol: str = Field(min_length=1, max_length=64)
    weight_kg: float | None = Field(default=None, gt=0, le=500, allow_inf_nan=False)
    weight_basis: Literal["actual", "ideal", "adjusted"] | None = None
    mg_per_kg: float | None = Field(default=None, gt=0, le=MG_MAX, allow_inf_nan=False)
    step: int | None = Field(default=None, ge=1, le=STEP_MAX)
    dose_mg: float | None = Field(default=None, gt=0, le=MG_MAX, allow_inf_nan=False)
    route: Literal["iv", "im", "sc", "intranasal", "oral"] | None = None
    concentration_mg_per_ml: float | None = Field(
        default=None, gt=0, le=MG_MAX, allow_inf_nan=False
    )
    # The clinician checked an adult weight/height outside the plausible range.
    confirm_weight: bool = False
    # Documents a dose below the protocol's usual floor or above the clinic's ceiling.
    reason: str | None = Field(default=None, max_length=2000)


class MaintenanceIn(Schema):
    """The clinic's maintenance rhythm (replaces the protocol's maintenance blocks)."""

    every: int = Field(ge=1, le=52)
    unit: Literal["days", "weeks"] = "weeks"
    start: date | None = None
    until: date | None = None
    # Whole weeks within the longest plan horizon (MAX_HORIZON_WEEKS of the planner).
    step_down_weeks: list[Annotated[int, Field(ge=1, le=104)]] = Field(
        default_factory=list, max_length=6
    )
    visits_per_step: int | None = Field(default=None, ge=1, le=52)


class PlanIn(Schema):
    protocol: str = Field(min_length=1, max_length=64)
    start_date: date
    clinic_days: list[Day] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    horizon_weeks: int = Field(default=26, ge=1, le=104)
    maintenance: MaintenanceIn | None = None


class VisitOut(Schema):
    id: UUID
    number: int
    date: date
    planned_date: date
    phase: str
    dose: dict[str, Any]
    assessments: list[dict[str, Any]]
    min_gap_days: int
    conditional: bool = False  # planned on a condition no review has confirmed yet
    condition: str | None = None
    condition_confirmed_at: datetime | None = None


class PlanOut(Schema):
    id: UUID
    protocol: str
    protocol_version: UUID
    screening_verdict: UUID
    start_date: date
    clinic_days: list[str]
    horizon_weeks: int
    status: str
    reviews: list[dict[str, Any]]
    warnings: list[str]
    visits: list[VisitOut]


class MoveIn(Schema):
    date: date
    reason: str = Field(default="", max_length=2000)


class ConfirmConditionalIn(Schema):
    note: str = Field(min_length=1, max_length=2000)
