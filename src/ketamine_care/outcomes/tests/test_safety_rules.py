"""Default clinic safety rules and their evaluation against scored administrations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.scoring import ScoreResult, score
from ketamine_care.outcomes.models import SEVERITY_ORDER
from ketamine_care.outcomes.safety import (
    RULES_PATH,
    SafetyAlert,
    SafetyContext,
    SafetyRuleSet,
    evaluate_safety,
    load_safety_rules,
    missing_clinic_inputs,
    rule_message,
)

RULES = load_safety_rules()


def _score(code: str, answers: list[int]) -> ScoreResult:
    return score(load_definition(code), answers)


def _ids(alerts: list[Any]) -> list[str]:
    return [a.rule_id for a in alerts]


def test_phq9_item9_alerts_with_crisis_screen() -> None:
    alerts = evaluate_safety(RULES, _score("phq9", [0] * 8 + [1]))
    assert _ids(alerts) == ["phq9_item9_positive"]
    assert alerts[0].severity == "high" and alerts[0].actions.patient_crisis_screen


def test_phq9_without_item9_is_quiet() -> None:
    assert evaluate_safety(RULES, _score("phq9", [3] * 8 + [0])) == []


@pytest.mark.parametrize(
    "answers,expected",
    [
        ([0, 0, 0, 0, 0, 0, 0], []),
        ([1, 0, 0, 0, 0, 0, 0], ["cssrs_low_risk"]),
        ([1, 1, 0, 0, 0, 0, 0], ["cssrs_low_risk"]),
        ([1, 1, 1, 0, 0, 0, 0], ["cssrs_moderate_risk"]),
        ([0, 0, 0, 0, 0, 1, 0], ["cssrs_moderate_risk"]),
        ([1, 1, 1, 1, 0, 0, 0], ["cssrs_high_risk"]),
        ([0, 0, 0, 0, 0, 1, 1], ["cssrs_high_risk"]),
    ],
)
def test_every_positive_cssrs_alerts_at_its_risk(answers: list[int], expected: list[str]) -> None:
    assert _ids(evaluate_safety(RULES, _score("cssrs_screener", answers))) == expected


def test_cssrs_high_is_more_severe_than_moderate() -> None:
    high = evaluate_safety(RULES, _score("cssrs_screener", [1, 1, 1, 1, 1, 0, 0]))[0]
    moderate = evaluate_safety(RULES, _score("cssrs_screener", [1, 1, 1, 0, 0, 0, 0]))[0]
    assert (high.severity, moderate.severity) == ("critical", "high")


def test_a_low_risk_cssrs_alerts_the_clinic_below_the_moderate_rule() -> None:
    (low,) = evaluate_safety(RULES, _score("cssrs_screener", [1, 1, 0, 0, 0, 0, 0]))
    moderate = _rule("cssrs_moderate_risk")
    assert low.actions.clinician_alert and low.actions.patient_crisis_screen
    assert SEVERITY_ORDER[low.severity] > SEVERITY_ORDER[moderate.severity]
    assert (low.observed, low.threshold) == ("low", "low")
    assert "safety plan" in (low.actions.care_team_task or "")
    assert "[@posner-2011]" in low.source


def test_ymrs_alerts_at_12_not_11() -> None:
    eleven = _score("ymrs", [1, 1, 1, 1, 2, 2, 1, 2, 0, 0, 0])
    twelve = _score("ymrs", [1, 1, 1, 1, 2, 2, 1, 2, 0, 0, 1])
    assert evaluate_safety(RULES, eleven) == []
    assert _ids(evaluate_safety(RULES, twelve)) == ["ymrs_at_or_above_12"]


def _bprs(positive_each: int) -> ScoreResult:
    answers = [1] * 18
    answers[3], answers[10] = positive_each, positive_each
    return _score("bprs18", answers)


def test_bprs_positive_rise_of_three_from_baseline_alerts() -> None:
    baseline = _bprs(1)  # positive subscale 4
    assert evaluate_safety(RULES, _bprs(2), baseline) == []  # rise 2
    alerts = evaluate_safety(
        RULES, _score("bprs18", [1] * 3 + [3] + [1] * 6 + [2] + [1] * 7), baseline
    )
    assert _ids(alerts) == ["bprs_positive_rise"] and alerts[0].observed == 3


def test_bprs_rule_needs_a_baseline() -> None:
    assert evaluate_safety(RULES, _bprs(7)) == []


def test_cadss_threshold_is_required_clinic_input() -> None:
    assert "cadss_above_threshold_at_discharge: condition.value" in missing_clinic_inputs(RULES)
    cadss = _score("cadss", [1] * 23)
    alerts = evaluate_safety(RULES, cadss, None, SafetyContext(timepoint="discharge"))
    assert _ids(alerts) == ["cadss_above_threshold_at_discharge"]
    assert alerts[0].unconfigured and "not set" in alerts[0].message


def test_cadss_rule_applies_only_at_discharge_once_configured() -> None:
    rules = RULES.configure({"cadss_above_threshold_at_discharge": 10})
    assert "cadss_above_threshold_at_discharge: condition.value" not in missing_clinic_inputs(rules)
    high, low = _score("cadss", [1] * 11 + [0] * 12), _score("cadss", [1] * 10 + [0] * 13)
    at_discharge = SafetyContext(timepoint="discharge")
    assert _ids(evaluate_safety(rules, high, None, at_discharge)) == [
        "cadss_above_threshold_at_discharge"
    ]
    assert evaluate_safety(rules, low, None, at_discharge) == []
    assert evaluate_safety(rules, high, None, SafetyContext(timepoint="in_session")) == []


def test_configure_rejects_unknown_rules() -> None:
    with pytest.raises(KeyError):
        RULES.configure({"no_such_rule": 1})


def test_every_default_rule_cites_a_source_and_evidence() -> None:
    raw = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    assert len(raw["rules"]) == 10
    assert all(r["source"] and r["evidence"] and r["editable"] for r in raw["rules"])


def _raw_rules() -> dict[str, Any]:
    return json.loads(Path(RULES_PATH).read_text(encoding="utf-8"))


def test_rules_on_unknown_items_are_rejected() -> None:
    raw = _raw_rules()
    raw["rules"][0]["condition"]["item"] = "phq9_12"
    with pytest.raises(ValidationError, match="no item"):
        SafetyRuleSet.model_validate(raw)


def test_duplicate_rule_ids_are_rejected() -> None:
    raw = _raw_rules()
    raw["rules"].append(raw["rules"][0])
    with pytest.raises(ValidationError, match="unique"):
        SafetyRuleSet.model_validate(raw)


def _rule(rule_id: str) -> Any:
    return next(r for r in RULES.rules if r.id == rule_id)


def test_an_alert_carries_its_rules_wording_source_threshold_and_the_observed_value() -> None:
    rule = _rule("phq9_item9_positive")
    (alert,) = evaluate_safety(RULES, _score("phq9", [0] * 8 + [2]))
    assert alert == SafetyAlert(
        rule_id="phq9_item9_positive",
        instrument="phq9",
        severity="high",
        message="PHQ-9 item 9 (thoughts of being better off dead or self-harm) is above 0.",
        observed=2,
        threshold=0,
        actions=rule.actions,
        source=rule.source,
        evidence=rule.evidence,
        unconfigured=False,
    )


def test_a_triage_alert_names_the_risk_and_every_level_it_fires_on() -> None:
    raw = _raw_rules()
    for rule in raw["rules"]:
        if rule["id"] == "cssrs_moderate_risk":
            rule["condition"]["values"] = ["moderate", "high"]
    rules = SafetyRuleSet.model_validate(raw)
    alerts = evaluate_safety(rules, _score("cssrs_screener", [1, 1, 1, 1, 0, 0, 0]))
    found = {a.rule_id: (a.observed, a.threshold, a.unconfigured) for a in alerts}
    assert found == {
        "cssrs_high_risk": ("high", "high", False),
        "cssrs_moderate_risk": ("high", "moderate,high", False),
    }


def test_an_unset_threshold_alerts_with_the_value_it_could_not_judge() -> None:
    rule = _rule("cadss_above_threshold_at_discharge")
    cadss = _score("cadss", [1] * 23)
    (alert,) = evaluate_safety(RULES, cadss, None, SafetyContext(timepoint="discharge"))
    assert (alert.observed, alert.threshold, alert.unconfigured) == (23, None, True)
    assert alert.message == (
        f"{rule_message(rule)} The clinic has not set this rule's threshold, so the value (23) "
        "could not be judged: review it and configure the rule."
    )


def test_missing_clinic_inputs_are_the_unset_values_and_deadlines_only() -> None:
    missing = missing_clinic_inputs(RULES)
    # A triage rule has no numeric value to set; only the CADSS threshold ships unset.
    assert [m for m in missing if m.endswith("condition.value")] == [
        "cadss_above_threshold_at_discharge: condition.value"
    ]
    deadlines = [r.id for r in RULES.rules if r.actions.acknowledge_within_minutes is None]
    assert [m for m in missing if m.endswith("acknowledge_within_minutes")] == [
        f"{rule_id}: actions.acknowledge_within_minutes" for rule_id in deadlines
    ]
    raw = _raw_rules()
    for rule in raw["rules"]:
        rule["actions"]["acknowledge_within_minutes"] = 30
        if rule["condition"].get("value", 0) is None:
            rule["condition"]["value"] = 4
    assert missing_clinic_inputs(SafetyRuleSet.model_validate(raw)) == []
