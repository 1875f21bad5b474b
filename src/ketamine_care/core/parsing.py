"""Parsing of untrusted input values into domain types, reporting errors by field name.

Every parser takes the raw value, the field's name and an `errors` dict. A problem is written
to `errors[name]` and the parser returns None (or the text as given, for `parse_text`), so
the caller raises one `ValidationFailed` naming every bad field together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

REQUIRED = "This field is required."
NOT_A_NUMBER = "Enter a number."
NOT_A_WHOLE_NUMBER = "Enter a whole number."
NOT_A_DATE = "Enter a date as YYYY-MM-DD."
FUTURE_DATE = "This date cannot be in the future."
NOT_TEXT = "Enter text."


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_text(value: Any, name: str, errors: dict[str, str], *, required: bool, max_length: int):
    """`value` stripped of surrounding white space ("" for None)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = NOT_TEXT
        return ""
    text = value.strip()
    if required and not text:
        errors[name] = REQUIRED
    elif len(text) > max_length:
        errors[name] = f"At most {max_length} characters."
    return text


def parse_decimal(
    value: Any,
    name: str,
    errors: dict[str, str],
    *,
    required: bool = True,
    above: Decimal | int | None = None,
) -> Decimal | None:
    """`value` as a finite Decimal (strictly greater than `above`, when given), or None."""
    if _blank(value):
        if required:
            errors[name] = REQUIRED
        return None
    try:  # str(True) is "True", not a number
        number = Decimal(str(value))
    except InvalidOperation:
        errors[name] = NOT_A_NUMBER
        return None
    if not number.is_finite():
        errors[name] = NOT_A_NUMBER
        return None
    if above is not None and number <= above:
        errors[name] = f"Enter a number above {above}."
        return None
    return number


def parse_int(
    value: Any,
    name: str,
    errors: dict[str, str],
    *,
    required: bool = True,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """`value` as a whole number within [minimum, maximum] (either bound optional), or None.
    "3.0" and 3.0 are whole numbers; "3.5", True and "three" are not."""
    number = parse_decimal(value, name, errors, required=required)
    if number is None:
        return None
    if number != number.to_integral_value():
        errors[name] = NOT_A_WHOLE_NUMBER
        return None
    whole = int(number)
    if (minimum is not None and whole < minimum) or (maximum is not None and whole > maximum):
        errors[name] = _range_message(minimum, maximum)
        return None
    return whole


def _range_message(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"Enter a whole number from {minimum} to {maximum}."
    if minimum is not None:
        return f"Enter a whole number of at least {minimum}."
    return f"Enter a whole number of at most {maximum}."


def parse_date(
    value: Any,
    name: str,
    errors: dict[str, str],
    *,
    required: bool = False,
    not_after: date | None = None,
    not_after_message: str = FUTURE_DATE,
) -> date | None:
    """`value` (a date, or text as YYYY-MM-DD) as a date, or None. With `not_after` (usually
    today), a later date is refused with `not_after_message`."""
    if _blank(value):
        if required:
            errors[name] = REQUIRED
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors[name] = NOT_A_DATE
            return None
    if not isinstance(value, date):
        errors[name] = NOT_A_DATE
        return None
    if not_after is not None and value > not_after:
        errors[name] = not_after_message
        return None
    return value
