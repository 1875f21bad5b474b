"""Adapter from a protocol definition (`protocols.definition.ProtocolDefinition`) to the
evaluator's own frozen dataclasses, so `alerts.py` and `discharge.py` stay testable alone.

Pure: imports only the Pydantic protocol schema, never Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ketamine_care.core.canonical import sha256_digest
from ketamine_care.protocols.definition import AlertThreshold

from .alerts import Condition, ThresholdRule
from .cadence import Cadence
from .discharge import BaselineRule, DischargeCriteria, RecoveryScoreRule
from .paediatric import AgeBand, PaediatricVitals, rules_for_age

if TYPE_CHECKING:
    from ketamine_care.protocols.definition import ProtocolDefinition

# How a sustained rule is timed when the protocol does not say: the tachycardia scenario is
# "sustained HR >120 for 5 min" (every reading in the span), and the hypertension scenario
# "still breached 5 min later" (a pair, normal readings between them allowed).


@dataclass(frozen=True)
class SessionMonitoring:
    """Everything the session evaluators need from one protocol, for one route."""

    protocol_id: str
    protocol_version: str
    rules: tuple[ThresholdRule, ...]
    discharge: DischargeCriteria
    # SHA-256 of the alert thresholds' canonical JSON: what a stored alert names.
    thresholds_digest: str = ""
    cadence: Cadence = Cadence()
    age_years: float | None = None


def monitoring_from_protocol(
    definition: ProtocolDefinition,
    route: str | None = None,
    *,
    pinned_thresholds: list[dict] | None = None,
    age_years: float | None = None,
    clinic_interval_min: float | None = None,
) -> SessionMonitoring:
    """Alert rules, discharge criteria and BP cadence from `definition.monitoring` for `route`.

    `pinned_thresholds` are the alert thresholds a protocol version pinned at activation; the
    definition's own are used when none are given (the command line, a draft). An age-banded
    (paediatric or adolescent) protocol adds the rules of the patient's age band and needs
    `age_years` (`paediatric.AgeError` without it). `clinic_interval_min` is the clinic's
    recording interval for a route the data gives none.

    The observation clock starts at minute 0 for esketamine
    (`observation_from = "first_device"`); for IV ketamine (`"end_of_infusion"`) it starts at
    the route's `infusion_duration_min`, or 0 for a bolus route (IM/SC) where the dose ends
    when given. An IV protocol without an infusion duration leaves the start unknown (None),
    and discharge then reports `minimum_observation_not_configured` instead of guessing.
    """
    monitoring = definition.monitoring
    chosen = route or definition.default_route
    if pinned_thresholds is None:
        thresholds = [t.model_dump(mode="json") for t in monitoring.alert_thresholds]
    else:
        thresholds = pinned_thresholds
    rules = tuple(threshold_rule(AlertThreshold.model_validate(t)) for t in thresholds)
    if monitoring.paediatric_vitals is not None:
        rules += rules_for_age(paediatric_vitals(monitoring.paediatric_vitals), age_years)
    start = _observation_start(definition, chosen)
    return SessionMonitoring(
        protocol_id=definition.id,
        protocol_version=definition.version,
        thresholds_digest=sha256_digest(thresholds),
        rules=rules,
        discharge=discharge_criteria(monitoring, observation_start_min=start),
        cadence=cadence(
            monitoring.vitals_cadence,
            infusion_end_min=start if monitoring.observation_from == "end_of_infusion" else None,
            clinic_interval_min=clinic_interval_min,
        ),
        age_years=age_years,
    )


def paediatric_vitals(data: Any) -> PaediatricVitals:
    """`monitoring.paediatric_vitals` as the pure module's band table."""
    return PaediatricVitals(
        bands=tuple(AgeBand(**band.model_dump()) for band in data.bands),
        hypoxia_spo2_below=data.hypoxia_spo2_below,
        source=data.source,
        evidence=data.evidence,
    )


