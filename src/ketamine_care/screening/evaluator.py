"""Eligibility screening: a pure function from (rule set, facts) to a verdict with reasons.

Severities of a reason, worst first: `ineligible` (absolute contraindication; cannot be
overridden), `requires_override` (a prescriber may proceed only with a documented reason, which
the medical director co-signs), `missing_information` (a rule could not be decided because a
fact it needs was not supplied), `caution` (proceed with the advice shown) and `info` (shown,
never changes the verdict).

Verdict = the worst reason, mapped: ineligible -> `ineligible`; requires_override or
missing_information -> `requires_override`; caution -> `eligible_with_cautions`; otherwise
`eligible`. Missing information is never silently treated as absent and can never give a
verdict better than `requires_override`: the prescriber must supply the fact and re-screen, or
document why they proceed without it. Where the undecided rule would have made the patient
`ineligible`, `ScreeningResult.override_allowed` is False, so the service layer can demand the
fact instead of accepting an override.

Evaluation is deterministic and independent of the order of facts and rules: reasons are
sorted by severity, then rule id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import evaluate_condition
from .facts import Facts, parse_facts
from .rule_set import Rule, RuleSet

SEVERITY_ORDER: tuple[str, ...] = (
    "ineligible",
    "requires_override",
    "missing_information",
    "caution",
    "info",
)
_VERDICT_FOR: dict[str, str] = {
    "ineligible": "ineligible",
    "requires_override": "requires_override",
    "missing_information": "requires_override",
    "caution": "eligible_with_cautions",
}


@dataclass(frozen=True)
class Reason:
    """One reason. `rule_severity` is what the rule would give when it holds (for a
    missing_information reason, the severity it could not rule out); `missing` names the
    absent facts, e.g. ("history",) or ("medications[lorazepam].diazepam_equivalent_mg",)."""

    rule: str
    severity: str
    message: str
    source: str
    evidence: str
    rule_severity: str
    missing: tuple[str, ...] = ()

    def as_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True)
class ScreeningResult:
    """The verdict for one protocol, with every reason and the exact rule set applied."""

    protocol: str
    verdict: str
    reasons: tuple[Reason, ...]
    rule_set_id: str
    rule_set_version: str
    rule_set_digest: str

    @property
    def override_allowed(self) -> bool:
        """False when ineligible, or when missing facts leave an absolute contraindication open."""
        if self.verdict == "ineligible":
            return False
        return not any(
            r.severity == "missing_information" and r.rule_severity == "ineligible"
            for r in self.reasons
        )

    def as_json(self) -> dict[str, Any]:
        """Exactly the `ketamine-care screen --json` object: protocol, verdict, reasons."""
        return {
            "protocol": self.protocol,
            "verdict": self.verdict,
            "reasons": [reason.as_json() for reason in self.reasons],
        }

    def as_record(self) -> dict[str, Any]:
        """Everything to store with the facts: adds rule-set version, digest and evidence."""
        return {
            **self.as_json(),
            "reasons": [
                {
                    **r.as_json(),
                    "evidence": r.evidence,
                    "rule_severity": r.rule_severity,
                    "missing": list(r.missing),
                }
                for r in self.reasons
            ],
            "override_allowed": self.override_allowed,
            "rule_set": {
                "id": self.rule_set_id,
                "version": self.rule_set_version,
                "digest": self.rule_set_digest,
            },
        }


def _reason(rule: Rule, facts: Facts) -> Reason | None:
    outcome = evaluate_condition(rule.condition, facts)
    if outcome.value is False:
        return None
    if outcome.value is True:
        return Reason(
            rule.id, rule.severity, rule.message, rule.source, rule.evidence, rule.severity
        )
    missing = tuple(sorted(outcome.missing))
    message = (
        f"Not recorded: {', '.join(missing)}. This rule cannot be checked until it is; "
        f"if it applies ({rule.severity}): {rule.message}"
    )
    return Reason(
        rule.id, "missing_information", message, rule.source, rule.evidence, rule.severity, missing
    )


def verdict_for(reasons: tuple[Reason, ...]) -> str:
    """The worst severity among the reasons, as a verdict (see the module docstring)."""
    for severity in SEVERITY_ORDER:
        if severity in _VERDICT_FOR and any(r.severity == severity for r in reasons):
            return _VERDICT_FOR[severity]
    return "eligible"


def evaluate(
    rule_set: RuleSet, facts: Facts | Mapping[str, Any], protocol: str | None = None
) -> ScreeningResult:
    """Screen one patient's facts against one protocol's rule set.

    `facts` is a `Facts` model or a raw mapping (validated by `parse_facts`, which raises
    `FactsError` naming each bad field). `protocol` defaults to the rule set id (by agreement
    a protocol's rule set id is its own id). Pure and deterministic; the clinical source of
    every rule is in the rule-set data files.
    """
    if not isinstance(facts, Facts):
        facts = parse_facts(facts)
    found = [reason for rule in rule_set.rules if (reason := _reason(rule, facts)) is not None]
    reasons = tuple(sorted(found, key=lambda r: (SEVERITY_ORDER.index(r.severity), r.rule)))
    return ScreeningResult(
        protocol=protocol or rule_set.id,
        verdict=verdict_for(reasons),
        reasons=reasons,
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        rule_set_digest=rule_set.digest,
    )
