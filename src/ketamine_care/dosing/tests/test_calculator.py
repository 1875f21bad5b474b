"""Dose calculation against the protocol's rule: worked numbers, blocks, caps, devices."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.protocols.library import load_definition

TRD = load_definition("iv-ketamine-trd")
ESK = load_definition("esketamine-trd-label")
AGITATION = load_definition("ed-severe-agitation")
ED = load_definition("ed-procedural-sedation")

CONTRACT_KEYS = [
    "protocol",
    "drug",
    "route",
    "dose_mg",
    "dose_mg_per_kg",
    "weight_basis",
    "weight_used_kg",
    "bmi",
    "infusion",
    "devices",
    "warnings",
    "blocked",
    "block_reasons",
]


def test_standard_iv_dose_for_82_kg():
    result = calculate_dose(TRD, weight_kg=82, height_cm=180, sex="male")
    assert result.dose_mg == 41.0
    assert result.dose_mg_per_kg == 0.5
    assert (result.weight_basis, result.weight_used_kg, result.bmi) == ("actual", 82.0, 25.3)
    assert result.infusion.duration_min == 40
    assert result.infusion.rate_mg_per_h == 61.5  # 41 mg over 40 min
    assert result.devices is None and not result.blocked and result.warnings == ()


def test_contract_keys_in_order():
    assert list(calculate_dose(TRD, weight_kg=82).as_json()) == CONTRACT_KEYS


def test_volume_and_ml_per_hour_from_a_concentration():
    result = calculate_dose(
        TRD, weight_kg=82, height_cm=180, sex="male", concentration_mg_per_ml=10
    )
    assert (result.infusion.volume_ml, result.infusion.rate_ml_per_h) == (4.1, 6.2)


def test_undiluted_100_mg_per_ml_warns():
    result = calculate_dose(TRD, weight_kg=82, concentration_mg_per_ml=100)
    assert any("undiluted" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("step", "mg_per_kg", "dose"), [(1, 0.5, 35.0), (2, 0.75, 52.5), (3, 1.0, 70.0)]
)
def test_ladder_steps_are_one_based(step, mg_per_kg, dose):
    result = calculate_dose(TRD, weight_kg=70, height_cm=175, sex="male", step=step)
    assert (result.dose_mg_per_kg, result.dose_mg, result.blocked) == (mg_per_kg, dose, False)


def test_a_step_beyond_the_ladder_is_bad_input():
    with pytest.raises(DoseInputError) as info:
        calculate_dose(TRD, weight_kg=70, step=4)
    assert info.value.field == "step"


@pytest.mark.parametrize(
    ("mg_per_kg", "reason"),
    [(1.2, "outside"), (0.3, "below the protocol's usual floor"), (0.6, "titration ladder")],
)
def test_doses_off_the_rule_are_blocked_with_a_reason(mg_per_kg, reason):
    result = calculate_dose(TRD, weight_kg=70, height_cm=175, sex="male", mg_per_kg=mg_per_kg)
    assert result.blocked
    assert reason in result.block_reasons[0]
    assert result.as_json()["dose_mg"] is not None  # still shown so the clinician sees why


def test_bmi_30_or_more_needs_a_chosen_weight_basis():
    result = calculate_dose(TRD, weight_kg=110, height_cm=170, sex="female")
    assert result.bmi == 38.1 and result.blocked
    assert "weight basis" in result.block_reasons[0]
    chosen = calculate_dose(TRD, weight_kg=110, height_cm=170, sex="female", weight_basis="ideal")
    assert (chosen.weight_used_kg, chosen.dose_mg, chosen.blocked) == (61.4, 30.7, False)
    adjusted = calculate_dose(
        TRD, weight_kg=110, height_cm=170, sex="female", weight_basis="adjusted"
    )
    # From the unrounded Devine weight: 61.437 + 0.4 x 48.563 = 80.862 [@devine-1974].
    assert adjusted.weight_used_kg == 80.9


def test_unknown_bmi_warns_instead_of_silently_defaulting():
    result = calculate_dose(TRD, weight_kg=82)
    assert result.weight_basis == "actual"
    assert any("BMI unknown" in w for w in result.warnings)


def test_ideal_basis_without_height_is_bad_input():
    with pytest.raises(DoseInputError) as info:
        calculate_dose(TRD, weight_kg=82, weight_basis="ideal")
    assert info.value.field == "height_cm"


@pytest.mark.parametrize("weight", [0, -5, float("nan")])
def test_impossible_weight_is_bad_input(weight):
    with pytest.raises(DoseInputError) as info:
        calculate_dose(TRD, weight_kg=weight)
    assert info.value.field == "weight_kg"


def test_route_must_belong_to_the_protocol():
    with pytest.raises(DoseInputError) as info:
        calculate_dose(TRD, weight_kg=70, route="im")
    assert info.value.field == "route"


def test_agitation_dose_is_capped_at_500_mg_with_a_warning():
    result = calculate_dose(
        AGITATION, weight_kg=150, height_cm=180, sex="male", weight_basis="actual"
    )
    assert (result.dose_mg, result.blocked) == (500.0, False)
    assert any("capped at 500 mg" in w for w in result.warnings)
    assert calculate_dose(AGITATION, weight_kg=100).dose_mg == 400.0


@pytest.mark.parametrize(
    ("route", "mg_per_kg", "repeat", "blocked"),
    [
        ("iv", 1.0, False, False),
        ("iv", 1.5, False, True),  # adults 1.0 mg/kg [@green-2011]
        ("im", 5.0, False, False),
        ("iv", 0.5, True, False),
        ("im", 3.0, True, False),
        ("im", 5.0, True, True),
    ],
)
def test_ed_sedation_initial_and_repeat_ranges(route, mg_per_kg, repeat, blocked):
    result = calculate_dose(ED, weight_kg=70, route=route, mg_per_kg=mg_per_kg, repeat=repeat)
    assert result.blocked is blocked
    assert result.infusion is None


@pytest.mark.parametrize(
    ("dose_mg", "devices", "blocked"),
    [
        (None, 2, False),
        (56, 2, False),
        (84, 3, False),
        (28, 1, True),
        (70, None, True),
        (112, 4, True),
    ],
)
def test_esketamine_whole_devices(dose_mg, devices, blocked):
    result = calculate_dose(ESK, weight_kg=None, dose_mg=dose_mg)
    assert (result.devices, result.blocked) == (devices, blocked)
    assert result.infusion is None and result.dose_mg_per_kg is None


def test_esketamine_ladder_and_mg_per_kg_refusal():
    assert calculate_dose(ESK, weight_kg=70, step=2).dose_mg == 84.0
    with pytest.raises(DoseInputError):
        calculate_dose(ESK, weight_kg=70, mg_per_kg=0.5)


def test_late_life_doses_above_the_unconfirmed_start_need_clinic_limits():
    late = load_definition("sc-ketamine-late-life")
    assert calculate_dose(late, weight_kg=70).dose_mg == 7.0
    assert "clinic must set" in calculate_dose(late, weight_kg=70, mg_per_kg=0.2).block_reasons[0]


def test_eating_disorders_is_blocked_until_the_clinic_sets_a_dose():
    result = calculate_dose(load_definition("eating-disorders-research"), weight_kg=60)
    assert result.blocked and "no default dose" in result.block_reasons[0]


def test_adolescent_research_dose_is_capped_at_40_mg():
    result = calculate_dose(load_definition("iv-ketamine-adolescent-research"), weight_kg=90)
    assert result.dose_mg == 40.0
    assert any("research-only" in w for w in result.warnings)


def test_the_capped_ladder_step_is_a_dose_the_clinician_may_enter():
    """The adolescent trial capped a single dose at 40 mg. At 100 kg step 1 gives
    min(0.5 x 100, 40) = 40 mg; entering those 40 mg was blocked as "not a step of the
    titration ladder" because it was compared with the uncapped 50 mg."""
    adolescent = load_definition("iv-ketamine-adolescent-research")
    by_step = calculate_dose(adolescent, weight_kg=100, age_years=16, step=1)
    assert (by_step.blocked, by_step.dose_mg) == (False, 40.0)
    entered = calculate_dose(adolescent, weight_kg=100, age_years=16, dose_mg=40)
    assert (entered.blocked, entered.dose_mg, entered.block_reasons) == (False, 40.0, ())
    # The uncapped step is still capped (and says so); a dose on neither is blocked.
    uncapped = calculate_dose(adolescent, weight_kg=100, age_years=16, dose_mg=50)
    assert (uncapped.blocked, uncapped.dose_mg) == (False, 40.0)
    assert any("capped at 40 mg" in w for w in uncapped.warnings)
    between = calculate_dose(adolescent, weight_kg=100, age_years=16, dose_mg=45)
    assert between.blocked and "not a step of the titration ladder" in between.block_reasons[0]
    # The cap opens no dose below it: at 60 kg the step is 30 mg and 40 mg is off the rule.
    light = calculate_dose(adolescent, weight_kg=60, age_years=16, dose_mg=40)
    assert light.blocked


def test_only_one_dose_choice():
    with pytest.raises(DoseInputError):
        calculate_dose(TRD, weight_kg=70, mg_per_kg=0.5, step=1)


weights = st.floats(min_value=20, max_value=300, allow_nan=False)
# The arithmetic on the weight the clinician chose: without a height, a heavy weight asks for
# the basis first (test_unknown_height.py).
ACTUAL = {"weight_basis": "actual", "confirm_weight": True}


@given(weights, weights)
def test_dose_is_monotonic_in_weight(a, b):
    low, high = sorted((a, b))

    def dose(weight):
        return calculate_dose(TRD, weight_kg=weight, **ACTUAL).dose_mg

    assert dose(low) <= dose(high)


@given(weights)
def test_capped_dose_never_exceeds_the_maximum(weight):
    assert calculate_dose(AGITATION, weight_kg=weight, **ACTUAL).dose_mg <= 500


@given(weights, st.sampled_from([1, 2, 3]))
def test_ladder_doses_stay_inside_the_allowed_range(weight, step):
    result = calculate_dose(TRD, weight_kg=weight, step=step, **ACTUAL)
    assert 0.5 * weight - 0.05 <= result.dose_mg <= 1.0 * weight + 0.05
