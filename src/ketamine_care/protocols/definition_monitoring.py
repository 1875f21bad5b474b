"""The monitoring part of a protocol definition: vital-sign cadence, alert thresholds,
children's lines by age band and discharge criteria (pure; no Django)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ketamine_care.core.evidence import EvidenceTag
from ketamine_care.protocols.definition_base import (
    AlertPhase,
    AlertTier,
    Comparison,
    Frozen,
    InstrumentCode,
    Measure,
    ObservationFrom,
    Sourced,
    TimePoint,
)


class VitalsCadence(Sourced):
    description: str
    during_every_min: int | None = Field(default=None, gt=0)
    after_every_min: int | None = Field(default=None, gt=0)
    after_for_min: int | None = Field(default=None, gt=0)
    continuous: list[str] = Field(default_factory=list)
    bp_at_min: list[int] = Field(default_factory=list)

    @property
    def after_span_without_interval(self) -> bool:
        """Recording is asked for after dosing (`after_for_min`) with no interval to keep to
        then: no reading after the infusion could ever be overdue. A shipped definition may
        not do this (`library.check_shipped`); a clinic copy activated before is paced with
        the interval during dosing (`treatment_sessions.adapter.cadence`)."""
        return self.after_for_min is not None and self.after_every_min is None


class InstrumentTimepoint(Sourced):
    instrument: InstrumentCode
    time_point: TimePoint
    minutes: int | None = None
    every_session: bool = True


# The clinic's words for a condition on the protocol page ("systolic at or above 180 mmHg").
MEASURE_WORDS: dict[str, tuple[str, str]] = {
    "bp_systolic": ("systolic", "mmHg"),
    "bp_diastolic": ("diastolic", "mmHg"),
    "map": ("mean arterial pressure", "mmHg"),
    "heart_rate": ("heart rate", "/min"),
    "spo2": ("SpO2", "%"),
    "respiratory_rate": ("respiratory rate", "/min"),
    "moaas": ("MOAA/S", ""),
}
COMPARISON_WORDS = {"gt": "above", "ge": "at or above", "lt": "below", "le": "at or below"}


class ThresholdCondition(Frozen):
    """`measure comparison value`, e.g. bp_systolic gt 180 (mmHg) or moaas in [0, 1]."""

    measure: Measure
    comparison: Comparison
    value: float | list[float]

    @property
    def text(self) -> str:
        name, unit = MEASURE_WORDS[self.measure]
        if isinstance(self.value, list):
            return f"{name} {' or '.join(f'{v:g}' for v in self.value)}"
        return f"{name} {COMPARISON_WORDS[self.comparison]} {self.value:g} {unit}".rstrip()

    @model_validator(mode="after")
    def _value_shape(self) -> ThresholdCondition:
        if (self.comparison == "in") != isinstance(self.value, list):
            raise ValueError(f"{self.measure}: 'in' needs a list value and only 'in' takes one")
        return self


class AlertThreshold(Frozen):
    """One in-session alert rule, evaluated by treatment_sessions against each reading.

    `conditions` are alternatives (OR): "systolic > 180 or diastolic > 110" is one rule, so two
    readings 5 minutes apart breaching either limit make one sustained episode.
    `sustained_mode` says how `sustained_min` is timed: "repeat" (two breaching readings at
    least that far apart, normal readings between allowed) or "continuous" (every reading in
    the span breaches). `match="all"` joins the conditions with AND instead. A rule with
    `with_symptoms` alerts only when the reading carries a symptom of the hypertensive-
    emergency checklist.
    """

    rule: str = Field(pattern=r"^[a-z0-9_]+$")
    phase: AlertPhase
    conditions: list[ThresholdCondition] = Field(min_length=1)
    match: Literal["any", "all"] = "any"
    with_symptoms: bool = False
    # Rules whose breach makes this one ignore the reading (the pre-dose review warning gives
    # way to the hold above it).
    superseded_by: list[str] = Field(default_factory=list)
    sustained_min: int | None = Field(default=None, ge=0)
    sustained_mode: Literal["repeat", "continuous"] | None = None
    tier: AlertTier
    message: str
    action: str
    source: str
    evidence: EvidenceTag
    editable: bool

    @property
    def when_text(self) -> str:
        """When the rule alerts, in words (protocol page)."""
        joiner = " and " if self.match == "all" else " or "
        text = joiner.join(c.text for c in self.conditions)
        phase = {"pre_dose": "before dosing: ", "post_dose": "after dosing: "}.get(self.phase, "")
        if self.with_symptoms:
            text += ", with a reported symptom"
        if self.sustained_min:
            heart_rate_only = {c.measure for c in self.conditions} == {"heart_rate"}
            mode = self.sustained_mode or ("continuous" if heart_rate_only else "repeat")
            if mode == "repeat":
                text += f", still so {self.sustained_min} min later"
            else:
                text += f", for {self.sustained_min} min"
        return phase + text


class BaselineVitals(Sourced):
    """PADSS vital-sign item: BP and HR within `within_percent` % of the pre-dose value, or BP
    at or below `bp_systolic_max`/`bp_diastolic_max` mmHg; BP not rising."""

    within_percent: float = Field(gt=0, le=100)
    bp_systolic_max: float = Field(gt=0, le=300)
    bp_diastolic_max: float = Field(gt=0, le=200)


class AgeBand(Frozen):
    """Normal awake ranges for ages in [min_age_years, below_age_years); /min and mmHg. The
    hypotension line is `sbp_below`, or `sbp_below_base` + `sbp_below_per_year` x age."""

    label: str
    min_age_years: float = Field(ge=0)
    below_age_years: float = Field(gt=0)
    hr_min: float = Field(gt=0)
    hr_max: float = Field(gt=0)
    rr_min: float = Field(gt=0)
    rr_max: float = Field(gt=0)
    sbp_below: float | None = Field(default=None, gt=0)
    sbp_below_base: float | None = Field(default=None, gt=0)
    sbp_below_per_year: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> AgeBand:
        if self.min_age_years >= self.below_age_years:
            raise ValueError(f"band {self.label!r}: min_age_years must be below below_age_years")
        if self.hr_min >= self.hr_max or self.rr_min >= self.rr_max:
            raise ValueError(f"band {self.label!r}: a minimum is not below its maximum")
        formula = [v is not None for v in (self.sbp_below_base, self.sbp_below_per_year)]
        fixed = self.sbp_below is not None
        if not ((fixed and not any(formula)) or (not fixed and all(formula))):
            raise ValueError(f"band {self.label!r}: give sbp_below, or base and per_year")
        return self


class PaediatricVitals(Sourced):
    """Age-banded alert lines for children: the band table and the SpO2 hypoxia line (%)."""

    bands: list[AgeBand] = Field(min_length=1)
    hypoxia_spo2_below: float = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _contiguous(self) -> PaediatricVitals:
        ordered = sorted(self.bands, key=lambda band: band.min_age_years)
        if ordered[0].min_age_years != 0:
            raise ValueError("the first age band must start at 0 years")
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.below_age_years != after.min_age_years:
                raise ValueError(f"age bands {before.label!r} and {after.label!r} do not meet")
        return self


class Discharge(Frozen):
    """Discharge criteria; `sources` maps each criterion name to its provenance."""

    moaas_required: int = Field(ge=0, le=5)
    require_bp_below_urgent: bool
    esketamine_bp_falling_from_40_min: bool
    cadss_threshold: float | None = None
    escort_required: bool
    recovery_score: Literal["aldrete", "padss"] | None = None
    recovery_score_pass: int | None = None
    # "BP falling or at a safe level" [@spravato-uspi §2]: the level below which an unchanged BP
    # still allows discharge. Optional; each value set needs its source.
    safe_bp_systolic_max: float | None = Field(default=None, gt=0, le=300)
    safe_bp_diastolic_max: float | None = Field(default=None, gt=0, le=200)
    # Every route: vitals back near the pre-dose baseline (PADSS). None only in versions
    # activated before it existed.
    vitals_near_baseline: BaselineVitals | None = None
    sources: dict[str, Sourced]

    @model_validator(mode="after")
    def _every_value_sourced(self) -> Discharge:
        names = [
            "moaas_required",
            "require_bp_below_urgent",
            "esketamine_bp_falling_from_40_min",
            "cadss_threshold",
            "escort_required",
            "recovery_score",
        ]
        names += [
            name
            for name in ("safe_bp_systolic_max", "safe_bp_diastolic_max")
            if getattr(self, name) is not None
        ]
        missing = [name for name in names if name not in self.sources]
        if missing:
            raise ValueError(f"discharge.sources lacks {missing}")
        if (self.recovery_score is None) != (self.recovery_score_pass is None):
            raise ValueError("recovery_score and recovery_score_pass go together")
        return self


class Monitoring(Frozen):
    vitals_cadence: VitalsCadence
    instruments_at: list[InstrumentTimepoint]
    min_observation_min: int | None = Field(default=None, gt=0)
    observation_from: ObservationFrom
    observation_source: Sourced
    alert_thresholds: list[AlertThreshold]
    # Children's lines by age band; required for paediatric and adolescent protocols.
    paediatric_vitals: PaediatricVitals | None = None
    discharge: Discharge

    @model_validator(mode="after")
    def _unique_rules(self) -> Monitoring:
        ids = [rule.rule for rule in self.alert_thresholds]
        if len(ids) != len(set(ids)):
            raise ValueError("alert_thresholds rule ids must be unique")
        unknown = {s for rule in self.alert_thresholds for s in rule.superseded_by} - set(ids)
        if unknown:
            raise ValueError(f"superseded_by names unknown rules: {sorted(unknown)}")
        return self
