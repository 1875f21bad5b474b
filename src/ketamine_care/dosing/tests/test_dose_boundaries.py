"""Dose calculator at its edges: the mg/kg shown for a dose entered in mg, doses exactly at and
just beyond the floor, the maximum and the protocol cap, rounding to 0.1 mg half up, the repeat
rule, fixed esketamine doses and the field each refusal names.

The ranges are the protocols' own (`protocols/library/*.json`): IV TRD 0.5-1.0 mg/kg on the
ladder 0.5/0.75/1.0 [@fava-2018] [@cusin-2017]; ED IV repeat 0.5-1 mg/kg and IM 4-5 mg/kg
[@green-2011]; severe agitation 4-5 mg/kg capped at 500 mg [@wjem-2020-ed-ketamine]; SC late
life 0.1 mg/kg with no sourced maximum [@george-2017]; esketamine 56/84 mg in 28 mg devices
[@spravato-uspi §2], EU 28 mg from 65 years [@spravato-eu-smpc §4.2]. Weights are test data.
"""

from __future__ import annotations

import pytest

from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.protocols.library import load_definition

TRD = load_definition("iv-ketamine-trd")
ESK = load_definition("esketamine-trd-label")
AGITATION = load_definition("ed-severe-agitation")
ED = load_definition("ed-procedural-sedation")
LATE_LIFE = load_definition("sc-ketamine-late-life")

# 70 kg, 175 cm man: BMI 22.9, so actual weight without a prompt.
MAN_70 = {"weight_kg": 70, "height_cm": 175, "sex": "male"}


def _shown_mg_per_kg_matches_the_dose(result):
    """The mg/kg on screen is the dose in mg over the weight used, to its 0.001 display."""
    assert result.dose_mg_per_kg == pytest.approx(
        result.dose_mg / result.weight_used_kg, abs=0.0005
    )


class TestMgPerKgOfADoseInMg:
    @pytest.mark.parametrize(
        ("weight", "dose_mg", "mg_per_kg"),
        [(70, 35, 0.5), (70, 52.5, 0.75), (70, 70, 1.0), (82, 41, 0.5), (82, 82, 1.0)],
    )
    def test_a_ladder_dose_in_mg_reads_as_its_mg_per_kg(self, weight, dose_mg, mg_per_kg):
        result = calculate_dose(TRD, weight_kg=weight, height_cm=175, sex="male", dose_mg=dose_mg)
        assert (result.dose_mg, result.dose_mg_per_kg, result.blocked) == (
            float(dose_mg),
            mg_per_kg,
            False,
        )

    def test_an_off_ladder_dose_in_mg_shows_its_real_mg_per_kg(self):
        result = calculate_dose(TRD, **MAN_70, dose_mg=40)
        assert result.blocked and "40 mg is not a step" in result.block_reasons[0]
        assert result.dose_mg_per_kg == pytest.approx(40 / 70, abs=0.0005)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"dose_mg": 35},
            {"dose_mg": 40},
            {"dose_mg": 71},
            {"step": 2},
            {"mg_per_kg": 1.2},
            {"weight_basis": "ideal", "dose_mg": 40},
        ],
    )
    def test_the_shown_mg_per_kg_is_always_the_dose_over_the_weight(self, kwargs):
        _shown_mg_per_kg_matches_the_dose(calculate_dose(TRD, **MAN_70, **kwargs))


