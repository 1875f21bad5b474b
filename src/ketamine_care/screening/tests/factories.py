"""Test data builders. Numbers here are test data, not clinical guidance."""

from __future__ import annotations

from typing import Any

from ketamine_care.screening.evaluator import ScreeningResult, evaluate
from ketamine_care.screening.facts import parse_facts
from ketamine_care.screening.rule_set import load_rule_set

PSYCHIATRIC = [
    "iv-ketamine-trd",
    "esketamine-trd-label",
    "esketamine-mdsi-label",
    "iv-ketamine-bipolar-depression",
    "iv-ketamine-ptsd",
    "iv-ketamine-ocd",
    "iv-ketamine-aud",
    "sc-ketamine-anxiety",
    "iv-ketamine-suicidal-ideation",
    "sc-ketamine-late-life",
    "iv-ketamine-adolescent-research",
    "eating-disorders-research",
]
ED = ["ed-procedural-sedation", "ed-severe-agitation", "pediatric-procedural-sedation"]
ALL_PROTOCOLS = PSYCHIATRIC + ED
ADULT = [
    p
    for p in ALL_PROTOCOLS
    if p not in ("iv-ketamine-adolescent-research", "pediatric-procedural-sedation")
]
TRD = [
    "iv-ketamine-trd",
    "esketamine-trd-label",
    "sc-ketamine-late-life",
    "iv-ketamine-adolescent-research",
]

# A typical clean patient for each protocol: nothing in these facts triggers any rule.
_INDICATION = {
    "iv-ketamine-bipolar-depression": ["bipolar_ii"],
    "iv-ketamine-ptsd": ["ptsd"],
    "iv-ketamine-ocd": ["ocd"],
    "iv-ketamine-aud": ["alcohol_use_disorder"],
    "sc-ketamine-anxiety": ["gad"],
    "eating-disorders-research": [],
}
_AGE = {
    "sc-ketamine-late-life": 62,
    "iv-ketamine-adolescent-research": 15,
    "pediatric-procedural-sedation": 6,
}


def clean_facts(protocol: str = "iv-ketamine-trd", **overrides: Any) -> dict[str, Any]:
    """Complete facts that trigger no rule of `protocol`; overrides replace keys."""
    facts: dict[str, Any] = {
        "age_years": _AGE.get(protocol, 40),
        "sex": "female",
        "pregnant": False,
        "breastfeeding": False,
        "weight_kg": 70,
        "height_cm": 170,
        "bp_systolic": 120,
        "bp_diastolic": 75,
        "heart_rate": 72,
        "diagnoses": _INDICATION.get(protocol, ["mdd"]),
        "history": [],
        "failed_antidepressant_trials": 2,
        "medications": [],
        "suicide_risk": "none",
        "inpatient_care_needed": False,
    }
    if protocol == "iv-ketamine-bipolar-depression":
        facts["medications"] = [{"name": "lithium", "class": "lithium", "daily_dose_mg": 900}]
    if protocol == "esketamine-mdsi-label":
        # The MDSI indication is "in conjunction with an oral antidepressant".
        facts["medications"] = [{"name": "sertraline", "class": "ssri", "daily_dose_mg": 100}]
    facts.update(overrides)
    return facts


def screen(protocol: str, facts: dict[str, Any]) -> ScreeningResult:
    return evaluate(load_rule_set(protocol), parse_facts(facts))


def reason_map(result: ScreeningResult) -> dict[str, str]:
    """rule id -> severity."""
    return {r.rule: r.severity for r in result.reasons}
