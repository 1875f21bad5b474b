"""Body-weight arithmetic: Devine ideal weight, adjusted weight, BMI, pounds."""

from __future__ import annotations

import pytest

from ketamine_care.dosing.weights import (
    DoseInputError,
    adjusted_body_weight_kg,
    as_decimal,
    bmi,
    ideal_body_weight_kg,
    pounds_to_kg,
    weight_for_basis,
)


@pytest.mark.parametrize(
    ("height_cm", "sex", "expected"),
    [
        (152.4, "male", 50.0),  # 60 in: the Devine base
        (152.4, "female", 45.5),
        (177.8, "male", 73.0),  # 70 in: 50 + 2.3 x 10
        (177.8, "female", 68.5),
        (182.88, "male", 77.6),  # 72 in
        (170, "female", 61.4),
    ],
)
def test_devine_ideal_body_weight(height_cm, sex, expected):
    assert ideal_body_weight_kg(height_cm, sex) == expected


def test_adjusted_weight_is_ideal_plus_40_percent_of_the_excess():
    assert adjusted_body_weight_kg(100, 177.8, "male") == 83.8  # 73 + 0.4 x 27


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "sex", "expected"),
    [
        # Devine 61.437 kg at 170 cm: 61.437 + 0.4 x 38.563 = 76.862 -> 76.9 [@devine-1974];
        # from the ideal weight rounded first (61.4) it read 76.8.
        (100, 170, "female", 76.9),
        (100, 170, "male", 79.6),  # 65.937 + 0.4 x 34.063 = 79.562
        (110, 158, "male", 77.0),  # 55.071 + 0.4 x 54.929 = 77.043 (rounded first: 77.1)
        (90, 154, "female", 64.2),  # 46.949 + 0.4 x 43.051 = 64.169 (rounded first: 64.1)
    ],
)
def test_adjusted_weight_rounds_once_from_the_unrounded_ideal_weight(
    weight_kg, height_cm, sex, expected
):
    assert adjusted_body_weight_kg(weight_kg, height_cm, sex) == expected


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "expected"),
    [(82, 180, 25.3), (110, 170, 38.1), (90, 173.2, 30.0)],
)
def test_bmi(weight_kg, height_cm, expected):
    assert bmi(weight_kg, height_cm) == expected


def test_pounds_convert_exactly():
    assert pounds_to_kg(180) == 81.65
    assert pounds_to_kg(1) == 0.45


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_it_refuses_impossible_heights(bad):
    with pytest.raises(DoseInputError) as info:
        ideal_body_weight_kg(bad, "male")
    assert info.value.field == "height_cm"


def test_it_refuses_an_unknown_sex():
    with pytest.raises(DoseInputError) as info:
        ideal_body_weight_kg(170, "other")
    assert info.value.field == "sex"


def test_bmi_rounds_half_up_as_by_hand():
    # 89 kg at 2.00 m is exactly 22.25 kg/m2: by hand 22.3 (banker's rounding would give 22.2).
    assert bmi(89, 200) == 22.3


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda: as_decimal("weight_kg", "abc"), "weight_kg", "'abc' is not a number"),
        (lambda: as_decimal("weight_kg", "nan"), "weight_kg", "'nan' is not a finite number"),
        (lambda: as_decimal("weight_kg", "inf"), "weight_kg", "'inf' is not a finite number"),
        (lambda: as_decimal("weight_kg", 0), "weight_kg", "must be greater than 0 (got 0)"),
        (lambda: pounds_to_kg(0), "weight_lb", "must be greater than 0 (got 0)"),
        (lambda: bmi(70, 0), "height_cm", "must be greater than 0 (got 0)"),
        (lambda: bmi(0, 170), "weight_kg", "must be greater than 0 (got 0)"),
        (lambda: adjusted_body_weight_kg(0, 170, "male"), "weight_kg", "must be greater than 0"),
        (
            lambda: ideal_body_weight_kg(150, "male"),
            "height_cm",
            "150 cm: the Devine ideal weight is undefined below 152.4 cm",
        ),
        (
            lambda: weight_for_basis("ideal", 70, None, "male"),
            "height_cm",
            "is required for the ideal weight basis",
        ),
        (
            lambda: weight_for_basis("adjusted", 70, 170, None),
            "sex",
            "is required for the adjusted weight basis",
        ),
    ],
)
def test_each_refusal_names_the_field_to_correct(call, field, message):
    with pytest.raises(DoseInputError) as caught:
        call()
    assert caught.value.field == field
    assert caught.value.message.startswith(message)
    assert str(caught.value) == f"{field}: {caught.value.message}"
