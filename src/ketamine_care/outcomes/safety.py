"""Clinic safety rules as data, evaluated against one scored administration. Pure.

A rule names an instrument, a condition (item value, total, triage risk, or subscale rise
from baseline), an optional timepoint, a severity and the actions. Defaults live in
`safety_rules.json` (each rule citing its source); a clinic edits them
as data. Values the reference does not give (the CADSS discharge threshold, acknowledgement
deadlines) ship as null and are reported by `missing_clinic_inputs()`. A message names its
cut-off as `{value}`, filled in with the value as configured (`rule_message`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketamine_care.core.canonical import sha256_digest
from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.scoring import ScoreResult

RULES_PATH = Path(__file__).parent / "safety_rules.json"
Timepoint = Literal["baseline", "pre_session", "in_session", "discharge", "follow_up"]
Severity = Literal["critical", "high", "moderate", "low"]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}
Op = Literal[">", ">=", "<", "<=", "=="]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemCondition(_Frozen):
    kind: Literal["item"]
    item: str
    op: Op
    value: float | None


class TotalCondition(_Frozen):
    kind: Literal["total"]
    op: Op
    value: float | None


class RiskCondition(_Frozen):
    kind: Literal["risk_in"]
    values: tuple[Literal["none", "low", "moderate", "high"], ...] = Field(min_length=1)


class SubscaleRiseCondition(_Frozen):
    """Current subscale minus baseline subscale compared with `value` (points)."""

    kind: Literal["subscale_rise"]
    subscale: str
    op: Op
    value: float | None


Condition = Annotated[
    ItemCondition | TotalCondition | RiskCondition | SubscaleRiseCondition,
    Field(discriminator="kind"),
]


class Actions(_Frozen):
    clinician_alert: bool
    patient_crisis_screen: bool
    care_team_task: str | None
    acknowledge_within_minutes: int | None = Field(default=None, gt=0)


class When(_Frozen):
    timepoint: Timepoint


class SafetyRule(_Frozen):
    id: str
    instrument: str
    condition: Condition
    when: When | None = None
    severity: Severity
    actions: Actions
    message: str
    source: str
    evidence: str
    editable: bool = True

    @model_validator(mode="after")
    def _refers_to_real_things(self) -> SafetyRule:
        definition = load_definition(self.instrument)  # raises for an unknown code
        cond = self.condition
        if isinstance(cond, ItemCondition) and cond.item not in definition.item_ids:
            raise ValueError(f"rule {self.id}: {self.instrument} has no item {cond.item!r}")
        if isinstance(cond, SubscaleRiseCondition) and cond.subscale not in {
            s.name for s in definition.subscales
        }:
            raise ValueError(f"rule {self.id}: {self.instrument} has no subscale {cond.subscale!r}")
        if isinstance(cond, RiskCondition) and definition.triage is None:
            raise ValueError(f"rule {self.id}: {self.instrument} has no triage risk")
        return self


class SafetyRuleSet(_Frozen):
    version: str
    note: str = ""
    rules: tuple[SafetyRule, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> SafetyRuleSet:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("safety rule ids must be unique")
        return self

    @property
    def digest(self) -> str:
        """SHA-256 of these rules (with the clinic's values applied) as canonical JSON: the
        exact rules an alert was raised by."""
        return sha256_digest(self.model_dump(mode="json"))

    def configure(self, values: Mapping[str, float]) -> SafetyRuleSet:
        """A copy with clinic-set condition values by rule id.

        Example: `{"cadss_above_threshold_at_discharge": 4}` sets the CADSS discharge threshold.
        """
        unknown = set(values) - {r.id for r in self.rules}
        if unknown:
            raise KeyError(f"unknown safety rule ids: {sorted(unknown)}")
        rules = []
        for rule in self.rules:
            if rule.id in values:
                cond = rule.condition.model_copy(update={"value": values[rule.id]})
                rule = SafetyRule.model_validate(
                    {**rule.model_dump(), "condition": cond.model_dump()}
                )
            rules.append(rule)
        return self.model_copy(update={"rules": tuple(rules)})


@cache
def load_safety_rules(path: Path = RULES_PATH) -> SafetyRuleSet:
    """Load and validate the default (or a clinic's) safety rules file."""
    return SafetyRuleSet.model_validate(json.loads(path.read_text(encoding="utf-8")))


def missing_clinic_inputs(rules: SafetyRuleSet) -> list[str]:
    """Values with no default that the clinic must set, as 'rule_id: field' strings."""
    missing = []
    for rule in rules.rules:
        if getattr(rule.condition, "value", 0) is None:
            missing.append(f"{rule.id}: condition.value")
        if rule.actions.acknowledge_within_minutes is None:
            missing.append(f"{rule.id}: actions.acknowledge_within_minutes")
    return missing


@dataclass(frozen=True)
class SafetyContext:
    """Where the administration sits in care; `timepoint` None means unspecified."""

    timepoint: Timepoint | None = None


@dataclass(frozen=True)
class SafetyAlert:
    rule_id: str
    instrument: str
    severity: str
    message: str
    observed: float | str | None
    threshold: float | str | None
    actions: Actions
    source: str
    evidence: str
    unconfigured: bool = False


def _observed(
    rule: SafetyRule, result: ScoreResult, baseline: ScoreResult | None
) -> float | str | None:
    cond = rule.condition
    if isinstance(cond, ItemCondition):
        return result.item_values.get(cond.item)
    if isinstance(cond, TotalCondition):
        return result.total
    if isinstance(cond, RiskCondition):
        return result.risk
    if baseline is None or cond.subscale not in baseline.subscales:
        return None  # a rise needs a baseline; without one the rule cannot apply
    return result.subscales[cond.subscale] - baseline.subscales[cond.subscale]


VALUE = "{value}"


def _shown(value: float | None) -> str:
    if value is None:
        return "(not set)"
    return f"{value:g}"


def rule_message(rule: SafetyRule) -> str:
    """The rule's message with `{value}` replaced by its condition value as configured, so
    an alert never states a cut-off the clinic has moved."""
    cond = rule.condition
    if isinstance(cond, RiskCondition):
        return rule.message
    return rule.message.replace(VALUE, _shown(cond.value))


def _alert(rule: SafetyRule, observed: float | str | None, unconfigured: bool) -> SafetyAlert:
    cond = rule.condition
    threshold = ",".join(cond.values) if isinstance(cond, RiskCondition) else cond.value
    message = rule_message(rule)
    if unconfigured:
        message = (
            f"{message} The clinic has not set this rule's threshold, so the value "
            f"({observed}) could not be judged: review it and configure the rule."
        )
    return SafetyAlert(
        rule.id, rule.instrument, rule.severity, message, observed, threshold,
        rule.actions, rule.source, rule.evidence, unconfigured,
    )  # fmt: skip


def _evaluate_one(
    rule: SafetyRule, result: ScoreResult, baseline: ScoreResult | None, context: SafetyContext
) -> SafetyAlert | None:
    if rule.instrument != result.instrument:
        return None
    if rule.when is not None and rule.when.timepoint != context.timepoint:
        return None
    observed = _observed(rule, result, baseline)
    if observed is None:
        return None
    cond = rule.condition
    if isinstance(cond, RiskCondition):
        return _alert(rule, observed, False) if observed in cond.values else None
    if cond.value is None:
        # Required clinic input is missing: never silently skip a safety check.
        return _alert(rule, observed, True)
    return _alert(rule, observed, False) if _OPS[cond.op](observed, cond.value) else None


def evaluate_safety(
    rules: SafetyRuleSet,
    result: ScoreResult,
    baseline: ScoreResult | None = None,
    context: SafetyContext | None = None,
) -> list[SafetyAlert]:
    """Alerts raised by one scored administration, in rule order.

    `baseline` (same instrument) is needed for rise-from-baseline rules such as the BPRS
    positive subscale; `context.timepoint` selects timepoint rules such as CADSS at discharge
    (an INSTITUTIONAL practice [@ketamine-care-defaults]). A rule whose threshold is unset
    raises an `unconfigured` alert.
    """
    ctx = context or SafetyContext()
    alerts = (_evaluate_one(rule, result, baseline, ctx) for rule in rules.rules)
    return [alert for alert in alerts if alert is not None]
