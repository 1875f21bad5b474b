"""Dose safety guards with the review's values (weight basis, children, plausibility, ceiling,
reduced doses, ED doses, label jurisdiction)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.dosing import guards
from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.protocols.library import load_definition

TRD = load_definition("iv-ketamine-trd")
ESK = load_definition("esketamine-trd-label")
AGITATION = load_definition("ed-severe-agitation")
ED = load_definition("ed-procedural-sedation")
PAEDIATRIC = load_definition("pediatric-procedural-sedation")
ADOLESCENT = load_definition("iv-ketamine-adolescent-research")


def _with_ceiling(definition, route, mg):
    rule = definition.dose_rule(route)
    ceiling = rule.ceiling.model_copy(update={"mg": mg})
    dose = {**definition.dose, route: rule.model_copy(update={"ceiling": ceiling})}
    return definition.model_copy(update={"dose": dose})


class TestNeverAboveActualWeight:
    @pytest.mark.parametrize("basis", ["ideal", "adjusted"])
    def test_45_kg_man_is_dosed_on_his_actual_weight(self, basis):
        # 170 cm man: Devine ideal 65.9 kg > 45 kg actual (review case).
        result = calculate_dose(TRD, weight_kg=45, height_cm=170, sex="male", weight_basis=basis)
        assert (result.weight_used_kg, result.weight_basis, result.dose_mg) == (
            45.0,
            "actual",
            22.5,
        )
        assert any("above the actual weight 45 kg" in w for w in result.warnings)
        assert not result.blocked

    def test_82_kg_man_still_gets_41_mg(self):
        result = calculate_dose(TRD, weight_kg=82, height_cm=180, sex="male")
        assert (result.dose_mg, result.warnings) == (41.0, ())

    def test_ideal_below_actual_is_used_without_warning(self):
        result = calculate_dose(
            TRD, weight_kg=110, height_cm=170, sex="female", weight_basis="ideal"
        )
        assert (result.weight_used_kg, result.weight_basis) == (61.4, "ideal")
        assert not any("above the actual" in w for w in result.warnings)

    @given(
        weight=st.floats(min_value=30, max_value=250),
        height=st.floats(min_value=152.4, max_value=230),
        sex=st.sampled_from(["female", "male"]),
        basis=st.sampled_from(["actual", "ideal", "adjusted"]),
        step=st.sampled_from([1, 2, 3]),
    )
    def test_no_basis_ever_yields_more_than_the_actual_weight_dose(
        self, weight, height, sex, basis, step
    ):
        common = {"weight_kg": weight, "height_cm": height, "sex": sex, "step": step}
        actual = calculate_dose(TRD, weight_basis="actual", **common)
        chosen = calculate_dose(TRD, weight_basis=basis, **common)
        assert chosen.weight_used_kg <= weight
        assert chosen.dose_mg <= actual.dose_mg


class TestChildren:
    @pytest.mark.parametrize("basis", ["ideal", "adjusted"])
    def test_paediatric_protocol_refuses_ideal_and_adjusted(self, basis):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(PAEDIATRIC, weight_kg=20, height_cm=115, sex="male", weight_basis=basis)
        assert info.value.field == "weight_basis" and "actual weight only" in info.value.message

    def test_a_patient_under_18_on_an_adult_protocol_is_a_child(self):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(
                TRD, weight_kg=60, height_cm=165, sex="male", weight_basis="ideal", age_years=16
            )
        assert info.value.field == "weight_basis"

    def test_no_bmi_prompt_for_children(self):
        # 70 kg at 150 cm is BMI 31.1: an adult would have to choose a basis.
        result = calculate_dose(ADOLESCENT, weight_kg=70, height_cm=150, sex="female")
        assert (result.weight_basis, result.blocked) == ("actual", False)
        assert result.bmi == 31.1

    @pytest.mark.parametrize(
        ("mg_per_kg", "blocked"), [(1.0, True), (1.5, False), (2.0, False), (2.1, True)]
    )
    def test_paediatric_iv_procedural_sedation_is_1_5_to_2_mg_per_kg(self, mg_per_kg, blocked):
        result = calculate_dose(
            PAEDIATRIC, weight_kg=20, mg_per_kg=mg_per_kg, age_years=5, reason=None
        )
        assert result.blocked is blocked
        default = calculate_dose(PAEDIATRIC, weight_kg=20, age_years=5)
        assert default.dose_mg == 30.0  # 1.5 mg/kg

    def test_an_unknown_age_is_blocked_where_the_minimum_is_absolute(self):
        # Under 3 months is an absolute contraindication [@green-2011]: without the age nobody
        # can tell, so no reason lifts the block; the caller names what to enter.
        for reason in (None, "approved"):
            result = calculate_dose(PAEDIATRIC, weight_kg=20, reason=reason, enter_age="the DOB")
            assert result.blocked and result.dose_mg == 30.0
            (block,) = result.block_reasons
            assert block.startswith("age unknown: this protocol's minimum age (3 months)")
            assert block.endswith("; enter the DOB")
        assert (
            calculate_dose(PAEDIATRIC, weight_kg=20)
            .block_reasons[0]
            .endswith("; enter the patient's age")
        )
        assert not calculate_dose(ADOLESCENT, weight_kg=60).blocked  # no absolute bound

    def test_children_are_not_held_to_adult_weight_limits(self):
        assert not calculate_dose(PAEDIATRIC, weight_kg=12, age_years=2).blocked


class TestDevineBelow152Cm:
    @pytest.mark.parametrize("basis", ["ideal", "adjusted"])
    def test_refused_with_a_clear_message(self, basis):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, weight_kg=90, height_cm=150, sex="female", weight_basis=basis)
        assert info.value.field == "weight_basis"
        assert "undefined below 152.4 cm" in info.value.message

    def test_actual_weight_still_works(self):
        result = calculate_dose(
            TRD, weight_kg=90, height_cm=150, sex="female", weight_basis="actual"
        )
        assert result.dose_mg == 45.0


class TestPlausibility:
    @pytest.mark.parametrize(
        ("weight", "height", "field"),
        [
            (29, 170, "weight_kg"),
            (251, 180, "weight_kg"),
            (70, 119, "height_cm"),
            (70, 231, "height_cm"),
        ],
    )
    def test_outside_the_adult_limits_is_refused_naming_the_field(self, weight, height, field):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, weight_kg=weight, height_cm=height, sex="male")
        assert info.value.field == field and "confirm" in info.value.message

    def test_confirmed_goes_on_with_a_warning(self):
        result = calculate_dose(
            TRD,
            weight_kg=29,
            height_cm=150,
            sex="female",
            weight_basis="actual",
            confirm_weight=True,
        )
        assert result.dose_mg == 14.5
        assert any("plausible adult range 30-250 kg" in w for w in result.warnings)

    @pytest.mark.parametrize("weight", [30, 250])
    def test_the_limits_themselves_are_plausible(self, weight):
        calculate_dose(TRD, weight_kg=weight)

    @pytest.mark.parametrize(
        ("weight", "warns"), [(154, True), (147, True), (161, True), (146, False), (162, False)]
    )
    def test_entered_in_pounds_warning(self, weight, warns):
        # 2.2 x 70 kg = 154 kg; ±5 % is 146.3-161.7.
        result = calculate_dose(
            TRD, weight_kg=weight, last_weight_kg=70, confirm_weight=True, weight_basis="actual"
        )
        assert any("entered in pounds?" in w for w in result.warnings) is warns


class TestCeilingAndFloor:
    def test_crossing_the_ceiling_without_a_reason_is_blocked_naming_it(self):
        definition = _with_ceiling(TRD, "iv", 40)
        result = calculate_dose(definition, weight_kg=82)
        assert result.blocked
        assert "ceiling of 40 mg" in result.block_reasons[0]

    def test_crossing_the_ceiling_with_a_reason_warns(self):
        definition = _with_ceiling(TRD, "iv", 40)
        result = calculate_dose(definition, weight_kg=82, reason="stable at 41 mg before")
        assert (result.blocked, result.dose_mg) == (False, 41.0)
        assert any("ceiling of 40 mg" in w and "stable at 41 mg" in w for w in result.warnings)

    def test_at_the_ceiling_is_fine(self):
        assert not calculate_dose(_with_ceiling(TRD, "iv", 41), weight_kg=82).blocked

    def test_no_ceiling_shipped(self):
        assert all(
            rule.ceiling is not None and rule.ceiling.mg is None
            for rule in (TRD.dose_rule(), ESK.dose_rule(), AGITATION.dose_rule())
        )

    @pytest.mark.parametrize("mg_per_kg", [0.25, 0.4])
    def test_below_the_floor_for_tolerability_with_a_reason_is_allowed(self, mg_per_kg):
        result = calculate_dose(
            TRD, weight_kg=80, mg_per_kg=mg_per_kg, reason="dissociation at 0.5 mg/kg"
        )
        assert (result.blocked, result.dose_mg) == (False, 80 * mg_per_kg)
        assert any("below the protocol's usual floor 0.5" in w for w in result.warnings)

    def test_below_the_floor_without_a_reason_asks_for_one(self):
        result = calculate_dose(TRD, weight_kg=80, mg_per_kg=0.25)
        assert result.blocked and "documented reason" in result.block_reasons[0]

    def test_a_reason_does_not_open_doses_above_the_range(self):
        assert calculate_dose(TRD, weight_kg=80, mg_per_kg=1.2, reason="x").blocked


class TestEmergencyDoses:
    def test_adult_iv_is_1_mg_per_kg(self):
        assert calculate_dose(ED, weight_kg=70).dose_mg == 70.0

    @pytest.mark.parametrize(
        ("mg_per_kg", "warns", "blocked"),
        [(4.0, False, False), (4.5, True, False), (5.0, True, False), (5.1, False, True)],
    )
    def test_agitation_4_to_5_mg_per_kg_warns_above_4(self, mg_per_kg, warns, blocked):
        result = calculate_dose(AGITATION, weight_kg=80, mg_per_kg=mg_per_kg)
        assert result.blocked is blocked
        assert any("intubation" in w for w in result.warnings) is warns

    def test_agitation_is_capped_at_500_mg(self):
        result = calculate_dose(AGITATION, weight_kg=120, mg_per_kg=4.5)
        assert (result.dose_mg, result.blocked) == (500.0, False)


class TestLabelJurisdiction:
    @pytest.mark.parametrize("age", [40, 65, 80])
    def test_us_starts_at_56_mg_at_every_age(self, age):
        assert calculate_dose(ESK, weight_kg=None, age_years=age).dose_mg == 56.0

    def test_eu_starts_patients_65_and_older_at_28_mg(self):
        result = calculate_dose(ESK, weight_kg=None, age_years=65, jurisdiction="EU")
        assert (result.dose_mg, result.devices, result.blocked) == (28.0, 1, False)
        assert (
            calculate_dose(ESK, weight_kg=None, age_years=70, jurisdiction="EU", dose_mg=84).blocked
            is False
        )

    def test_eu_younger_patients_start_at_56_and_cannot_have_28(self):
        assert calculate_dose(ESK, weight_kg=None, age_years=64, jurisdiction="EU").dose_mg == 56
        assert calculate_dose(
            ESK, weight_kg=None, age_years=64, jurisdiction="EU", dose_mg=28
        ).blocked

    def test_eu_needs_the_age(self):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(ESK, weight_kg=None, jurisdiction="EU")
        assert info.value.field == "age_years"

    def test_unknown_jurisdiction(self):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(ESK, weight_kg=None, jurisdiction="UK")
        assert info.value.field == "jurisdiction"


class TestClinicEditablePlausibility:
    def test_a_clinic_draft_can_change_the_limits(self):
        from ketamine_care.protocols.clinic_values import apply_edits
        from ketamine_care.protocols.library import parse_definition

        edited = apply_edits(
            TRD.model_dump(mode="json", exclude_none=False),
            {"weight_plausibility.adult_weight_kg": [25, 250]},
            "1.0.0+clinic.2",
        )
        assert calculate_dose(parse_definition(edited), weight_kg=28).dose_mg == 14.0
        with pytest.raises(DoseInputError):
            calculate_dose(TRD, weight_kg=28)


class TestBasisChosenBeforeTheWeight:
    """The refusals of a chosen basis that need no weight (the session checks them before
    anything is saved) are the calculator's own, in its order."""

    @pytest.mark.parametrize(
        ("basis", "kwargs", "field", "words"),
        [
            ("ideal", {"paediatric": True, "height_cm": 170, "sex": "male"}, "weight_basis",
             "actual weight only"),
            ("adjusted", {"paediatric": False, "height_cm": 150, "sex": "female"}, "weight_basis",
             "undefined below 152.4 cm"),
            ("ideal", {"paediatric": False, "height_cm": None, "sex": "male"}, "height_cm",
             "required for the ideal weight basis"),
            ("adjusted", {"paediatric": False, "height_cm": 170, "sex": None}, "sex",
             "required for the adjusted weight basis"),
            ("lean", {"paediatric": False, "height_cm": 170, "sex": "male"}, "weight_basis",
             "must be one of actual, ideal, adjusted"),
        ],
    )  # fmt: skip
    def test_refused_naming_the_field(self, basis, kwargs, field, words):
        with pytest.raises(DoseInputError) as info:
            guards.check_basis_chosen(basis, **kwargs)
        assert info.value.field == field and words in info.value.message

    @pytest.mark.parametrize("basis", ["actual", "ideal", "adjusted"])
    def test_an_adult_with_height_and_sex_may_choose_any(self, basis):
        guards.check_basis_chosen(basis, paediatric=False, height_cm=152.4, sex="female")

    def test_actual_weight_needs_neither_height_nor_sex_even_for_a_child(self):
        guards.check_basis_chosen("actual", paediatric=True, height_cm=None, sex=None)
