"""Unit conversion. Conversion happens only when the user explicitly picks the other unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Exact by definition (international yard and pound agreement, 1959).
KG_PER_LB = Decimal("0.45359237")
CM_PER_IN = Decimal("2.54")


def lb_to_kg(pounds: Decimal | float | str) -> Decimal:
    return _round(Decimal(str(pounds)) * KG_PER_LB, "0.01")


def in_to_cm(inches: Decimal | float | str) -> Decimal:
    return _round(Decimal(str(inches)) * CM_PER_IN, "0.1")


def kg_to_lb(kg: Decimal | float | str) -> Decimal:
    return _round(Decimal(str(kg)) / KG_PER_LB, "0.1")


def bmi(weight_kg: Decimal | float | None, height_cm: Decimal | float | None) -> Decimal | None:
    """Body-mass index in kg/m², one decimal; None when either input is missing."""
    if weight_kg is None or height_cm is None:
        return None
    metres = Decimal(str(height_cm)) / 100
    if metres <= 0:
        return None
    return _round(Decimal(str(weight_kg)) / (metres * metres), "0.1")


def _round(value: Decimal, quantum: str) -> Decimal:
    return value.quantize(Decimal(quantum), rounding=ROUND_HALF_UP)
