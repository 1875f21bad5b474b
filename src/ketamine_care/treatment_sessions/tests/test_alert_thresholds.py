"""Each default rule at, just below and just above its threshold ([@spravato-uspi §2],
[@yip-2022], [@chernik-1990]). Rules are built in builders.py; the numbers are the issue's
defaults."""

from __future__ import annotations

import pytest

from ketamine_care.treatment_sessions.alerts import evaluate_alerts
from ketamine_care.treatment_sessions.readings import Reading

from .builders import DEFAULT_RULES, normal


def fired(*readings: Reading) -> set[tuple[str, float, str]]:
    return {(a.rule, a.minute, a.tier) for a in evaluate_alerts(readings, DEFAULT_RULES)}


PRE = "bp_pre_dose_review"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"bp_systolic": 139}, set()),
        ({"bp_systolic": 140}, set()),
        ({"bp_systolic": 141}, {(PRE, -10, "warning")}),
        ({"bp_diastolic": 89}, set()),
        ({"bp_diastolic": 90}, set()),
        ({"bp_diastolic": 91}, {(PRE, -10, "warning")}),
        ({"bp_systolic": 141, "bp_diastolic": 91}, {(PRE, -10, "warning")}),
    ],
)
def test_pre_dose_bp_review_threshold(overrides: dict[str, float], expected: set) -> None:
    assert fired(normal(-10, **overrides)) == expected


SINGLE = "bp_severe_single"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"bp_systolic": 199}, set()),
        ({"bp_systolic": 200}, set()),
        ({"bp_systolic": 201}, {(SINGLE, 20, "urgent")}),
        ({"bp_systolic": 170, "bp_diastolic": 119}, set()),
        ({"bp_systolic": 170, "bp_diastolic": 120}, set()),
        ({"bp_systolic": 170, "bp_diastolic": 121}, {(SINGLE, 20, "urgent")}),
    ],
)
def test_single_severe_bp_is_urgent_at_once(overrides: dict[str, float], expected: set) -> None:
    assert fired(normal(20, **overrides)) == expected


REPEATED = "bp_severe_repeated"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"bp_systolic": 179}, set()),
        ({"bp_systolic": 180}, set()),
        ({"bp_systolic": 181}, {(REPEATED, 25, "urgent")}),
        ({"bp_systolic": 150, "bp_diastolic": 109}, set()),
        ({"bp_systolic": 150, "bp_diastolic": 110}, set()),
        ({"bp_systolic": 150, "bp_diastolic": 111}, {(REPEATED, 25, "urgent")}),
    ],
)
def test_repeated_severe_bp_needs_two_readings(overrides: dict[str, float], expected: set) -> None:
    assert fired(normal(20, **overrides)) == set()
    assert fired(normal(20, **overrides), normal(25, **overrides)) == expected


@pytest.mark.parametrize(("gap", "alerts"), [(4, 0), (4.9, 0), (5, 1), (6, 1), (60, 1)])
def test_repeated_severe_bp_needs_readings_five_minutes_apart(gap: float, alerts: int) -> None:
    found = fired(normal(20, bp_systolic=185), normal(20 + gap, bp_systolic=185))
    assert found == ({(REPEATED, 20 + gap, "urgent")} if alerts else set())


HR = "hr_sustained_high"


@pytest.mark.parametrize(
    ("rate", "gap", "expected"),
    [
        (119, 5, set()),
        (120, 5, set()),
        (121, 5, {(HR, 15, "warning")}),
        (121, 4.9, set()),
        (121, 10, {(HR, 20, "warning")}),
    ],
)
def test_sustained_heart_rate(rate: float, gap: float, expected: set) -> None:
    assert fired(normal(10, heart_rate=rate), normal(10 + gap, heart_rate=rate)) == expected


@pytest.mark.parametrize(
    ("spo2", "expected"),
    [
        (93, set()),
        (92, set()),
        (91.9, {("spo2_low", 30, "urgent")}),
        (91, {("spo2_low", 30, "urgent")}),
    ],
)
def test_spo2_below_92_is_urgent(spo2: float, expected: set) -> None:
    assert fired(normal(30, spo2=spo2)) == expected


@pytest.mark.parametrize(
    ("rate", "expected"), [(11, set()), (10, set()), (9, {("rr_low", 30, "urgent")})]
)
def test_respiratory_rate_below_10_is_urgent(rate: float, expected: set) -> None:
    assert fired(normal(30, respiratory_rate=rate)) == expected


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, {("moaas_unresponsive", 30, "urgent")}),
        (1, {("moaas_unresponsive", 30, "urgent")}),
        (2, {("moaas_sedated", 30, "warning")}),
        (3, {("moaas_sedated", 30, "warning")}),
        (4, set()),
        (5, set()),
    ],
)
def test_moaas_tiers(score: int, expected: set) -> None:
    assert fired(normal(30, moaas=score)) == expected


def test_spo2_and_respiratory_rules_apply_before_dosing_too() -> None:
    assert fired(normal(-5, spo2=90, respiratory_rate=8)) == {
        ("spo2_low", -5, "urgent"),
        ("rr_low", -5, "urgent"),
    }
