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
from .discharge import DischargeCriteria, RecoveryScoreRule

if TYPE_CHECKING:
    from ketamine_care.protocols.definition import ProtocolDefinition

# How a sustained rule is timed when the protocol does not say: clinical-reference §11.3 words
# the tachycardia scenario as "sustained HR >120 for 5 min" (every reading in the span), and
# the hypertension scenario as "two readings 5 min apart" (a pair, normal readings between
# them allowed).


@dataclass(frozen=True)
class SessionMonitoring:
    """Everything the session evaluators need from one protocol, for one route."""

    protocol_id: str
    protocol_version: str
    rules: tuple[ThresholdRule, ...]
    discharge: DischargeCriteria
    # SHA-256 of the alert thresholds' canonical JSON: what a stored alert names.
    thresholds_digest: str = ""


def monitoring_from_protocol(
    definition: ProtocolDefinition,
    route: str | None = None,
    *,
    pinned_thresholds: list[dict] | None = None,
) -> SessionMonitoring:
    """Alert rules and discharge criteria from `definition.monitoring` for `route`.

    `pinned_thresholds` are the alert thresholds a protocol version pinned at activation; the
    definition's own are used when none are given (the command line, a draft).

    The observation clock (clinical-reference §3.3, §11.6) starts at minute 0 for esketamine
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
    return SessionMonitoring(
        protocol_id=definition.id,
        protocol_version=definition.version,
        thresholds_digest=sha256_digest(thresholds),
        rules=rules,
        discharge=discharge_criteria(
            monitoring,
            observation_start_min=_observation_start(definition, chosen),
        ),
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
    )


def discharge_criteria(
    monitoring: Any, *, observation_start_min: float | None
) -> DischargeCriteria:
    """`monitoring.discharge` plus the observation time as DischargeCriteria."""
    discharge = monitoring.discharge
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
        # Not in the Discharge schema yet (the reference gives no "safe level" number); read
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
