"""A dose without a height: the BMI is unknown, but a weight whose BMI is 30 or more even at
the tallest height accepted without confirmation is at BMI >= 30 whatever the height, so the
weight basis is the clinician's choice there too (no silent default) [@sanacora-2017]."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.dosing.calculator import calculate_dose
from ketamine_care.dosing.guards import plausibility_for
from ketamine_care.dosing.weights import bmi
from ketamine_care.protocols.library import load_definition

TRD = load_definition("iv-ketamine-trd")
PAEDIATRIC = load_definition("pediatric-procedural-sedation")
TALLEST = plausibility_for(TRD).adult_height_cm[1]


@pytest.mark.parametrize(
    ("weight", "blocked"),
    [
        (82, False),
        (158.4, False),  # 158.4 / 2.3^2 = 29.94, 29.9: under 30 at 230 cm
        (158.5, True),  # 29.96 rounds to 30.0: the BMI line, rounded as with a height
        (200, True),  # 37.8 even at 230 cm
    ],
)
def test_adult_weight_without_height(weight, blocked):
    assert TALLEST == 230
    result = calculate_dose(TRD, weight_kg=weight)
    assert result.blocked is blocked
    if blocked:
        assert result.dose_mg is None
        assert result.weight_basis is None
        (reason,) = result.block_reasons
        assert "enter the height" in reason and "230 cm" in reason
    else:
        assert result.weight_basis == "actual"
        assert any("BMI unknown" in w for w in result.warnings)


def test_a_chosen_basis_is_used_without_height():
    result = calculate_dose(TRD, weight_kg=200, weight_basis="actual")
    assert (result.blocked, result.weight_basis, result.dose_mg) == (False, "actual", 100.0)


def test_a_given_height_decides_as_before():
    low = calculate_dose(TRD, weight_kg=200, height_cm=260, confirm_weight=True)
    assert (low.bmi, low.blocked) == (29.6, False)
    high = calculate_dose(TRD, weight_kg=159, height_cm=230)
    assert (high.bmi, high.blocked) == (30.1, True)


def test_children_dose_on_actual_weight_without_height():
    result = calculate_dose(PAEDIATRIC, weight_kg=170, age_years=16)
    assert result.weight_basis == "actual"
    assert not any("BMI" in r for r in result.block_reasons)


@given(st.decimals(min_value=30, max_value=250, places=1))
def test_blocked_exactly_when_bmi_at_the_tallest_height_is_30(weight):
    result = calculate_dose(TRD, weight_kg=float(weight))
    assert result.blocked is (bmi(float(weight), TALLEST) >= 30)


@given(st.decimals(min_value=30, max_value=249, places=1), st.decimals("0.1", "1", places=1))
def test_heavier_never_unblocks(weight, more):
    if calculate_dose(TRD, weight_kg=float(weight)).blocked:
        assert calculate_dose(TRD, weight_kg=float(weight + more)).blocked
