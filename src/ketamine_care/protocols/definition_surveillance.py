"""The long-term surveillance block of a protocol definition (pure; no Django).

A maintenance protocol lists the checks a patient on repeated dosing needs (bladder-symptom
review, liver tests, cognitive screen, misuse review, urine drug screen, exposure review).
Each check carries two provenances: the check itself (`source`, `evidence`: the label
warning that asks for it) and its timing (`interval`: when it starts after the first dose,
how often it repeats, and how long after its due date it counts as overdue). No primary
source gives the intervals, so they ship as labelled, clinic-editable INSTITUTIONAL
defaults; the clinic's exposure thresholds ship unset (`null`: not used until the clinic
sets them). `surveillance.schedule` computes what is due from this block.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ketamine_care.protocols.definition_base import Frozen, Sourced

SurveillanceKey = Literal[
    "bladder_review",
    "liver_tests",
    "cognitive_screen",
    "misuse_review",
    "urine_drug_screen",
    "exposure_review",
]
EXPOSURE_KEYS: tuple[str, ...] = (
    "sessions_last_30_days",
    "mg_last_30_days",
    "sessions_last_365_days",
    "mg_last_365_days",
)


class SurveillanceInterval(Sourced):
    """When a check falls due: `start_after_days` after the first dose, then `every_days`
    after it was last done; `grace_days` past its due date it is overdue."""

    start_after_days: int = Field(default=0, ge=0, le=3650)
    every_days: int = Field(ge=1, le=3650)
    grace_days: int = Field(default=0, ge=0, le=365)


class SurveillanceItem(Sourced):
    """One scheduled check. `required` False: only where the clinic asks for it (the urine
    drug screen), a clinic-editable value."""

    key: SurveillanceKey
    label: str = Field(min_length=3)
    reason: str = Field(min_length=3)
    required: bool = True
    interval: SurveillanceInterval


class ExposureThresholds(Sourced):
    """Cumulative exposure at or above which an exposure review falls due (None: not used)."""

    sessions_last_30_days: int | None = Field(default=None, ge=1, le=1000)
    mg_last_30_days: float | None = Field(default=None, gt=0, le=100000)
    sessions_last_365_days: int | None = Field(default=None, ge=1, le=10000)
    mg_last_365_days: float | None = Field(default=None, gt=0, le=1000000)

    def as_dict(self) -> dict[str, float | None]:
        return {key: getattr(self, key) for key in EXPOSURE_KEYS}


class Surveillance(Frozen):
    items: list[SurveillanceItem] = Field(min_length=1)
    exposure_thresholds: ExposureThresholds

    @model_validator(mode="after")
    def _unique_keys(self) -> Surveillance:
        keys = [item.key for item in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError("surveillance items must have unique keys")
        return self

    def item(self, key: str) -> SurveillanceItem | None:
        return next((item for item in self.items if item.key == key), None)