class TestTheAllowedRangeInMg:
    """IV TRD at 70 kg: 35.0 mg (0.5 mg/kg) to 70.0 mg (1.0 mg/kg), ladder 35/52.5/70 mg."""

    @pytest.mark.parametrize("dose_mg", [35, 52.5, 70])
    def test_the_floor_the_middle_step_and_the_maximum_are_allowed(self, dose_mg):
        result = calculate_dose(TRD, **MAN_70, dose_mg=dose_mg)
        assert not result.blocked and result.block_reasons == ()

    def test_one_tenth_of_a_mg_above_the_maximum_is_blocked(self):
        result = calculate_dose(TRD, **MAN_70, dose_mg=70.1)
        assert result.blocked
        assert "outside the protocol's allowed range 0.5-1 mg/kg" in result.block_reasons[0]

    def test_one_tenth_of_a_mg_below_the_floor_needs_a_reason(self):
        result = calculate_dose(TRD, **MAN_70, dose_mg=34.9)
        assert result.blocked and "below the protocol's usual floor" in result.block_reasons[0]
        reduced = calculate_dose(TRD, **MAN_70, dose_mg=34.9, reason="nausea at 35 mg")
        assert not reduced.blocked and reduced.dose_mg == 34.9
        assert any("reason given: nausea at 35 mg" in w for w in reduced.warnings)

    def test_a_reason_does_not_open_a_dose_just_above_the_maximum(self):
        result = calculate_dose(TRD, **MAN_70, dose_mg=70.1, reason="poor response")
        assert result.blocked

    @pytest.mark.parametrize("dose_mg", [52.4, 52.6])
    def test_one_tenth_of_a_mg_off_a_ladder_step_is_blocked(self, dose_mg):
        result = calculate_dose(TRD, **MAN_70, dose_mg=dose_mg)
        assert result.blocked and "not a step of the titration ladder" in result.block_reasons[0]

    @pytest.mark.parametrize(
        ("dose_mg", "shown", "blocked"),
        [
            (70.04, 70.0, False),
            (70.05, 70.1, True),  # half up, then above the maximum
            (34.95, 35.0, False),  # half up onto the floor
            (34.94, 34.9, True),
        ],
    )
    def test_a_dose_in_mg_is_rounded_to_0_1_mg_half_up_before_it_is_judged(
        self, dose_mg, shown, blocked
    ):
        result = calculate_dose(TRD, **MAN_70, dose_mg=dose_mg)
        assert (result.dose_mg, result.blocked) == (shown, blocked)

    def test_ladder_doses_round_half_up_at_an_awkward_weight(self):
        # 82.5 kg: 0.5 mg/kg = 41.25 mg -> 41.3; 0.75 mg/kg = 61.875 mg -> 61.9.
        assert calculate_dose(TRD, weight_kg=82.5).dose_mg == 41.3
        assert not calculate_dose(TRD, weight_kg=82.5, dose_mg=41.3).blocked
        assert not calculate_dose(TRD, weight_kg=82.5, dose_mg=61.9).blocked
        assert calculate_dose(TRD, weight_kg=82.5, dose_mg=61.8).blocked


class TestNoSourcedMaximum:
    """SC late life: 0.1 mg/kg start, no upper limit sourced (7.0 mg at 70 kg)."""

    def test_the_start_dose_in_mg_is_allowed(self):
        result = calculate_dose(LATE_LIFE, weight_kg=70, dose_mg=7)
        assert (result.dose_mg_per_kg, result.blocked) == (0.1, False)

    def test_one_tenth_of_a_mg_above_the_start_waits_for_the_clinic(self):
        result = calculate_dose(LATE_LIFE, weight_kg=70, dose_mg=7.1)
        assert result.blocked and "clinic must set allowed_max" in result.block_reasons[0]
        assert "no published source gives a maximum" in result.block_reasons[0]

    def test_one_tenth_of_a_mg_below_the_start_needs_a_reason(self):
        result = calculate_dose(LATE_LIFE, weight_kg=70, dose_mg=6.9)
        assert result.blocked and "usual floor" in result.block_reasons[0]
        assert not calculate_dose(LATE_LIFE, weight_kg=70, dose_mg=6.9, reason="dizzy").blocked


