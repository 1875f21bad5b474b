"""Body-weight bases for mg/kg dosing (pure; no Django).

Sanacora et al. 2017 suggested dosing on ideal body weight, especially at BMI >= 30; the
landmark trials dosed on actual weight [@sanacora-2017] [@fava-2018]. Which basis to use is the
clinician's documented choice; this module only does the arithmetic.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Sex = Literal["female", "male"]
WeightBasis = Literal["actual", "ideal", "adjusted"]
WEIGHT_BASES: tuple[str, ...] = ("actual", "ideal", "adjusted")
SEXES: tuple[str, ...] = ("female", "male")

# Exact by definition (international yard and pound agreement, 1959).
KG_PER_LB = Decimal("0.45359237")
CM_PER_INCH = Decimal("2.54")
# Devine 1974, as given in the issue: 50 kg (men) / 45.5 kg (women) at 60 inches.
DEVINE_BASE_KG: dict[str, Decimal] = {"male": Decimal("50"), "female": Decimal("45.5")}
DEVINE_KG_PER_INCH = Decimal("2.3")
DEVINE_BASE_INCHES = Decimal("60")
ADJUSTED_FACTOR = Decimal("0.4")
BMI_CHOOSE_BASIS = Decimal("30")


class DoseInputError(ValueError):
    """Input that cannot describe a real patient or request; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def round_to(value: Decimal, quantum: str) -> Decimal:
    """Round half up (the way a clinician rounds by hand), not banker's rounding."""
    return value.quantize(Decimal(quantum), rounding=ROUND_HALF_UP)


def as_decimal(field: str, value: float | int | str | Decimal) -> Decimal:
    """A finite, strictly positive Decimal, or DoseInputError naming `field`."""
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise DoseInputError(field, f"{value!r} is not a number") from exc
    if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise DoseInputError(field, f"{value!r} is not a finite number")
    if number <= 0:
        raise DoseInputError(field, f"must be greater than 0 (got {value})")
    return number


def check_sex(sex: str | None) -> Sex:
    if sex not in SEXES:
        raise DoseInputError("sex", f"must be one of {', '.join(SEXES)} (got {sex!r})")
    return sex  # type: ignore[return-value]


def pounds_to_kg(weight_lb: float) -> float:
    """Pounds to kilograms, rounded to 0.01 kg (1 lb = 0.45359237 kg exactly)."""
    return float(round_to(as_decimal("weight_lb", weight_lb) * KG_PER_LB, "0.01"))


def height_inches(height_cm: float) -> Decimal:
    return as_decimal("height_cm", height_cm) / CM_PER_INCH


def ideal_body_weight_kg(height_cm: float, sex: str) -> float:
    """Ideal body weight in kg by Devine: 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch
    over 60 inches; height in cm, result rounded to 0.1 kg [@devine-1974].

    Devine is undefined below 60 inches (152.4 cm) [@devine-1974] [@clincalc-ibw]: refused.
    """
    return float(round_to(_devine_kg(height_cm, sex), "0.1"))


def _devine_kg(height_cm: float, sex: str) -> Decimal:
    """The Devine ideal weight in kg, unrounded (see `ideal_body_weight_kg`)."""
    base = DEVINE_BASE_KG[check_sex(sex)]
    if height_inches(height_cm) < DEVINE_BASE_INCHES:
        raise DoseInputError(
            "height_cm", f"{height_cm:g} cm: the Devine ideal weight is undefined below 152.4 cm"
        )
    ibw = base + DEVINE_KG_PER_INCH * (height_inches(height_cm) - DEVINE_BASE_INCHES)
    if ibw <= 0:
        raise DoseInputError("height_cm", f"{height_cm} cm gives no usable ideal body weight")
    return ibw


def adjusted_body_weight_kg(weight_kg: float, height_cm: float, sex: str) -> float:
    """Adjusted body weight in kg: ideal + 0.4 x (actual - ideal), rounded once, to 0.1 kg
    (basis choice [@sanacora-2017]). The ideal weight enters unrounded: rounding it to 0.1 kg
    first moved the result by up to 0.03 kg, enough to flip its last digit (100 kg woman at
    170 cm: 76.9 kg, not 76.8)."""
    actual = as_decimal("weight_kg", weight_kg)
    ideal = _devine_kg(height_cm, sex)
    return float(round_to(ideal + ADJUSTED_FACTOR * (actual - ideal), "0.1"))


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body-mass index in kg/m^2, rounded to 0.1 (weight in kg, height in cm)."""
    metres = as_decimal("height_cm", height_cm) / 100
    return float(round_to(as_decimal("weight_kg", weight_kg) / (metres * metres), "0.1"))


def weight_for_basis(
    basis: WeightBasis, weight_kg: float, height_cm: float | None, sex: str | None
) -> float:
    """The weight (kg) a mg/kg dose is multiplied by; ideal/adjusted need height and sex."""
    if basis == "actual":
        return weight_kg
    check_basis_inputs(basis, height_cm, sex)
    if basis == "ideal":
        return ideal_body_weight_kg(height_cm, sex)  # type: ignore[arg-type]
    return adjusted_body_weight_kg(weight_kg, height_cm, sex)  # type: ignore[arg-type]


def check_basis_inputs(basis: str, height_cm: float | None, sex: str | None) -> None:
    """Ideal and adjusted weight need the height and the sex (Devine); actual weight neither.
    DoseInputError names the missing one."""
    if basis == "actual":
        return
    if height_cm is None:
        raise DoseInputError("height_cm", f"is required for the {basis} weight basis")
    if sex is None:
        raise DoseInputError("sex", f"is required for the {basis} weight basis")
