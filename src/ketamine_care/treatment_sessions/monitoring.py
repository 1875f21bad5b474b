"""The pinned protocol version's monitoring rules for a session, and its readings in the pure
evaluators' shape. Active protocol versions are immutable, so parsed rules are cached by
(version pk, updated_at, route)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.utils import timezone

from ketamine_care.protocols.definition import ProtocolDefinition
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.treatment_sessions.adapter import SessionMonitoring, monitoring_from_protocol
from ketamine_care.treatment_sessions.readings import Reading

# Pure evaluator measure -> model field (units in the field names).
FIELDS: dict[str, str] = {
    "bp_systolic": "bp_systolic_mmhg",
    "bp_diastolic": "bp_diastolic_mmhg",
    "heart_rate": "heart_rate_bpm",
    "spo2": "spo2_percent",
    "respiratory_rate": "respiratory_rate_per_min",
    "moaas": "moaas",
}
MEASURE_OF: dict[str, str] = {v: k for k, v in FIELDS.items()}


@lru_cache(maxsize=256)
def _definition(pk: int, stamp: datetime) -> ProtocolDefinition:
    return ProtocolVersion.objects.get(pk=pk).parsed()


@lru_cache(maxsize=256)
def _monitoring(pk: int, stamp: datetime, route: str) -> SessionMonitoring:
    # Alerts follow the thresholds pinned when the version became active, so a package
    # upgrade never changes how an active version alerts.
    version = ProtocolVersion.objects.get(pk=pk)
    pinned = version.pinned_thresholds() if version.pinned_rules else None
    return monitoring_from_protocol(_definition(pk, stamp), route, pinned_thresholds=pinned)


def definition_for(version: ProtocolVersion) -> ProtocolDefinition:
    return _definition(version.pk, version.updated_at)


def monitoring_for(session) -> SessionMonitoring:
    version = session.protocol_version
    return _monitoring(version.pk, version.updated_at, session.route)


def pure_readings(session, rows) -> tuple[list[Reading], dict[float, datetime]]:
    """`rows` (dicts with measured_at and the model fields) as pure Readings, plus the map
    from each reading's minute back to its time (how alert keys find their reading).

    Before dosing starts, minutes count back from now: every reading is pre-dose.
    """
    anchor = session.dose_started_at or timezone.now()
    readings: list[Reading] = []
    times: dict[float, datetime] = {}
    for row in rows:
        minute = round((row["measured_at"] - anchor).total_seconds() / 60, 2)
        values = {m: row[f] for m, f in FIELDS.items() if row.get(f) is not None}
        readings.append(Reading(minute=minute, **values))
        times[minute] = row["measured_at"]
    return readings, times


READING_VALUES = ("measured_at", *FIELDS.values())
