"""Liver-test codes (LOINC check digits, UCUM units) and the pure alert rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketamine_care.core.bibliography import unknown_ids
from ketamine_care.surveillance import labs, rules


def test_the_liver_tests_carry_the_verified_loinc_codes():
    assert {t.short: t.loinc for t in labs.LIVER_TESTS} == {
        "ALT": "1742-6",
        "AST": "1920-8",
        "ALP": "6768-6",
        "Total bilirubin": "1975-2",
        "GGT": "2324-2",
    }
    assert all(labs.check_digit_ok(t.loinc) for t in labs.LIVER_TESTS)


@pytest.mark.parametrize("code", ["2324-0", "1742-5", "1742", "abc-1", "1742-66"])
def test_a_wrong_check_digit_is_caught(code):
    assert not labs.check_digit_ok(code)


def test_units_are_ucum_codes():
    assert {u for t in labs.LIVER_TESTS for u in t.units} == {"U/L", "mg/dL", "umol/L"}


@pytest.mark.parametrize(
    ("haematuria", "total", "band", "expected"),
    [
        (False, 4, "screen_negative", []),
        (True, 0, "screen_negative", ["haematuria"]),
        (None, 0, "screen_negative", ["haematuria"]),  # not a clear "no": fail safe
        (False, 5, "screen_positive", ["icsi_positive"]),
        (True, 20, "screen_positive", ["haematuria", "icsi_positive"]),
    ],
)
def test_bladder_alerts(haematuria, total, band, expected):
    found = rules.bladder_alerts(haematuria=haematuria, icsi_total=total, icsi_band=band)
    assert [a.rule for a in found] == expected
    assert all(a.pathway for a in found)


def test_an_unanswered_misuse_signal_counts_as_a_signal():
    assert (
        rules.misuse_alerts({"early_requests": False, "craving": None})[0].rule == "misuse_signal"
    )
    assert rules.misuse_alerts({"early_requests": False, "craving": False}) == []


def test_liver_values_at_the_limit_do_not_alert_and_above_do():
    at = [("ALT", Decimal("40"), "U/L", Decimal("40"))]
    assert rules.liver_alerts(at) == []
    above = [
        ("ALT", Decimal("41"), "U/L", Decimal("40")),
        ("AST", Decimal("9"), "U/L", Decimal(40)),
    ]
    (alert,) = rules.liver_alerts(above)
    assert alert.rule == "liver_above_limit"
    assert "ALT 41 U/L (upper limit 40)" in alert.message and "AST" not in alert.message


def test_a_liver_value_without_its_upper_limit_needs_review_not_normal():
    """Fail safe: a value with no limit cannot be read as normal (ALT 400 said nothing)."""
    (alert,) = rules.liver_alerts([("ALT", Decimal("400"), "U/L", None)])
    assert (alert.rule, alert.tier) == ("liver_limit_not_given", "warning")
    assert "without the laboratory's upper reference limit" in alert.message
    assert "must be reviewed" in alert.message and "ALT 400 U/L" in alert.message
    assert "Prescriber review" in alert.pathway
    both = rules.liver_alerts(
        [("ALT", Decimal("80"), "U/L", Decimal("40")), ("GGT", Decimal("9"), "U/L", None)]
    )
    assert [a.rule for a in both] == ["liver_above_limit", "liver_limit_not_given"]
    assert "GGT 9 U/L" in both[1].message and "GGT" not in both[0].message


def test_every_rule_is_sourced_and_cites_the_bibliography():
    for rule in rules.rules().values():
        assert rule["pathway"] and rule["tier"] in ("urgent", "warning", "info")
        assert "[@" in rule["source"] and unknown_ids(rule["source"]) == []
