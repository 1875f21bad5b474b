"""Parsing of untrusted input values into domain types, reporting errors by field name."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def parse_decimal(value: Any, name: str, errors: dict[str, str], *, required: bool = True):
    """`value` as a finite Decimal, or None. A problem is written to `errors[name]`
    (the caller raises once, so every bad field is reported together)."""
    if value in (None, ""):
        if required:
            errors[name] = "This field is required."
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[name] = "Enter a number."
        return None
    if not number.is_finite():
        errors[name] = "Enter a number."
        return None
    return number