class TestTheMaximumSingleDose:
    """Severe agitation: 4-5 mg/kg IM, never more than 500 mg in one dose."""

    def test_exactly_the_cap_is_given_without_a_cap_warning(self):
        result = calculate_dose(AGITATION, weight_kg=125)  # 4 mg/kg x 125 kg = 500 mg
        assert (result.dose_mg, result.dose_mg_per_kg, result.blocked) == (500.0, 4.0, False)
        assert not any("capped" in w for w in result.warnings)

    def test_a_capped_dose_shows_the_mg_per_kg_actually_given(self):
        result = calculate_dose(AGITATION, weight_kg=150)
        assert (result.dose_mg, result.blocked) == (500.0, False)
        assert result.dose_mg_per_kg == pytest.approx(500 / 150, abs=0.0005)
        assert any("capped at 500 mg" in w for w in result.warnings)

    def test_the_cap_entered_in_mg_for_a_heavy_patient_is_allowed(self):
        # 150 kg: 4 mg/kg would be 600 mg; the calculator itself gives 500 mg.
        result = calculate_dose(AGITATION, weight_kg=150, dose_mg=500)
        assert (result.dose_mg, result.blocked) == (500.0, False)
        assert result.dose_mg_per_kg == pytest.approx(500 / 150, abs=0.0005)

    def test_below_the_cap_for_a_heavy_patient_is_below_the_floor(self):
        result = calculate_dose(AGITATION, weight_kg=150, dose_mg=499.9)
        assert result.blocked and "usual floor" in result.block_reasons[0]

    def test_a_dose_in_mg_above_the_cap_is_never_given_above_it(self):
        result = calculate_dose(AGITATION, weight_kg=150, dose_mg=600)
        assert (result.dose_mg, result.blocked) == (500.0, False)
        assert any("capped at 500 mg" in w for w in result.warnings)

    @pytest.mark.parametrize(
        ("dose_mg", "mg_per_kg", "blocked"),
        [(399.9, 3.999, True), (400, 4.0, False), (500, 5.0, False), (500.1, 5.001, True)],
    )
    def test_4_to_5_mg_per_kg_at_100_kg(self, dose_mg, mg_per_kg, blocked):
        result = calculate_dose(AGITATION, weight_kg=100, dose_mg=dose_mg)
        assert (result.dose_mg_per_kg, result.blocked) == (mg_per_kg, blocked)

    def test_the_intubation_warning_starts_above_4_mg_per_kg(self):
        at_four = calculate_dose(AGITATION, weight_kg=100, dose_mg=400)
        above = calculate_dose(AGITATION, weight_kg=100, dose_mg=410)
        assert not any("intubation" in w for w in at_four.warnings)
        assert any("intubation" in w for w in above.warnings)


class TestRepeatDoses:
    """ED procedural sedation at 70 kg: IV repeat 0.5-1 mg/kg = 35-70 mg; IM repeat 2-4
    mg/kg = 140-280 mg [@green-2011]."""

    @pytest.mark.parametrize(
        ("route", "dose_mg", "mg_per_kg", "blocked"),
        [
            ("iv", 34.9, 0.499, True),
            ("iv", 35, 0.5, False),
            ("iv", 52.5, 0.75, False),
            ("iv", 70, 1.0, False),
            ("iv", 70.1, 1.001, True),
            ("im", 139.9, 1.999, True),
            ("im", 140, 2.0, False),
            ("im", 280, 4.0, False),
            ("im", 280.1, 4.001, True),
        ],
    )
    def test_the_repeat_range_in_mg(self, route, dose_mg, mg_per_kg, blocked):
        result = calculate_dose(ED, weight_kg=70, route=route, dose_mg=dose_mg, repeat=True)
        assert (result.dose_mg_per_kg, result.blocked) == (mg_per_kg, blocked)
        if blocked:
            assert "repeat-dose range" in result.block_reasons[0]

    def test_a_repeat_dose_is_never_the_initial_default(self):
        result = calculate_dose(ED, weight_kg=70, repeat=True)
        assert result.blocked and result.dose_mg is None
        assert "repeat dose" in result.block_reasons[0]

    def test_the_initial_dose_is_not_judged_by_the_repeat_range(self):
        # 0.5 mg/kg is a repeat dose, below the adult initial 1.0 mg/kg.
        assert calculate_dose(ED, weight_kg=70, dose_mg=35).blocked
        assert calculate_dose(ED, weight_kg=70, dose_mg=70).blocked is False

    def test_a_protocol_without_a_repeat_rule_refuses_a_repeat(self):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, **MAN_70, mg_per_kg=0.5, repeat=True)
        assert info.value.field == "repeat"

    def test_the_default_route_is_the_protocols_first(self):
        result = calculate_dose(ED, weight_kg=70)
        assert (result.route, result.dose_mg, result.blocked) == ("iv", 70.0, False)


