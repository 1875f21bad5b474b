"""Body-weight arithmetic: Devine ideal weight, adjusted weight, BMI, pounds."""

from __future__ import annotations

import pytest

from ketamine_care.dosing.weights import (
    DoseInputError,
    adjusted_body_weight_kg,
    bmi,
    ideal_body_weight_kg,
    pounds_to_kg,
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
