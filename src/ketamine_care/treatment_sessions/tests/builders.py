"""Rules built in tests, mirroring the issue's default thresholds ([@spravato-uspi §2],
[@yip-2022], [@chernik-1990]). Numbers here are test data; shipped values come from the
protocol library."""

from __future__ import annotations

from ketamine_care.treatment_sessions.alerts import Condition, ThresholdRule
from ketamine_care.treatment_sessions.discharge import DischargeCriteria
from ketamine_care.treatment_sessions.readings import Reading


def rule(
    rule_id: str,
    phase: str,
    conditions: list[tuple[str, str, float | tuple[float, ...]]],
    tier: str,
    *,
    sustained_min: float | None = None,
    sustained_mode: str = "repeat",
) -> ThresholdRule:
    return ThresholdRule(
        rule=rule_id,
        phase=phase,
        conditions=tuple(Condition(m, c, v) for m, c, v in conditions),
        tier=tier,
        message=f"{rule_id} message",
        action=f"{rule_id} action",
        source="Test threshold [@yip-2022]",
        evidence="INSTITUTIONAL",
        sustained_min=sustained_min,
        sustained_mode=sustained_mode,
    )


DEFAULT_RULES: tuple[ThresholdRule, ...] = (
    rule("bp_pre_dose_review", "pre_dose",
         [("bp_systolic", "gt", 140), ("bp_diastolic", "gt", 90)], "warning"),
    rule("bp_severe_repeated", "post_dose",
         [("bp_systolic", "gt", 180), ("bp_diastolic", "gt", 110)], "urgent", sustained_min=5),
    rule("bp_severe_single", "post_dose",
         [("bp_systolic", "gt", 200), ("bp_diastolic", "gt", 120)], "urgent"),
    rule("hr_sustained_high", "post_dose", [("heart_rate", "gt", 120)], "warning",
         sustained_min=5, sustained_mode="continuous"),
    rule("spo2_low", "any", [("spo2", "lt", 92)], "urgent"),
    rule("rr_low", "any", [("respiratory_rate", "lt", 10)], "urgent"),
    rule("moaas_unresponsive", "post_dose", [("moaas", "in", (0, 1))], "urgent"),
    rule("moaas_sedated", "post_dose", [("moaas", "in", (2, 3))], "warning"),
)  # fmt: skip

ESKETAMINE = DischargeCriteria(
    min_observation_min=120,
    observation_from="first_device",
    observation_start_min=0,
    bp_falling_from_40_min=True,
)
IV = DischargeCriteria(
    min_observation_min=60,
    observation_from="end_of_infusion",
    observation_start_min=40,
)


def normal(minute: float, **overrides: float | None) -> Reading:
    """A reading that breaches none of DEFAULT_RULES (test data)."""
    values: dict[str, float | None] = dict(
        bp_systolic=120, bp_diastolic=75, heart_rate=80, spo2=98, respiratory_rate=14, moaas=5
    )
    values.update(overrides)
    return Reading(minute=minute, **values)  # type: ignore[arg-type]
