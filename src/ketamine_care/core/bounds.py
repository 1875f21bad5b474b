"""Technical ceilings for numeric API input: what a column can hold. They are not clinical
limits (those live in the clinical modules, with their sources, and answer 422 with their
own words); they only keep a huge number from reaching the database as a 500."""

from __future__ import annotations

from decimal import Decimal

# PositiveSmallIntegerField holds 0..32767 on every backend.
SMALL_INT_MAX = 32767


def column_max(max_digits: int, decimal_places: int) -> Decimal:
    """The largest value a DecimalField(max_digits, decimal_places) stores."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(1).scaleb(-decimal_places)


MG_MAX = float(column_max(8, 2))  # dose_mg, concentration_mg_per_ml columns
WEIGHT_MAX = column_max(6, 2)  # BodyMeasurement.weight_kg
HEIGHT_MAX = column_max(5, 1)  # BodyMeasurement.height_cm