class TestFixedDoses:
    @pytest.mark.parametrize(("dose_mg", "shown"), [(56.04, 56.0), (83.95, 84.0)])
    def test_a_fixed_dose_is_rounded_to_0_1_mg_before_it_is_matched(self, dose_mg, shown):
        result = calculate_dose(ESK, weight_kg=None, dose_mg=dose_mg)
        assert (result.dose_mg, result.blocked) == (shown, False)

    def test_a_dose_that_is_not_whole_devices_says_so(self):
        result = calculate_dose(ESK, weight_kg=None, dose_mg=70)
        assert result.blocked
        assert any("not a whole number of 28 mg devices" in r for r in result.block_reasons)

    def test_a_weight_basis_does_not_change_a_fixed_dose(self):
        result = calculate_dose(ESK, weight_kg=90, height_cm=170, sex="male", weight_basis="ideal")
        assert (result.dose_mg, result.weight_basis, result.blocked) == (56.0, None, False)
        assert any("weight basis ignored" in w for w in result.warnings)

    def test_a_fixed_dose_protocol_names_mg_per_kg_as_the_wrong_field(self):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(ESK, weight_kg=70, mg_per_kg=0.5)
        assert info.value.field == "mg_per_kg"

    @pytest.mark.parametrize(
        ("step", "dose_mg", "devices"), [(1, 28.0, 1), (2, 56.0, 2), (3, 84.0, 3)]
    )
    def test_the_eu_ladder_from_65_years_starts_at_28_mg(self, step, dose_mg, devices):
        result = calculate_dose(ESK, weight_kg=None, age_years=70, jurisdiction="EU", step=step)
        assert (result.dose_mg, result.devices, result.blocked) == (dose_mg, devices, False)

    def test_the_mdsi_label_defaults_to_84_mg(self):
        result = calculate_dose(load_definition("esketamine-mdsi-label"), weight_kg=None)
        assert (result.dose_mg, result.devices, result.blocked) == (84.0, 3, False)


class TestWeightBasisAtBmi30:
    """No silent weight basis at BMI >= 30 [@sanacora-2017]."""

    def test_bmi_exactly_30_needs_a_chosen_basis(self):
        result = calculate_dose(TRD, weight_kg=120, height_cm=200, sex="male")
        assert result.bmi == 30.0 and result.blocked
        assert "must choose the weight basis" in result.block_reasons[0]
        assert result.weight_basis is None and result.dose_mg is None

    def test_bmi_29_9_doses_on_actual_weight(self):
        result = calculate_dose(TRD, weight_kg=119.6, height_cm=200, sex="male")
        assert (result.bmi, result.weight_basis, result.dose_mg) == (29.9, "actual", 59.8)
        assert not result.blocked and result.warnings == ()

    def test_a_chosen_actual_basis_at_bmi_30_is_dosed(self):
        result = calculate_dose(
            TRD, weight_kg=120, height_cm=200, sex="male", weight_basis="actual"
        )
        assert (result.weight_basis, result.dose_mg, result.blocked) == ("actual", 60.0, False)


