"""The shared input parsers: every outcome, with the error each writes under the field's name."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core.parsing import parse_date, parse_decimal, parse_int, parse_text

REQUIRED = "This field is required."


def run(parser, value, **options):
    errors: dict[str, str] = {}
    result = parser(value, "field", errors, **options)
    return result, errors.get("field")


@pytest.mark.parametrize(
    ("value", "options", "expected", "error"),
    [
        ("  Ann  ", {"required": True, "max_length": 10}, "Ann", None),
        (None, {"required": False, "max_length": 10}, "", None),
        ("", {"required": False, "max_length": 10}, "", None),
        (None, {"required": True, "max_length": 10}, "", REQUIRED),
        ("   ", {"required": True, "max_length": 10}, "", REQUIRED),
        ("abcd", {"required": True, "max_length": 4}, "abcd", None),
        ("abcde", {"required": True, "max_length": 4}, "abcde", "At most 4 characters."),
        (" abcd ", {"required": False, "max_length": 4}, "abcd", None),
        (12, {"required": True, "max_length": 4}, "", "Enter text."),
        (["x"], {"required": False, "max_length": 4}, "", "Enter text."),
    ],
)
def test_parse_text(value, options, expected, error):
    assert run(parse_text, value, **options) == (expected, error)


@pytest.mark.parametrize(
    ("value", "options", "expected", "error"),
    [
        ("2.5", {}, Decimal("2.5"), None),
        (" 7 ", {}, Decimal("7"), None),
        (3, {}, Decimal("3"), None),
        (0.1, {}, Decimal("0.1"), None),
        (Decimal("-4"), {}, Decimal("-4"), None),
        (None, {}, None, REQUIRED),
        ("", {}, None, REQUIRED),
        ("  ", {}, None, REQUIRED),
        (None, {"required": False}, None, None),
        ("", {"required": False}, None, None),
        ("abc", {"required": False}, None, "Enter a number."),
        ("1,5", {}, None, "Enter a number."),
        (True, {}, None, "Enter a number."),
        ("NaN", {}, None, "Enter a number."),
        ("Infinity", {}, None, "Enter a number."),
        ("-inf", {}, None, "Enter a number."),
        ("0", {"above": 0}, None, "Enter a number above 0."),
        ("-1", {"above": 0}, None, "Enter a number above 0."),
        ("0.01", {"above": 0}, Decimal("0.01"), None),
        ("0", {"above": None}, Decimal("0"), None),
    ],
)
def test_parse_decimal(value, options, expected, error):
    assert run(parse_decimal, value, **options) == (expected, error)


@pytest.mark.parametrize(
    ("value", "options", "expected", "error"),
    [
        ("3", {}, 3, None),
        ("3.0", {}, 3, None),
        (3.0, {}, 3, None),
        (-2, {}, -2, None),
        (None, {}, None, REQUIRED),
        (None, {"required": False}, None, None),
        ("3.5", {}, None, "Enter a whole number."),
        ("three", {}, None, "Enter a number."),
        (True, {}, None, "Enter a number."),
        ("5", {"minimum": 1, "maximum": 5}, 5, None),
        ("1", {"minimum": 1, "maximum": 5}, 1, None),
        ("0", {"minimum": 1, "maximum": 5}, None, "Enter a whole number from 1 to 5."),
        ("6", {"minimum": 1, "maximum": 5}, None, "Enter a whole number from 1 to 5."),
        ("0", {"minimum": 1}, None, "Enter a whole number of at least 1."),
        ("99", {"minimum": 1}, 99, None),
        ("6", {"maximum": 5}, None, "Enter a whole number of at most 5."),
        ("-99", {"maximum": 5}, -99, None),
    ],
)
def test_parse_int(value, options, expected, error):
    assert run(parse_int, value, **options) == (expected, error)


TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("value", "options", "expected", "error"),
    [
        (date(2024, 2, 29), {}, date(2024, 2, 29), None),
        ("2024-02-29", {}, date(2024, 2, 29), None),
        (" 2024-02-29 ", {}, date(2024, 2, 29), None),
        (None, {}, None, None),
        ("", {}, None, None),
        (None, {"required": True}, None, REQUIRED),
        ("  ", {"required": True}, None, REQUIRED),
        ("2023-02-29", {}, None, "Enter a date as YYYY-MM-DD."),
        ("29/02/2024", {}, None, "Enter a date as YYYY-MM-DD."),
        (20240229, {}, None, "Enter a date as YYYY-MM-DD."),
        (TODAY, {"not_after": TODAY}, TODAY, None),
        (date(2025, 6, 16), {"not_after": TODAY}, None, "This date cannot be in the future."),
        (
            "2025-06-16",
            {"not_after": TODAY, "not_after_message": "Date of birth cannot be in the future."},
            None,
            "Date of birth cannot be in the future.",
        ),
    ],
)
def test_parse_date(value, options, expected, error):
    assert run(parse_date, value, **options) == (expected, error)


def test_errors_are_collected_under_each_field_name_and_others_are_kept():
    errors = {"earlier": "Kept."}
    parse_text("", "name", errors, required=True, max_length=5)
    parse_decimal("x", "dose", errors)
    parse_int("2.5", "count", errors)
    parse_date("soon", "onset", errors)
    assert errors == {
        "earlier": "Kept.",
        "name": REQUIRED,
        "dose": "Enter a number.",
        "count": "Enter a whole number.",
        "onset": "Enter a date as YYYY-MM-DD.",
    }


def test_a_datetime_is_accepted_as_a_date():
    moment = datetime(2024, 1, 2, 3, 4)
    assert run(parse_date, moment) == (moment, None)


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_every_finite_decimal_round_trips_through_its_text(number):
    assert run(parse_decimal, str(number)) == (number, None)


@given(st.decimals(allow_nan=False, allow_infinity=False), st.integers(-50, 50))
def test_above_accepts_exactly_the_numbers_greater_than_the_bound(number, bound):
    result, error = run(parse_decimal, number, above=bound)
    if number > bound:
        assert (result, error) == (number, None)
    else:
        assert (result, error) == (None, f"Enter a number above {bound}.")


@given(st.integers(-1000, 1000), st.integers(-100, 100), st.integers(0, 200))
def test_whole_numbers_are_accepted_exactly_within_their_bounds(value, low, width):
    high = low + width
    result, error = run(parse_int, str(value), minimum=low, maximum=high)
    if low <= value <= high:
        assert (result, error) == (value, None)
    else:
        assert (result, error) == (None, f"Enter a whole number from {low} to {high}.")


@given(st.text(max_size=30), st.integers(0, 25))
def test_text_is_stripped_and_its_length_bounded(value, max_length):
    result, error = run(parse_text, value, required=False, max_length=max_length)
    assert result == value.strip()
    assert (error is None) == (len(value.strip()) <= max_length)
