"""Verdict mapping, reason ordering and the stored record."""

from __future__ import annotations

import pytest

from ketamine_care.screening.evaluator import Reason, evaluate, verdict_for
from ketamine_care.screening.facts import parse_facts
from ketamine_care.screening.rule_set import load_rule_set

from .factories import clean_facts, screen


def _reason(severity: str) -> Reason:
    return Reason("r", severity, "m", "s", "OBS", severity)


@pytest.mark.parametrize(
    ("severities", "verdict"),
    [
        ((), "eligible"),
        (("info",), "eligible"),
        (("caution", "info"), "eligible_with_cautions"),
        (("missing_information", "caution"), "requires_override"),
        (("requires_override",), "requires_override"),
        (("caution", "ineligible", "missing_information"), "ineligible"),
    ],
)
def test_the_verdict_is_the_worst_reason(severities: tuple[str, ...], verdict: str) -> None:
    assert verdict_for(tuple(_reason(s) for s in severities)) == verdict


def test_reasons_are_sorted_by_severity_then_rule() -> None:
    facts = clean_facts(
        age_years=70,
        bp_systolic=150,
        history=["obstructive_sleep_apnea", "intracerebral_hemorrhage", "unstable_arrhythmia"],
        pregnant=None,
    )
    result = screen("iv-ketamine-trd", facts)
    assert [(r.severity, r.rule) for r in result.reasons] == [
        ("ineligible", "label.intracerebral_hemorrhage"),
        ("requires_override", "cardio.unstable_arrhythmia"),
        ("missing_information", "pregnancy.pregnant"),
        ("caution", "age.65_and_over"),
        ("caution", "airway.obstructive_sleep_apnea"),
        ("caution", "vitals.bp_above_140_90"),
    ]
    assert result.verdict == "ineligible"
    assert result.override_allowed is False


def test_as_json_is_exactly_the_cli_object() -> None:
    result = screen("esketamine-trd-label", clean_facts("esketamine-trd-label", age_years=70))
    assert result.as_json() == {
        "protocol": "esketamine-trd-label",
        "verdict": "eligible_with_cautions",
        "reasons": [
            {
                "rule": "age.65_and_over",
                "severity": "caution",
                "message": result.reasons[0].message,
                "source": result.reasons[0].source,
            }
        ],
    }


def test_the_record_carries_the_rule_set_version_and_digest() -> None:
    rule_set = load_rule_set("iv-ketamine-trd")
    result = evaluate(rule_set, parse_facts(clean_facts(failed_antidepressant_trials=None)))
    record = result.as_record()
    assert record["rule_set"] == {
        "id": "iv-ketamine-trd",
        "version": rule_set.version,
        "digest": rule_set.digest,
    }
    assert record["reasons"][0]["missing"] == ["failed_antidepressant_trials"]
    assert record["reasons"][0]["rule_severity"] == "requires_override"
    assert record["override_allowed"] is True
    # The stored reason keeps the evidence tag of the rule it came from.
    rule = next(r for r in rule_set.rules if r.id == record["reasons"][0]["rule"])
    assert record["reasons"][0]["evidence"] == rule.evidence


def test_each_stored_reason_keeps_its_rules_source_evidence_and_severity() -> None:
    rule_set = load_rule_set("iv-ketamine-trd")
    facts = clean_facts(age_years=70, failed_antidepressant_trials=None)
    record = evaluate(rule_set, parse_facts(facts)).as_record()
    rules = {r.id: r for r in rule_set.rules}
    by_rule = {reason["rule"]: reason for reason in record["reasons"]}
    decided, missing = by_rule["age.65_and_over"], by_rule["trd.fewer_than_2_failed_trials"]
    for reason in (decided, missing):
        rule = rules[reason["rule"]]
        assert (reason["source"], reason["evidence"]) == (rule.source, rule.evidence)
    assert (decided["severity"], decided["rule_severity"]) == ("caution", "caution")
    assert (missing["severity"], missing["rule_severity"]) == (
        "missing_information",
        "requires_override",
    )


def test_the_protocol_label_can_differ_from_the_rule_set_id() -> None:
    result = evaluate(load_rule_set("iv-ketamine-trd"), parse_facts(clean_facts()), "x")
    assert (result.protocol, result.rule_set_id) == ("x", "iv-ketamine-trd")


def test_the_digest_changes_when_a_rule_changes() -> None:
    rule_set = load_rule_set("iv-ketamine-trd")
    first = rule_set.rules[0]
    edited = rule_set.model_copy(
        update={
            "rules": (
                first.model_copy(update={"message": first.message + "!"}),
                *rule_set.rules[1:],
            )
        }
    )
    assert edited.digest != rule_set.digest


def test_evaluate_accepts_a_raw_mapping() -> None:
    result = evaluate(load_rule_set("iv-ketamine-trd"), clean_facts())
    assert result.verdict == "eligible"