def cadence(
    data: Any, *, infusion_end_min: float | None, clinic_interval_min: float | None = None
) -> Cadence:
    """`monitoring.vitals_cadence` as a Cadence; the clinic's interval fills a gap only. A
    copy that asks for recording after the infusion with no interval for it (one activated
    before the library said it) keeps the interval during the infusion: fail safe, readings
    after it can still be overdue."""
    during, after = data.during_every_min, data.after_every_min
    if clinic_interval_min and not (during or after):
        during = after = clinic_interval_min
    if after is None and data.after_for_min is not None:
        after = during
    return Cadence(
        during_every_min=during,
        after_every_min=after,
        after_for_min=data.after_for_min,
        bp_at_min=tuple(data.bp_at_min),
        # Bolus routes end when given: no "during" phase (see _observation_start).
        infusion_end_min=infusion_end_min or None,
    )


def threshold_rule(threshold: Any) -> ThresholdRule:
    """One `AlertThreshold` (its conditions are alternatives) as a ThresholdRule."""
    conditions = tuple(
        Condition(
            c.measure,
            c.comparison,
            tuple(c.value) if isinstance(c.value, list | tuple) else c.value,
        )
        for c in threshold.conditions
    )
    measures = {c.measure for c in conditions}
    default_mode = "continuous" if measures == {"heart_rate"} else "repeat"
    return ThresholdRule(
        rule=threshold.rule,
        phase=threshold.phase,
        conditions=conditions,
        tier=threshold.tier,
        message=threshold.message,
        action=threshold.action,
        source=threshold.source,
        evidence=threshold.evidence,
        editable=threshold.editable,
        sustained_min=threshold.sustained_min,
        sustained_mode=threshold.sustained_mode or default_mode,
        match=threshold.match,
        with_symptoms=threshold.with_symptoms,
        superseded_by=tuple(threshold.superseded_by),
    )


def discharge_criteria(
    monitoring: Any, *, observation_start_min: float | None
) -> DischargeCriteria:
    """`monitoring.discharge` plus the observation time as DischargeCriteria."""
    discharge = monitoring.discharge
    baseline = None
    if discharge.vitals_near_baseline is not None:
        item = discharge.vitals_near_baseline
        baseline = BaselineRule(
            within_percent=item.within_percent,
            bp_systolic_max=item.bp_systolic_max,
            bp_diastolic_max=item.bp_diastolic_max,
            source=item.source,
        )
    recovery = None
    if discharge.recovery_score is not None and discharge.recovery_score_pass is not None:
        source = discharge.sources.get("recovery_score")
        recovery = RecoveryScoreRule(
            instrument=discharge.recovery_score,
            min_total=discharge.recovery_score_pass,
            source=source.source if source is not None else "",
        )
    return DischargeCriteria(
        min_observation_min=monitoring.min_observation_min,
        observation_from=monitoring.observation_from,
        observation_start_min=observation_start_min,
        moaas_required=discharge.moaas_required,
        require_bp_below_urgent=discharge.require_bp_below_urgent,
        bp_falling_from_40_min=discharge.esketamine_bp_falling_from_40_min,
        cadss_threshold=discharge.cadss_threshold,
        escort_required=discharge.escort_required,
        recovery_score=recovery,
        baseline=baseline,
        # Not in the Discharge schema yet (the label gives no "safe level" number); read
        # if a clinic-set value is added under these names.
        safe_bp_systolic_max=getattr(discharge, "safe_bp_systolic_max", None),
        safe_bp_diastolic_max=getattr(discharge, "safe_bp_diastolic_max", None),
    )


def _observation_start(definition: ProtocolDefinition, route: str) -> float | None:
    if definition.monitoring.observation_from == "first_device":
        return 0
    administration = definition.administration.get(route)  # type: ignore[call-overload]
    if administration is None:
        raise ValueError(f"protocol {definition.id!r} has no route {route!r}")
    if administration.infusion_duration_min is not None:
        return administration.infusion_duration_min
    return None if route == "iv" else 0
