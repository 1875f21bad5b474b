"""The signed session note's summary: peaks of the vitals and the note's sections (pure).

Input rows are plain dicts with the model's field names (units in the names)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# (label, field, "max" or "min"): the direction that matters clinically for each measure.
PEAKS = (
    ("Highest systolic BP (mmHg)", "bp_systolic_mmhg", "max"),
    ("Highest diastolic BP (mmHg)", "bp_diastolic_mmhg", "max"),
    ("Highest heart rate (/min)", "heart_rate_bpm", "max"),
    ("Lowest SpO2 (%)", "spo2_percent", "min"),
    ("Lowest respiratory rate (/min)", "respiratory_rate_per_min", "min"),
    ("Lowest MOAA/S", "moaas", "min"),
)


def vitals_peaks(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """For each measure, the extreme value and the time it was measured (None if absent)."""
    rows = list(rows)
    peaks = []
    for label, name, direction in PEAKS:
        present = [r for r in rows if r.get(name) is not None]
        if not present:
            peaks.append({"label": label, "field": name, "value": None, "at": None})
            continue
        pick = max if direction == "max" else min
        best = pick(present, key=lambda r, n=name: r[n])
        peaks.append(
            {"label": label, "field": name, "value": best[name], "at": str(best["measured_at"])}
        )
    return peaks


def build_summary(
    *,
    dose: Mapping[str, Any] | None,
    readings: list[Mapping[str, Any]],
    ratings: list[Mapping[str, Any]],
    alerts: list[Mapping[str, Any]],
    adverse_events: list[str],
    discharge: Mapping[str, Any],
    note_text: str,
) -> dict[str, Any]:
    """The note as stored at signing: every section, in reading order."""
    return {
        "dose": dose,
        "vitals": {"count": len(readings), "peaks": vitals_peaks(readings)},
        "ratings": list(ratings),
        "alerts": list(alerts),
        "adverse_events": list(adverse_events),
        "discharge": dict(discharge),
        "note": note_text,
    }
