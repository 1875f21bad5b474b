"""Pydantic schema for a versioned treatment protocol definition (pure; no Django).

A definition is clinical configuration stored as data (style guide §4.10): every number in
it carries a `source` (the paper or label it rests on, cited from the bibliography, e.g.
`[@fava-2018]`) and an `evidence` tag. Values the reference marks UNCONFIRMED or
INSTITUTIONAL ship as editable defaults (`editable: true`); values the reference does not
give at all are `null` and listed in `clinic_must_set`, so the clinic supplies them when it
activates the protocol.

Models are frozen: a published version never changes; a change is a new `version`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketamine_care.core.evidence import EvidenceTag

Population = Literal["adult", "adolescent", "older_adult", "paediatric"]
Setting = Literal["psychiatric_clinic", "emergency_department"]
Drug = Literal["ketamine", "esketamine"]
Route = Literal["iv", "im", "sc", "intranasal", "oral"]
DoseBasis = Literal["mg_per_kg", "fixed_mg"]
InstrumentCode = Literal[
    "phq9",
    "gad7",
    "madrs",
    "qids_sr16",
    "hamd17",
    "cssrs_screener",
    "pcl5",
    "ybocs",
    "ymrs",
    "bprs18",
    "cadss",
    "moaas",
    "cgi_s",
    "cgi_i",
    "audit",
    "audit_c",
    "cdrs_r",
    "aldrete",
    "padss",
    "hama",
    "caps5",
    "tlfb",
]
# "map" (mean arterial pressure) is computed from systolic and diastolic, never entered.
Measure = Literal[
    "bp_systolic", "bp_diastolic", "map", "heart_rate", "spo2", "respiratory_rate", "moaas"
]
AGE_BANDED: tuple[str, ...] = ("paediatric", "adolescent")
Comparison = Literal["gt", "lt", "le", "ge", "in"]
AlertPhase = Literal["pre_dose", "post_dose", "any"]
AlertTier = Literal["info", "warning", "urgent"]
ObservationFrom = Literal["first_device", "end_of_infusion"]
TimePoint = Literal[
    "baseline",
    "pre_dose",
    "during",
    "post_dose",
    "pre_discharge",
    "review",
    "follow_up",
]


class Frozen(BaseModel):
    """Base: immutable, and unknown keys are an error so typos in data files fail loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Frozen):
    """Provenance carried by every clinical value: where it comes from and how strong it is."""

    source: str = Field(min_length=3)
    evidence: EvidenceTag
    editable: bool = False
    note: str | None = None


class RepeatRule(Sourced):
    """Top-up doses (ED sedation): mg/kg range and the interval range in minutes."""

    min_mg_per_kg: float = Field(gt=0)
    max_mg_per_kg: float = Field(gt=0)
    interval_min: tuple[int, int]


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
    reference gives no number and the clinic must set one before the rule can be used.
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

    Neither frequency set means the reference gives none (the clinic must set it). The block
    ends after `weeks` weeks or `sessions` visits, whichever the data gives (None for both
    means open-ended). `dose_sequence` is the planned dose per visit in dose-rule units; past
    its end the last entry repeats, unless `dose_options` is given, in which case later visits
    are planned as "one of the options" (no single planned dose). `min_gap_days` is the
    closest two visits may fall, with its own provenance in `min_gap_source`.
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


class VitalsCadence(Sourced):
    description: str
    during_every_min: int | None = Field(default=None, gt=0)
    after_every_min: int | None = Field(default=None, gt=0)
    after_for_min: int | None = Field(default=None, gt=0)
    continuous: list[str] = Field(default_factory=list)
    bp_at_min: list[int] = Field(default_factory=list)


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
    # "BP falling or at a safe level" (§3.3, §11.1): the level below which an unchanged BP
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
    evidence: Evidence
    citations: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def _routes_covered(self) -> ProtocolDefinition:
        if set(self.dose) != set(self.routes) or set(self.administration) != set(self.routes):
            raise ValueError("dose and administration must have exactly one entry per route")
        if self.screening_rule_set != self.id:
            raise ValueError("screening_rule_set must equal the protocol id")
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
