"""In-session vital-sign readings and their input validation (pure; no Django).

A reading is one set of observations taken at one moment of a dosing session. `minute` is
relative to the start of dosing (the first esketamine device or the start of the infusion):
negative before dosing, zero or positive after it. Every observation may be absent (`None`).

The plausibility ranges below are *input validation*: they refuse values that cannot come from
a living patient or a working device (systolic 400 mmHg, SpO2 120 %, diastolic at or above
systolic). They are deliberately wide and are NOT clinical alert thresholds; those come from
the protocol definition (whose data cite their sources) and are evaluated in `alerts.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Observation fields, in display order, with their units.
MEASURES: tuple[str, ...] = (
    "bp_systolic",
    "bp_diastolic",
    "heart_rate",
    "spo2",
    "respiratory_rate",
    "moaas",
)
UNITS: dict[str, str] = {
    "bp_systolic": "mmHg",
    "bp_diastolic": "mmHg",
    "heart_rate": "beats/min",
    "spo2": "%",
    "respiratory_rate": "breaths/min",
    "moaas": "MOAA/S points",
    "map": "mmHg",
}

# Plausibility limits (inclusive), input validation only. SpO2 and respiratory rate keep a
# lower bound of 0 on purpose: a severe desaturation or apnoea is exactly what the urgent
# alerts exist for, so it must never be refused as "impossible". MOAA/S is the 0-5 scale of
# [@chernik-1990].
PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "bp_systolic": (40, 300),
    "bp_diastolic": (20, 200),
    "heart_rate": (20, 250),
    "spo2": (0, 100),
    "respiratory_rate": (0, 80),
    "moaas": (0, 5),
}

# Computed from other measures, never entered: mean arterial pressure = (SBP + 2 x DBP) / 3,
# the usual non-invasive estimate, so a MAP alert line can be set in the protocol data.
DERIVED_MEASURES: tuple[str, ...] = ("map",)

# Symptoms of a hypertensive emergency the nurse asks about (the checklist of Yip 2022), with
# the words the screens show. A reading carries the ones the patient reports.
SYMPTOMS: dict[str, str] = {
    "severe_headache": "Severe headache",
    "chest_pain": "Chest pain",
    "dyspnea": "Shortness of breath",
    "focal_neuro_deficit": "Focal neurological deficit (weakness, numbness, speech)",
    "visual_change": "Visual change",
    "confusion": "Confusion",
}

READING_FIELDS: frozenset[str] = frozenset(("minute", *MEASURES, "symptoms"))


class ReadingError(ValueError):
    """A reading that cannot be accepted. `index` is its 0-based position in the input list."""

    def __init__(self, index: int, field: str, message: str) -> None:
        self.index = index
        self.field = field
        self.message = message
        super().__init__(f"readings[{index}].{field}: {message}")


@dataclass(frozen=True)
class Reading:
    """One set of observations; units: mmHg, beats/min, %, breaths/min, MOAA/S 0-5 points."""

    minute: float
    bp_systolic: float | None = None
    bp_diastolic: float | None = None
    heart_rate: float | None = None
    spo2: float | None = None
    respiratory_rate: float | None = None
    moaas: int | None = None
    symptoms: tuple[str, ...] = ()

    def value(self, measure: str) -> float | None:
        """The observed value of `measure` (MEASURES or "map"), or None when not recorded."""
        if measure == "map":
            if self.bp_systolic is None or self.bp_diastolic is None:
                return None
            return (self.bp_systolic + 2 * self.bp_diastolic) / 3
        if measure not in MEASURES:
            raise KeyError(measure)
        return getattr(self, measure)

    def sort_key(self) -> tuple[object, ...]:
        """A total order: by minute, then by values, so input order never changes a result."""
        values = (-1.0 if v is None else float(v) for v in map(self.value, MEASURES))
        return (float(self.minute), *values, tuple(sorted(self.symptoms)))


def check_reading(reading: Reading, index: int) -> Reading:
    """Return `reading` unchanged if every value is plausible; raise ReadingError otherwise.

    Checks: `minute` is a finite number; each present measure is a finite number inside
    PLAUSIBLE_RANGES (MOAA/S an integer); diastolic is below systolic when both are present;
    symptoms are words of SYMPTOMS and come with a blood pressure (the checklist is asked
    because of a raised pressure, and only a pressure can grade it). These are plausibility
    limits, not alert thresholds.
    """
    if not _is_number(reading.minute) or not math.isfinite(reading.minute):
        raise ReadingError(index, "minute", f"must be a finite number, got {reading.minute!r}")
    for measure in MEASURES:
        value = reading.value(measure)
        if value is not None:
            _check_value(index, measure, value)
    systolic, diastolic = reading.bp_systolic, reading.bp_diastolic
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        raise ReadingError(
            index,
            "bp_diastolic",
            f"{_fmt(diastolic)} mmHg is not below systolic {_fmt(systolic)} mmHg",
        )
    check_symptoms(reading.symptoms, index)
    if reading.symptoms and systolic is None and diastolic is None:
        raise ReadingError(index, "symptoms", "record the blood pressure with the symptoms")
    return reading


def check_symptoms(symptoms: object, index: int) -> tuple[str, ...]:
    """`symptoms` as a tuple of known words; ReadingError naming the unknown ones."""
    if isinstance(symptoms, str) or not isinstance(symptoms, list | tuple):
        raise ReadingError(index, "symptoms", "expected a list of symptom words")
    unknown = [str(word) for word in symptoms if word not in SYMPTOMS]
    if unknown:
        raise ReadingError(
            index,
            "symptoms",
            f"unknown symptom {', '.join(map(repr, unknown))} (allowed: {', '.join(SYMPTOMS)})",
        )
    return tuple(dict.fromkeys(symptoms))


def readings_from_json(data: Any) -> tuple[Reading, ...]:
    """Parse and validate a JSON list of reading objects (as from `json.load`).

    Each object needs `minute` and may carry any of MEASURES and a `symptoms` list (words of
    SYMPTOMS); `null` means not recorded.
    Unknown keys, non-numeric values and implausible values raise ReadingError naming the
    0-based reading index and the field.
    """
    if not isinstance(data, list):
        raise ReadingError(-1, "readings", "expected a JSON list of reading objects")
    return tuple(_reading_from_mapping(item, index) for index, item in enumerate(data))


def readings_from_dicts(items: Sequence[Mapping[str, Any]]) -> tuple[Reading, ...]:
    """Same as readings_from_json for an already-built sequence of mappings."""
    return readings_from_json(list(items))


def _reading_from_mapping(item: Any, index: int) -> Reading:
    if not isinstance(item, Mapping):
        raise ReadingError(index, "reading", "expected an object with 'minute' and measures")
    for key in item:
        if key not in READING_FIELDS:
            allowed = ", ".join(("minute", *MEASURES, "symptoms"))
            raise ReadingError(index, str(key), f"unknown field (allowed: {allowed})")
    if item.get("minute") is None:
        raise ReadingError(index, "minute", "is required (minutes from the start of dosing)")
    values: dict[str, Any] = {}
    for key, raw in item.items():
        if raw is None:
            continue
        if key == "symptoms":
            values[key] = check_symptoms(raw, index)
            continue
        if not _is_number(raw):
            raise ReadingError(index, key, f"must be a number, got {raw!r}")
        values[key] = raw
    if "moaas" in values:
        values["moaas"] = _moaas_integer(index, values["moaas"])
    return check_reading(Reading(**values), index)


def _check_value(index: int, measure: str, value: Any) -> None:
    if not _is_number(value) or not math.isfinite(value):
        raise ReadingError(index, measure, f"must be a finite number, got {value!r}")
    if measure == "moaas" and value != int(value):
        raise ReadingError(index, measure, f"MOAA/S is a whole number 0-5, got {value!r}")
    low, high = PLAUSIBLE_RANGES[measure]
    if not low <= value <= high:
        raise ReadingError(
            index,
            measure,
            f"{_fmt(value)} {UNITS[measure]} is outside the plausible range "
            f"{_fmt(low)}-{_fmt(high)} (input validation limit, not an alert threshold)",
        )


def _moaas_integer(index: int, value: float) -> int:
    if not math.isfinite(value) or value != int(value):
        raise ReadingError(index, "moaas", f"MOAA/S is a whole number 0-5, got {value!r}")
    return int(value)


def _is_number(value: Any) -> bool:
    # JSON true/false arrive as bool, which is an int subclass: refuse it explicitly.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
