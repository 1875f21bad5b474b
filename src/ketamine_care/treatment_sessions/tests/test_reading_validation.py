"""Plausibility validation of readings (input validation, not alert thresholds)."""

from __future__ import annotations

import pytest

from ketamine_care.treatment_sessions.readings import (
    Reading,
    ReadingError,
    check_reading,
    readings_from_json,
)


class TestReadingValidation:
    def test_it_accepts_a_full_reading_and_keeps_moaas_an_integer(self) -> None:
        (reading,) = readings_from_json(
            [
                {
                    "minute": -5,
                    "bp_systolic": 130,
                    "bp_diastolic": 80,
                    "heart_rate": 72,
                    "spo2": 97,
                    "respiratory_rate": 14,
                    "moaas": 5.0,
                }
            ]
        )
        assert reading == Reading(-5, 130, 80, 72, 97, 14, 5)
        assert isinstance(reading.moaas, int)

    def test_it_treats_null_and_absent_fields_as_not_recorded(self) -> None:
        (reading,) = readings_from_json([{"minute": 10, "spo2": None, "heart_rate": 90}])
        assert reading == Reading(minute=10, heart_rate=90)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("bp_systolic", 400),
            ("bp_systolic", 39),
            ("bp_diastolic", 201),
            ("bp_diastolic", 19),
            ("heart_rate", 251),
            ("heart_rate", 19),
            ("spo2", 120),
            ("spo2", 100.5),
            ("spo2", -1),
            ("respiratory_rate", 81),
            ("respiratory_rate", -1),
            ("moaas", 6),
            ("moaas", -1),
        ],
    )
    def test_it_refuses_implausible_values_naming_the_field(self, field: str, value: float) -> None:
        readings = [{"minute": 0}, {"minute": 5, field: value}]
        with pytest.raises(ReadingError) as caught:
            readings_from_json(readings)
        assert (caught.value.index, caught.value.field) == (1, field)
        assert "plausible range" in str(caught.value)
        assert str(caught.value).startswith(f"readings[1].{field}:")

    @pytest.mark.parametrize(
        ("field", "value"),
        [("bp_systolic", 300), ("bp_systolic", 40), ("spo2", 100), ("spo2", 0), ("moaas", 0)],
    )
    def test_it_accepts_values_on_the_plausibility_limits(self, field: str, value: float) -> None:
        extra = {"bp_diastolic": 30} if field == "bp_systolic" else {}
        assert readings_from_json([{"minute": 0, field: value, **extra}])

    @pytest.mark.parametrize("diastolic", [120, 121])
    def test_it_refuses_diastolic_at_or_above_systolic(self, diastolic: int) -> None:
        with pytest.raises(ReadingError, match=r"readings\[0\]\.bp_diastolic: .*not below"):
            readings_from_json([{"minute": 0, "bp_systolic": 120, "bp_diastolic": diastolic}])

    def test_it_refuses_unknown_fields(self) -> None:
        with pytest.raises(ReadingError) as caught:
            readings_from_json([{"minute": 0}, {"minute": 1, "temperature": 37}])
        assert (caught.value.index, caught.value.field) == (1, "temperature")
        assert "unknown field" in caught.value.message

    @pytest.mark.parametrize("value", ["120", True, [120], {"v": 1}])
    def test_it_refuses_non_numeric_values(self, value: object) -> None:
        with pytest.raises(ReadingError, match=r"readings\[0\]\.heart_rate: must be a number"):
            readings_from_json([{"minute": 0, "heart_rate": value}])

    @pytest.mark.parametrize("item", [{}, {"minute": None}, {"spo2": 97}])
    def test_it_requires_a_minute(self, item: dict[str, object]) -> None:
        with pytest.raises(ReadingError, match=r"readings\[0\]\.minute: is required"):
            readings_from_json([item])

    @pytest.mark.parametrize("minute", [float("nan"), float("inf")])
    def test_it_refuses_non_finite_minutes(self, minute: float) -> None:
        with pytest.raises(ReadingError, match="finite"):
            readings_from_json([{"minute": minute}])

    def test_it_refuses_fractional_moaas(self) -> None:
        with pytest.raises(ReadingError, match=r"readings\[0\]\.moaas: MOAA/S is a whole number"):
            readings_from_json([{"minute": 0, "moaas": 4.5}])

    @pytest.mark.parametrize("data", [{"minute": 0}, "readings", None])
    def test_it_needs_a_list(self, data: object) -> None:
        with pytest.raises(ReadingError, match="JSON list"):
            readings_from_json(data)

    def test_it_refuses_a_reading_that_is_not_an_object(self) -> None:
        with pytest.raises(ReadingError, match=r"readings\[1\]\.reading: expected an object"):
            readings_from_json([{"minute": 0}, 5])

    def test_check_reading_validates_constructed_readings(self) -> None:
        with pytest.raises(ReadingError, match=r"readings\[3\]\.spo2"):
            check_reading(Reading(minute=0, spo2=120), 3)
