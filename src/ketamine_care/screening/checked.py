"""What a verdict checked, in words: every criterion of the rule set with its result on the
stored facts (not only the ones that fired), and the facts themselves.

Re-evaluating a criterion is the same pure function the verdict was decided by
(`conditions.evaluate_condition`) on the facts stored with the verdict, so the list shows what
the screening saw. Facts that can no longer be read show every criterion as undecided: a
reader never sees "does not apply" that nobody checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketamine_care.core import labels as core_labels
from ketamine_care.core.ages import completed_age_text
from ketamine_care.screening import labels
from ketamine_care.screening.conditions import evaluate_condition
from ketamine_care.screening.describe import describe
from ketamine_care.screening.facts import FACT_FIELDS, FactsError, parse_facts
from ketamine_care.screening.rule_set import RuleSet

APPLIES, CLEAR, UNDECIDED = "applies", "clear", "undecided"
RESULT_WORDS = {APPLIES: "Applies", CLEAR: "Does not apply", UNDECIDED: "Not decided"}

# Units of the numeric facts, as the facts module defines them.
_UNITS = {
    "weight_kg": "kg",
    "height_cm": "cm",
    "bp_systolic": "mmHg",
    "bp_diastolic": "mmHg",
    "heart_rate": "/min",
}
_WORD_KINDS = {
    "diagnoses": core_labels.DIAGNOSIS,
    "history": core_labels.HISTORY,
    "suicide_risk": core_labels.SUICIDE_RISK,
}


@dataclass(frozen=True)
class Criterion:
    rule: str
    criterion: str
    severity: str  # what the rule gives when it applies, in words
    result: str  # APPLIES, CLEAR or UNDECIDED
    missing: str = ""  # the facts it needed, in words

    @property
    def result_words(self) -> str:
        return RESULT_WORDS[self.result]


def criteria_checked(rule_set: RuleSet, facts: Mapping[str, Any]) -> list[Criterion]:
    """Every rule of `rule_set` with its result on `facts`, in the rule set's order."""
    try:
        parsed = parse_facts(dict(facts))
    except FactsError:
        parsed = None
    shown = []
    for rule in rule_set.rules:
        condition = rule.condition.model_dump(by_alias=True, exclude_none=True)
        severity = labels.SEVERITIES.get(rule.severity, core_labels.humanise(rule.severity))
        if parsed is None:
            shown.append(Criterion(rule.id, describe(condition), severity, UNDECIDED))
            continue
        outcome = evaluate_condition(rule.condition, parsed)
        result = {True: APPLIES, False: CLEAR, None: UNDECIDED}[outcome.value]
        missing = ", ".join(labels.fact_words(m) for m in sorted(outcome.missing))
        shown.append(Criterion(rule.id, describe(condition), severity, result, missing))
    return shown


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fact_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "age_years" and isinstance(value, int | float):
        return completed_age_text(value)  # "7 months", "41 years"
    if name in _UNITS:
        return f"{_number(value)} {_UNITS[name]}"
    if name in _WORD_KINDS:
        values = value if isinstance(value, list) else [value]
        return ", ".join(core_labels.label(_WORD_KINDS[name], v) for v in values) or "None"
    if name == "medications":
        names = []
        for med in value:
            kind = med.get("class")
            drug_class = f" ({core_labels.label(core_labels.DRUG_CLASS, kind)})" if kind else ""
            names.append(f"{med.get('name', '')}{drug_class}")
        return ", ".join(names) or "None"
    if name == "sex":
        return core_labels.humanise(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
    return _number(value)


def _list_confirmed(facts: Mapping[str, Any]) -> str:
    """`medications_unreviewed` in words, as "Medication list confirmed complete" asks it: a
    list given without the flag was read as complete."""
    if facts.get("medications_unreviewed"):
        return "No"
    return "Not recorded" if facts.get("medications") is None else "Yes"


def facts_in_words(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each fact the screening read, as (name, value) in words; "Not recorded" when absent."""
    shown = []
    for name in FACT_FIELDS:
        value = facts.get(name)
        if name == "medications_unreviewed":
            words = _list_confirmed(facts)
        else:
            words = "Not recorded" if value is None else _fact_value(name, value)
        shown.append((labels.fact_words(name).capitalize(), words))
    return shown