class TestRefusalsNameTheField:
    @pytest.mark.parametrize("step", [0, -1, True, 1.0, 2.5])
    def test_a_step_must_be_a_whole_number_from_1(self, step):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, **MAN_70, step=step)
        assert info.value.field == "step"

    @pytest.mark.parametrize("definition", [ED, LATE_LIFE])
    def test_a_step_on_a_protocol_without_a_ladder(self, definition):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(definition, weight_kg=70, step=1)
        assert info.value.field == "step"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"weight_basis": "lean"}, "weight_basis"),
            ({"mg_per_kg": 0}, "mg_per_kg"),
            ({"mg_per_kg": float("nan")}, "mg_per_kg"),
            ({"dose_mg": -35}, "dose_mg"),
            ({"dose_mg": 0}, "dose_mg"),
            ({"height_cm": 0}, "height_cm"),
            ({"sex": "unknown"}, "sex"),
            ({"last_weight_kg": 0}, "last_weight_kg"),
            ({"age_years": -1}, "age_years"),
            ({"jurisdiction": "XX"}, "jurisdiction"),
        ],
    )
    def test_impossible_input(self, kwargs, field):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, **{"weight_kg": 70, **kwargs})
        assert info.value.field == field

    def test_a_mg_per_kg_protocol_needs_the_weight(self):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, weight_kg=None, dose_mg=35)
        assert info.value.field == "weight_kg"

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"mg_per_kg": 0.5, "dose_mg": 35},
            {"step": 1, "dose_mg": 35},
            {"mg_per_kg": 0.5, "step": 1, "dose_mg": 35},
        ],
    )
    def test_only_one_way_of_choosing_the_dose(self, kwargs):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, weight_kg=70, **kwargs)
        assert info.value.field in kwargs

    def test_a_plain_request_needs_no_optional_field(self):
        result = calculate_dose(TRD, weight_kg=70, last_weight_kg=None, sex=None)
        assert (result.dose_mg, result.blocked) == (35.0, False)


def _edited(definition, route, **changes):
    """A clinic's edit of an editable dose field, as activation stores it."""
    rule = definition.dose_rule(route).model_copy(update=changes)
    return definition.model_copy(update={"dose": {**definition.dose, route: rule}})


class TestClinicEditedRules:
    def test_the_floor_is_the_allowed_minimum_not_the_clinics_default(self):
        edited = _edited(TRD, "iv", default=0.75)  # the TRD default is clinic-editable
        assert calculate_dose(edited, **MAN_70).dose_mg == 52.5
        assert not calculate_dose(edited, **MAN_70, dose_mg=35).blocked

    def test_a_dose_without_a_sourced_range_is_blocked(self):
        research = load_definition("eating-disorders-research")
        result = calculate_dose(research, weight_kg=60, mg_per_kg=0.5)
        assert result.blocked
        assert "no allowed dose range here; the clinic must set it" in result.block_reasons[0]

    def test_a_range_needs_both_ends(self):
        research = _edited(load_definition("eating-disorders-research"), "iv", allowed_max=0.5)
        result = calculate_dose(research, weight_kg=60, mg_per_kg=0.5)
        assert result.blocked and "no allowed dose range" in result.block_reasons[0]


class TestWhatTheResultSays:
    def test_the_result_names_the_protocol_and_the_drug(self):
        result = calculate_dose(TRD, **MAN_70)
        assert (result.protocol, result.drug, result.route) == ("iv-ketamine-trd", "ketamine", "iv")

    def test_a_floor_block_cites_the_protocols_source(self):
        result = calculate_dose(TRD, **MAN_70, dose_mg=34.9)
        assert "[@fava-2018]" in result.block_reasons[0]

    def test_an_off_ladder_dose_is_named_in_the_unit_it_was_chosen_in(self):
        by_weight = calculate_dose(TRD, **MAN_70, mg_per_kg=0.6)
        assert by_weight.block_reasons[0].startswith("0.6 mg/kg is not a step")
        in_mg = calculate_dose(TRD, **MAN_70, dose_mg=42)
        assert in_mg.block_reasons[0].startswith("42 mg is not a step")

    def test_the_cap_warning_cites_the_caps_own_source(self):
        result = calculate_dose(AGITATION, weight_kg=150)
        assert any(
            "Maximum single dose 500 mg [@wjem-2020-ed-ketamine]" in w for w in result.warnings
        )

    def test_the_eu_start_says_which_label_applies_and_cites_it(self):
        result = calculate_dose(ESK, weight_kg=None, age_years=70, jurisdiction="EU")
        assert any(
            w.startswith("EU label: patients 65 and older start at 28 mg") for w in result.warnings
        )
        refused = calculate_dose(ESK, weight_kg=None, age_years=70, jurisdiction="EU", dose_mg=70)
        assert refused.blocked and "[@spravato-eu-smpc §4.2]" in refused.block_reasons[0]
