"""Pydantic schema for a versioned treatment protocol definition (pure; no Django).

A definition is clinical configuration stored as data: every number in it carries a `source`
(the paper or label it rests on, cited from the bibliography, e.g. `[@fava-2018]`) and an
`evidence` tag. Values marked UNCONFIRMED or INSTITUTIONAL ship as editable defaults
(`editable: true`); values no cited source gives are `null` and listed in `clinic_must_set`,
so the clinic supplies them when it activates the protocol.

Models are frozen: a published version never changes; a change is a new `version`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, model_validator

from ketamine_care.core.evidence import EvidenceTag
from ketamine_care.protocols.definition_base import (
    AGE_BANDED,
    AlertPhase,
    AlertTier,
    Comparison,
    DoseBasis,
    Drug,
    Frozen,
    InstrumentCode,
    Measure,
    ObservationFrom,
    Population,
    Route,
    Setting,
    Sourced,
    TimePoint,
)
from ketamine_care.protocols.definition_monitoring import (
    COMPARISON_WORDS,
    MEASURE_WORDS,
    AgeBand,
    AlertThreshold,
    BaselineVitals,
    Discharge,
    InstrumentTimepoint,
    Monitoring,
    PaediatricVitals,
    ThresholdCondition,
    VitalsCadence,
)
from ketamine_care.protocols.definition_surveillance import Surveillance

# Re-exported: callers import every part of the schema from here.
__all__ = [
    "AGE_BANDED",
    "Administration",
    "AgeBand",
    "AlertPhase",
    "AlertThreshold",
    "AlertTier",
    "BaselineVitals",
    "COMPARISON_WORDS",
    "Citation",
    "Comparison",
    "Discharge",
    "DoseBasis",
    "DoseCeiling",
    "DoseRule",
    "Drug",
    "Evidence",
    "Frozen",
    "InstrumentCode",
    "InstrumentTimepoint",
    "JurisdictionStart",
    "MEASURE_WORDS",
    "Measure",
    "Monitoring",
    "ObservationFrom",
    "Outcome",
    "PaediatricVitals",
    "Population",
    "ProtocolDefinition",
    "RepeatRule",
    "Review",
    "Route",
    "Schedule",
    "ScheduleBlock",
    "Setting",
    "Sourced",
    "Surveillance",
    "Threshold",
    "ThresholdCondition",
    "TimePoint",
    "VitalsCadence",
    "WarnAbove",
    "WeightPlausibility",
]


class RepeatRule(Sourced):
    """Top-up doses (ED sedation): mg/kg range and the interval range in minutes. `once`: a
    single repeat dose after the interval (IM, [@green-2011]), not a dose every interval (IV)."""

    min_mg_per_kg: float = Field(gt=0)
    max_mg_per_kg: float = Field(gt=0)
    interval_min: tuple[int, int]
    once: bool = False


class DoseCeiling(Sourced):
    """The clinic's absolute ceiling per dose in mg (None: not set). Crossing it is allowed
    only with a documented reason; unlike `max_single_dose_mg` it never lowers the dose."""

    mg: float | None = Field(default=None, gt=0)


class WarnAbove(Sourced):
    """A dose above `mg_per_kg` is allowed but warns with `message` (e.g. agitation > 4 mg/kg)."""

    mg_per_kg: float = Field(gt=0)
    message: str = Field(min_length=3)


class JurisdictionStart(Sourced):
    """A label's different start for older patients in one jurisdiction (fixed-mg rules):
    from `min_age_years`, start at `default` mg with `allowed_fixed_doses_mg` allowed."""

    jurisdiction: Literal["US", "EU"]
    min_age_years: float = Field(gt=0)
    default: float = Field(gt=0)
    allowed_fixed_doses_mg: list[float] = Field(min_length=1)
    titration_ladder: list[float] = Field(default_factory=list)


class WeightPlausibility(Sourced):
    """Adult weight and height outside these ranges need the clinician's confirmation; a weight
    within `pounds_tolerance_percent` of `pounds_factor` x the last weight warns."""

    adult_weight_kg: tuple[float, float]
    adult_height_cm: tuple[float, float]
    pounds_factor: float = Field(gt=1)
    pounds_tolerance_percent: float = Field(gt=0, lt=50)


class DoseRule(Sourced):
    """Dose rule for one route. Units: mg/kg when `basis` is mg_per_kg, else mg.

    `default` None (with the field named in the definition's `clinic_must_set`) means the
    sources give no number and the clinic must set one before the rule can be used.
    `ceiling` is the clinic's absolute mg ceiling per dose, `warn_above` a sourced warning
    line inside the allowed range, `jurisdiction_starts` label starts that differ by country.
    """

    basis: DoseBasis
    default: float | None = Field(default=None, gt=0)
    allowed_min: float | None = Field(default=None, gt=0)
    allowed_max: float | None = Field(default=None, gt=0)
    titration_ladder: list[float] = Field(default_factory=list)
    allowed_fixed_doses_mg: list[float] = Field(default_factory=list)
    max_single_dose_mg: float | None = Field(default=None, gt=0)
    max_single_dose_source: Sourced | None = None
    repeat: RepeatRule | None = None
    ceiling: DoseCeiling | None = None
    warn_above: WarnAbove | None = None
    jurisdiction_starts: list[JurisdictionStart] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> DoseRule:
        lo, hi = self.allowed_min, self.allowed_max
        if lo is not None and hi is not None and lo > hi:
            raise ValueError("allowed_min is above allowed_max")
        for value in [*self.titration_ladder, *([self.default] if self.default else [])]:
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ValueError(f"{value} lies outside the allowed range {lo}-{hi}")
        if self.titration_ladder != sorted(self.titration_ladder):
            raise ValueError("titration_ladder must ascend")
        if self.max_single_dose_mg is not None and self.max_single_dose_source is None:
            raise ValueError("max_single_dose_mg needs max_single_dose_source")
        return self


class Administration(Sourced):
    """How the dose is given: infusion minutes (IV), injection text, esketamine devices."""

    infusion_duration_min: int | None = Field(default=None, gt=0)
    injection: str | None = None
    device_mg: int | None = Field(default=None, gt=0)
    device_spacing_min: int | None = Field(default=None, ge=0)
    co_interventions: list[str] = Field(default_factory=list)
    instructions: list[str] = Field(default_factory=list)


class ScheduleBlock(Sourced):
    """A run of dosing visits: `sessions_per_week` visits a week, or one every `every_weeks`.

    Neither frequency set means no source gives one (the clinic must set it). The block
    ends after `weeks` weeks or `sessions` visits, whichever the data gives (None for both
    means open-ended). `dose_sequence` is the planned dose per visit in dose-rule units; past
    its end the last entry repeats, unless `dose_options` is given, in which case later visits
    are planned as "one of the options" (no single planned dose). Every visit within the
    sequence carries the options too, so a dose planned at each visit with others allowed
    (esketamine MDSI: 84 mg, 56 mg for tolerability) lists it once per visit of the block.
    `min_gap_days` is the closest two visits may fall, with its own provenance in
    `min_gap_source`.
    """

    phase: Literal["induction", "maintenance"]
    label: str
    sessions_per_week: int | None = Field(default=None, ge=1, le=3)
    every_weeks: int | None = Field(default=None, ge=1)
    weeks: int | None = Field(default=None, ge=1)
    sessions: int | None = Field(default=None, ge=1)
    min_gap_days: int | None = Field(default=None, ge=1)
    min_gap_source: Sourced | None = None
    dose_sequence: list[float] = Field(default_factory=list)
    dose_options: list[float] = Field(default_factory=list)
    conditional: str | None = None

    @model_validator(mode="after")
    def _one_frequency(self) -> ScheduleBlock:
        if self.sessions_per_week is not None and self.every_weeks is not None:
            raise ValueError("give sessions_per_week or every_weeks, not both")
        return self


class Review(Sourced):
    """A decision point: after visit `after_session` (or the end of induction) + offset days."""

    after_session: int | Literal["end_of_induction"]
    offset_days: int = Field(default=0, ge=0)
    purpose: str
    instruments: list[InstrumentCode] = Field(default_factory=list)


class Schedule(Frozen):
    kind: Literal["course", "single_episode"]
    blocks: list[ScheduleBlock] = Field(default_factory=list)
    reviews: list[Review] = Field(default_factory=list)
    maintenance_note: str | None = None
    step_down_weeks: list[int] = Field(default_factory=list)
    step_down_source: Sourced | None = None


class Threshold(Sourced):
    """`percent_reduction`: improvement from baseline >= value %; `score`: total <= value."""

    kind: Literal["percent_reduction", "score"]
    comparison: Literal["ge", "le", "lt"]
    value: float


class Outcome(Frozen):
    instrument: InstrumentCode
    response: Threshold | None = None
    remission: Threshold | None = None
    secondary: list[InstrumentCode] = Field(default_factory=list)
    note: str | None = None


class Evidence(Frozen):
    tag: EvidenceTag
    level: str | None = None
    key_trials: list[str]
    known: list[str]
    unknown: list[str]


class Citation(Frozen):
    text: str
    reference: str


def _check_absolute_ages(definition: ProtocolDefinition) -> None:
    for end in ("min", "max"):
        if not getattr(definition, f"{end}_age_absolute"):
            continue
        if getattr(definition, f"{end}_age_years") is None:
            raise ValueError(f"{end}_age_absolute needs {end}_age_years")
        if getattr(definition, f"{end}_age_source") is None:
            raise ValueError(f"{end}_age_absolute needs {end}_age_source")


class ProtocolDefinition(Frozen):
    """A complete, versioned protocol. `screening_rule_set` equals `id` by project convention."""

    schema_version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    version: str = Field(min_length=1)
    title: str
    summary: str
    indications: list[str] = Field(min_length=1)
    population: Population
    min_age_years: float | None = None
    max_age_years: float | None = None
    # An absolute age bound is a contraindication no documented reason lifts (ACEP: under
    # 3 months); it needs the bound and its source. False: a reason lifts it, as before.
    min_age_absolute: StrictBool = False
    min_age_source: Sourced | None = None
    max_age_absolute: StrictBool = False
    max_age_source: Sourced | None = None
    setting: Setting
    drug: Drug
    routes: list[Route] = Field(min_length=1)
    dose: dict[Route, DoseRule]
    administration: dict[Route, Administration]
    schedule: Schedule
    monitoring: Monitoring
    outcome: Outcome
    screening_rule_set: str
    research_only: bool
    clinic_must_set: list[str] = Field(default_factory=list)
    # None: the shipped defaults (dosing/data/weight_plausibility.json) apply.
    weight_plausibility: WeightPlausibility | None = None
    # None: a single episode of care has no long-term surveillance; a course (repeated
    # dosing) without a block is followed with surveillance/data/default_schedule.json.
    surveillance: Surveillance | None = None
    evidence: Evidence
    citations: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def _routes_covered(self) -> ProtocolDefinition:
        if set(self.dose) != set(self.routes) or set(self.administration) != set(self.routes):
            raise ValueError("dose and administration must have exactly one entry per route")
        if self.screening_rule_set != self.id:
            raise ValueError("screening_rule_set must equal the protocol id")
        _check_absolute_ages(self)
        if self.drug == "esketamine":
            if self.monitoring.observation_from != "first_device":
                raise ValueError("esketamine observation is timed from the first device")
        elif self.monitoring.observation_from != "end_of_infusion":
            raise ValueError("ketamine observation is timed from the end of the infusion")
        if self.population in AGE_BANDED and self.monitoring.paediatric_vitals is None:
            raise ValueError(
                "a paediatric or adolescent protocol needs monitoring.paediatric_vitals"
            )
        return self

    @property
    def age_banded(self) -> bool:
        """Whether vital signs are judged by the patient's age band (needs the age)."""
        return self.monitoring.paediatric_vitals is not None

    @property
    def default_route(self) -> Route:
        return self.routes[0]

    def dose_rule(self, route: Route | None = None) -> DoseRule:
        """The dose rule for `route` (the protocol's default route when None)."""
        return self.dose[route or self.default_route]

    def administration_for(self, route: Route | None = None) -> Administration:
        return self.administration[route or self.default_route]
