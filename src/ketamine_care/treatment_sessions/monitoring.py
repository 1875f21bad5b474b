"""The pinned protocol version's monitoring rules for a session, and its readings in the pure
evaluators' shape. Active protocol versions are immutable, so parsed rules are cached by
(version pk, updated_at, route, patient's age for age-banded protocols)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.utils import timezone

from ketamine_care.core import ages
from ketamine_care.core.clock import clinic_date_of
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
def _monitoring(
    pk: int, stamp: datetime, route: str, age_years: float | None, interval: float | None
) -> SessionMonitoring:
    # Alerts follow the thresholds pinned when the version became active, so a package
    # upgrade never changes how an active version alerts.
    version = ProtocolVersion.objects.get(pk=pk)
    pinned = version.pinned_thresholds() if version.pinned_rules else None
    return monitoring_from_protocol(
        _definition(pk, stamp),
        route,
        pinned_thresholds=pinned,
        age_years=age_years,
        clinic_interval_min=interval,
    )


def definition_for(version: ProtocolVersion) -> ProtocolDefinition:
    return _definition(version.pk, version.updated_at)


def monitoring_for(session) -> SessionMonitoring:
    """The session's rules; an age-banded protocol takes the patient's age on the session day
    from the record's date of birth."""
    version = session.protocol_version
    age = None
    if definition_for(version).age_banded:
        day = clinic_date_of(session.clinic, session.dose_started_at or session.scheduled_for)
        # Completed months / 12, as dosing and screening count it: a child the dose allows
        # (3 months: 0.25) is in the band of that age on the same day.
        age = ages.age_years(session.patient.date_of_birth, day)
    interval = _clinic_interval(version.pk, version.updated_at)
    return _monitoring(version.pk, version.updated_at, session.route, age, interval)


@lru_cache(maxsize=256)
def _clinic_interval(pk: int, stamp: datetime) -> float | None:
    # Read apart (and cached): the floor defers clinic_values to keep its query small.
    values = ProtocolVersion.objects.values_list("clinic_values", flat=True).get(pk=pk)
    return (values or {}).get("monitoring.vitals_cadence.interval")


def alert_anchor(session) -> datetime:
    """Minute 0 for alert evaluation: the dose start, or before dosing the session's creation
    (every reading is pre-dose then; a fixed anchor keeps minutes, and so how readings are
    rounded into minutes, the same from one evaluation to the next)."""
    return session.dose_started_at or session.created_at


def pure_readings(
    session, rows, *, anchor: datetime | None = None
) -> tuple[list[Reading], dict[float, datetime]]:
    """`rows` (dicts with measured_at and the model fields) as pure Readings, plus the map
    from each reading's minute back to its time (how alert keys find their reading).

    Before dosing starts, minutes count back from now (or from `anchor`): every reading is
    pre-dose.
    """
    anchor = anchor or session.dose_started_at or timezone.now()
    readings: list[Reading] = []
    times: dict[float, datetime] = {}
    for row in rows:
        minute = minute_from(anchor, row["measured_at"])
        values = {m: row[f] for m, f in FIELDS.items() if row.get(f) is not None}
        symptoms = tuple(row.get("symptoms") or ())
        readings.append(Reading(minute=minute, symptoms=symptoms, **values))
        times[minute] = row["measured_at"]
    return readings, times


def minute_from(anchor: datetime, when: datetime) -> float:
    """Minutes from `anchor` to `when`, rounded to 0.01 (readings less than 0.6 s apart may
    share a minute; 1 s apart never do)."""
    return round((when - anchor).total_seconds() / 60, 2)


READING_VALUES = ("measured_at", *FIELDS.values(), "symptoms")
