"""Discharge readiness for a session: the pure `evaluate_discharge` fed with the session's
readings, acknowledged alerts, escort, CADSS and recovery score (from instruments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ketamine_care.instruments.models import Administration
from ketamine_care.treatment_sessions.discharge import (
    UNMET_DESCRIPTIONS,
    DischargeResult,
    evaluate_discharge,
)
from ketamine_care.treatment_sessions.monitoring import (
    READING_VALUES,
    monitoring_for,
    pure_readings,
)


@dataclass(frozen=True)
class DischargeStatus:
    result: DischargeResult
    unmet_text: tuple[str, ...]
    earliest_at: datetime | None
    minutes_left: float | None
    cadss_total: int | None
    recovery_score: int | None


def latest_score(session, instrument: str) -> int | None:
    """Total of the latest active `instrument` administration taken since dosing started."""
    if session.dose_started_at is None:
        return None
    row = (
        Administration.objects.active()
        .filter(
            patient=session.patient,
            instrument_code=instrument,
            administered_at__gte=session.dose_started_at,
        )
        .order_by("-administered_at", "-id")
        .first()
    )
    return row.total if row else None


def discharge_status(
    session, now: datetime | None = None, rows=None, alerts=None
) -> DischargeStatus:
    """What is unmet now, and when the protocol's minimum observation is reached."""
    now = now or timezone.now()
    monitoring = monitoring_for(session)
    if rows is None:
        rows = list(session.readings.values(*READING_VALUES))
    if alerts is None:
        alerts = list(session.alerts.all())
    pure, _ = pure_readings(session, rows)
    criteria = monitoring.discharge
    cadss = latest_score(session, "cadss")
    recovery = (
        latest_score(session, criteria.recovery_score.instrument)
        if criteria.recovery_score
        else None
    )
    at_minute = session.minute_of(now)
    from ketamine_care.treatment_sessions.alerts import Alert

    # Stored alerts, so acknowledgement is judged on what the nurse actually saw, each by its
    # own acknowledgement: every alert raised before the dose stands at minute 0, so a (rule,
    # minute) key would let one acknowledged hold cover a later hold of the same rule.
    not_acknowledged = [
        Alert(minute=a.minute or 0, tier=a.tier, rule=a.rule, message="", action="", source="")
        for a in alerts
        if a.acknowledged_at is None
    ]
    result = evaluate_discharge(
        pure,
        monitoring.rules,
        criteria,
        alerts=not_acknowledged,
        at_minute=at_minute,
        escort_present=session.escort_present,
        cadss_total=cadss,
        recovery_score=recovery,
    )
    earliest_at = None
    minutes_left = None
    if result.earliest_minute is not None and session.dose_started_at is not None:
        earliest_at = session.dose_started_at + timedelta(minutes=result.earliest_minute)
        minutes_left = max(0.0, round((earliest_at - now).total_seconds() / 60, 1))
    return DischargeStatus(
        result=result,
        unmet_text=tuple(UNMET_DESCRIPTIONS.get(code, code) for code in result.unmet),
        earliest_at=earliest_at,
        minutes_left=minutes_left,
        cadss_total=cadss,
        recovery_score=recovery,
    )
