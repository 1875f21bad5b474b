"""The parts of a rating-scale definition: answer options, items, bands, subscales, safety
flags, triage and conventions (Pydantic, frozen). `definition.py` composes them into an
`InstrumentDefinition` and loads the shipped files."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from ketamine_care.core.evidence import EvidenceTag as Evidence

ScoringMethod = Literal[
    "sum", "domain_max_sum", "cssrs_triage", "entered_total", "single_rating", "tlfb"
]
Comparison = Literal[">", ">=", "<", "<=", "=="]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerOption(_Frozen):
    value: int
    label: str
    loinc_answer: str | None = None


class ValueRange(_Frozen):
    """Whole numbers from `min` to `max` inclusive (used for entered totals)."""

    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> ValueRange:
        if self.min > self.max:
            raise ValueError(f"value_range min {self.min} is above max {self.max}")
        return self


class Item(_Frozen):
    id: str
    name: str
    text: str | None = None
    options: tuple[AnswerOption, ...] | None = None
    value_range: ValueRange | None = None
    loinc: str | None = None

    @model_validator(mode="after")
    def _one_answer_model(self) -> Item:
        if (self.options is None) == (self.value_range is None):
            raise ValueError(f"item {self.id}: give exactly one of options or value_range")
        if self.options is not None:
            values = [o.value for o in self.options]
            if not values:
                raise ValueError(f"item {self.id}: options must not be empty")
            if len(set(values)) != len(values):
                raise ValueError(f"item {self.id}: option values must be unique, got {values}")
        return self

    def allowed_values(self) -> tuple[int, ...]:
        if self.options is not None:
            return tuple(sorted(o.value for o in self.options))
        assert self.value_range is not None
        return tuple(range(self.value_range.min, self.value_range.max + 1))

    def describe_allowed(self) -> str:
        if self.value_range is not None:
            return f"a whole number from {self.value_range.min} to {self.value_range.max}"
        return "one of " + ", ".join(str(v) for v in self.allowed_values())


class Band(_Frozen):
    name: str
    label: str
    min: int
    max: int


class Banding(_Frozen):
    source: str
    evidence: Evidence
    editable: bool = False
    note: str | None = None
    bands: tuple[Band, ...]


class Domain(_Frozen):
    name: str
    items: tuple[str, ...]


class Subscale(_Frozen):
    name: str
    label: str
    items: tuple[str, ...]
    source: str


class SafetyFlag(_Frozen):
    """A flag raised from one item's value, whatever the total."""

    flag: str
    item: str
    op: Comparison
    value: int
    source: str
    evidence: Evidence


# The patient sexes a screen's cut-offs are given for (the record's `male` / `female`).
ScreenSex = Literal["male", "female"]


class SexScreen(_Frozen):
    """A positive screen on the total whose cut-off depends on the patient's sex: positive
    when the total is at least `min_total[sex]`. A sex that is not given, or neither male nor
    female, gets the lowest (stricter) cut-off, so an unknown sex never hides a positive."""

    flag: str
    label: str
    min_total: dict[ScreenSex, int]
    source: str
    evidence: Evidence

    @model_validator(mode="after")
    def _both_sexes(self) -> SexScreen:
        if set(self.min_total) != {"male", "female"}:
            raise ValueError(f"screen {self.flag}: give a cut-off for male and for female")
        return self

    @property
    def strictest(self) -> int:
        """The cut-off used when the sex is not known: the lowest one."""
        return min(self.min_total.values())


class TriageRule(_Frozen):
    """Assign `risk` when all items of any one group are answered yes (1)."""

    risk: Literal["high", "moderate", "low"]
    any_of: tuple[tuple[str, ...], ...]


class SkipRule(_Frozen):
    """When `if_item` is 0, each item in `then_items` must be given as 0."""

    if_item: str
    then_items: tuple[str, ...]


class Triage(_Frozen):
    rules: tuple[TriageRule, ...]
    skip_logic: tuple[SkipRule, ...] = ()
    flag_when_risk_at_least: Literal["low", "moderate", "high"] | None = None
    flag: str | None = None
    source: str
    evidence: Evidence


class Convention(_Frozen):
    """A response or remission convention, stated with its source and evidence."""

    description: str
    percent_reduction: float | None = None
    op: Comparison | None = None
    value: float | None = None
    source: str
    evidence: Evidence
    editable: bool = True


class LoincCodes(_Frozen):
    panel: str | None = None
    total: str | None = None


class Licence(_Frozen):
    reproduce_text: bool
    note: str


class TotalRange(_Frozen):
    min: int
    max: int
