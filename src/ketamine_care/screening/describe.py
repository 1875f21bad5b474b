"""A screening rule's condition in the words a prescriber reads (pure; no Django).

`{"any": [{"bp_above": [140, 90]}, {"has_history": "uncontrolled_hypertension"}]}` reads
"systolic above 140 mmHg or diastolic above 90 mmHg, or a history of uncontrolled
hypertension". It works on the condition as stored (the JSON of a rule set, pinned or
shipped), so a verdict shows the words of the rules it was decided by. A key this module
does not know is shown in humanised words, never as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketamine_care.core.labels import (
    DIAGNOSIS,
    DRUG_CLASS,
    HISTORY,
    SUICIDE_RISK,
    comparison,
    humanise,
    join_words,
    label,
    number,
)

_FACTS = {
    "pregnant": "pregnant",
    "breastfeeding": "breastfeeding",
    "inpatient_care_needed": "needs inpatient care now",
}


def _lower(text: str) -> str:
    """A label inside a sentence: "Bipolar I disorder" stays; "Glaucoma" -> "glaucoma"."""
    first = text.split(" ", 1)[0]
    if any(c.isupper() for c in first[1:]):  # an acronym: "SSRI antidepressant"
        return text
    return text[:1].lower() + text[1:]


def _words(kind: str, codes: Any) -> str:
    items = codes if isinstance(codes, list | tuple) else [codes]
    return join_words([_lower(label(kind, code)) for code in items])


def _bp(limits: Any, op: str) -> str:
    if not isinstance(limits, list | tuple) or len(limits) != 2:
        return f"blood pressure {comparison('', op, _value(limits)).strip()}"
    systolic, diastolic = limits
    return (
        f"{comparison('systolic', op, systolic, 'mmHg')} or "
        f"{comparison('diastolic', op, diastolic, 'mmHg')}"
    )


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return join_words([_value(v) for v in value], "and")
    if isinstance(value, Mapping):
        return describe(value)
    if isinstance(value, str):
        return humanise(value).lower() if value else "nothing"
    return number(value)


def _leaf(key: str, value: Any, condition: Mapping[str, Any]) -> str:
    match key:
        case "has_history" | "has_history_any":
            return f"a history of {_words(HISTORY, value)}"
        case "has_diagnosis_any":
            return f"a diagnosis of {_words(DIAGNOSIS, value)}"
        case "med_class_any":
            return f"taking {_words(DRUG_CLASS, value)}"
        case "age_lt":
            return f"age under {number(value)} years"
        case "age_ge":
            return f"age {number(value)} years or over"
        case "age_gt":
            return f"age over {number(value)} years"
        case "age_lt_months":
            return f"age under {number(value)} months"
        case "bp_above":
            return _bp(value, "gt")
        case "bp_at_least":
            return _bp(value, "ge")
        case "suicide_risk_in":
            return f"suicide risk (C-SSRS) {_words(SUICIDE_RISK, value)}"
        case "unclassified_diagnosis":
            return "a psychiatric diagnosis code the screening cannot classify"
        case "benzodiazepine_dze_gt":
            return f"benzodiazepine load above {number(value)} mg/day diazepam equivalent"
        case "failed_trials_lt":
            return f"fewer than {number(value)} failed adequate antidepressant trials"
        case "sex":
            return f"{_value(value)} patient"
        case "is_true":
            fact = _FACTS.get(str(value), _value(value))
            exempt = condition.get("not_needed_when")
            if isinstance(exempt, Mapping):
                return f"{fact} (not asked when {describe(exempt)})"
            return fact
    return f"{humanise(key).lower()}: {_value(value)}"


def _joins(condition: Any) -> bool:
    """True when the condition's words join alternatives or parts ("a or b", "a and b")."""
    if not isinstance(condition, Mapping):
        return False
    for key, value in condition.items():
        if key in ("all", "any", "bp_above", "bp_at_least"):
            return key.startswith("bp") or len(value) > 1 or any(_joins(v) for v in value)
        if key == "not":
            return False
        if isinstance(value, list | tuple) and len(value) > 1:
            return True
    return len(condition) > 1 and "not_needed_when" not in condition


def _part(condition: Any) -> str:
    """A part of a combination that itself joins words reads in brackets, so
    "a and (b or c)" stays exact."""
    text = describe(condition)
    return f"({text})" if _joins(condition) else text


def describe(condition: Any) -> str:
    """The condition in words, with no braces, slugs or JSON."""
    if not isinstance(condition, Mapping):
        return _value(condition)
    if "all" in condition:
        return join_words([_part(c) for c in condition["all"]], "and")
    if "any" in condition:
        return join_words([_part(c) for c in condition["any"]], "or")
    if "not" in condition:
        return f"not {_part(condition['not'])}"
    parts = [_leaf(k, v, condition) for k, v in condition.items() if k != "not_needed_when"]
    return join_words(parts, "and") or "always"
