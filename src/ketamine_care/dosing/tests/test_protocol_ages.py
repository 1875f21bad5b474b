"""A dose for a patient outside the protocol's ages, and a child's implausible weight.

Screening excludes a child from an adult protocol (or asks an override for an adult on a
paediatric one); the calculator did not look at the age at all, so a 10-year-old weighing
300 kg was dosed 150 mg on the adult TRD protocol without a word. Now an age outside the
protocol's ages blocks until a reason is documented, and a child above the adult maxima of the
weight plausibility limits [@ismp-weight] needs the same confirmation as an adult.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core.ages import age_text
from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.protocols.library import list_protocol_ids, load_definition

TRD = load_definition("iv-ketamine-trd")
ESK = load_definition("esketamine-trd-label")
PAEDIATRIC = load_definition("pediatric-procedural-sedation")
ADOLESCENT = load_definition("iv-ketamine-adolescent-research")
LATE_LIFE = load_definition("sc-ketamine-late-life")


def _dose(definition, age_years, **extra):
    weight = None if definition.dose_rule().basis == "fixed_mg" else 20 if age_years < 12 else 60
    return calculate_dose(definition, weight_kg=weight, age_years=age_years, **extra)


def _age_blocks(result) -> list[str]:
    return [r for r in result.block_reasons if "outside this protocol's ages" in r]


class TestAgesOutsideTheProtocol:
    @pytest.mark.parametrize(
        ("definition", "age", "ages"),
        [
            (TRD, 10, "18 years and older"),
            (TRD, 17.9, "18 years and older"),
            (ESK, 16, "18 years and older"),
            (ADOLESCENT, 11.9, "12 to 17 years"),
            (ADOLESCENT, 18, "12 to 17 years"),
            (PAEDIATRIC, 30, "3 months to 17 years"),  # under 3 months: test_absolute_age.py
            (LATE_LIFE, 59, "60 years and older"),
        ],
    )
    def test_blocked_until_a_reason_is_given(self, definition, age, ages):
        result = _dose(definition, age)
        assert result.blocked
        assert _age_blocks(result) == [
            f"age {age_text(age)} is outside this protocol's ages ({ages}): "
            "give a reason to dose outside them"
        ]
        allowed = _dose(definition, age, reason="approved by the medical director")
        assert not _age_blocks(allowed)
        assert any(
            f"age {age_text(age)} is outside this protocol's ages ({ages}); reason given: "
            "approved by the medical director" == w
            for w in allowed.warnings
        )

    @pytest.mark.parametrize(
        ("definition", "age"),
        [
            (TRD, 18),
            (ESK, 18),
            (ADOLESCENT, 12),
            (ADOLESCENT, 17.99),
            (PAEDIATRIC, 0.25),
            (PAEDIATRIC, 17.9),
            (LATE_LIFE, 60),
        ],
    )
    def test_the_edges_of_the_ages_are_inside(self, definition, age):
        result = _dose(definition, age)
        assert not _age_blocks(result) and not result.blocked

    def test_an_unknown_age_is_not_blocked_here(self):
        # The other guards then treat the patient as the protocol's population: an adult
        # protocol holds an unknown age to the adult weight limits.
        assert not calculate_dose(TRD, weight_kg=70).blocked
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, weight_kg=300)
        assert info.value.field == "weight_kg"

    @given(
        protocol=st.sampled_from(list_protocol_ids()),
        age=st.floats(min_value=0, max_value=130, allow_nan=False),
    )
    def test_blocked_exactly_when_outside_the_ages(self, protocol, age):
        definition = load_definition(protocol)
        low, high = definition.min_age_years, definition.max_age_years
        inside = (low is None or age >= low) and (high is None or age < high + 1)
        weight = None if definition.dose_rule().basis == "fixed_mg" else 60
        result = calculate_dose(
            definition, weight_kg=weight, age_years=age, confirm_weight=True, jurisdiction="US"
        )
        assert bool(_age_blocks(result)) is not inside


class TestAChildsWeight:
    def test_the_reviewed_case_asks_to_confirm_the_weight(self):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(TRD, weight_kg=300, age_years=10)
        assert info.value.field == "weight_kg"
        assert "above the plausible adult maximum 250 kg" in info.value.message

    @pytest.mark.parametrize(
        ("weight", "height", "field"), [(251, 120, "weight_kg"), (40, 231, "height_cm")]
    )
    def test_above_the_adult_maxima_is_refused_on_a_paediatric_protocol(
        self, weight, height, field
    ):
        with pytest.raises(DoseInputError) as info:
            calculate_dose(PAEDIATRIC, weight_kg=weight, height_cm=height, age_years=10)
        assert info.value.field == field and "confirm the weight" in info.value.message

    def test_confirmed_goes_on_with_a_warning(self):
        result = calculate_dose(PAEDIATRIC, weight_kg=251, age_years=10, confirm_weight=True)
        assert any(
            w == "weight 251 kg is above the plausible adult maximum 250 kg; confirmed by the "
            "clinician"
            for w in result.warnings
        )

    @pytest.mark.parametrize(("weight", "height"), [(3.5, 50), (12, 85), (250, 230)])
    def test_below_the_adult_minima_is_a_child_like_any_other(self, weight, height):
        result = calculate_dose(PAEDIATRIC, weight_kg=weight, height_cm=height, age_years=10)
        assert not result.warnings and not result.blocked


@pytest.mark.parametrize(
    ("years", "said"),
    [
        (0.25, "3 months"),
        (1 / 12, "1 month"),
        (0.24, "2.9 months"),
        (0, "0 months"),
        (1.5, "18 months"),
        (2, "2 years"),
        (17, "17 years"),
        (16 + 7 / 12, "16.58 years"),
    ],
)
def test_ages_are_said_in_months_under_two_years(years, said):
    assert age_text(years) == said
