"""Reads of treatment sessions, always scoped to one clinic."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from ketamine_care.audit.services import record_read
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.cadence import BpDue, next_bp_due
from ketamine_care.treatment_sessions.models import (
    RemsMonitoringForm,
    TreatmentSession,
)
from ketamine_care.treatment_sessions.monitoring import FIELDS, READING_VALUES, monitoring_for

TREND_MEASURES = ("bp_systolic_mmhg", "heart_rate_bpm", "spo2_percent")


def sessions_for(clinic, *, state: str = "", day: date | None = None) -> QuerySet:
    qs = TreatmentSession.objects.filter(clinic=clinic).select_related(
        "patient", "protocol_version"
    )
    if state:
        qs = qs.filter(state=state)
    if day:
        qs = qs.filter(scheduled_for__date=day)
    return qs.order_by("scheduled_for", "id")


def readings_with_minutes(session) -> list[dict[str, Any]]:
    from ketamine_care.treatment_sessions.readings import SYMPTOMS

    rows = list(session.readings.values("public_id", "source", *READING_VALUES))
    for row in rows:
        row["minute"] = session.minute_of(row["measured_at"])
        row["symptom_text"] = ", ".join(SYMPTOMS.get(s, s) for s in row["symptoms"] or ())
    return rows


def trend(previous: int | None, latest: int | None) -> str:
    """ "up", "down" or "flat" between the last two values (display only, not a judgement)."""
    if previous is None or latest is None or previous == latest:
        return "flat"
    return "up" if latest > previous else "down"


# A reading can be overdue only while the patient is dosed and watched.
CADENCE_STATES = (states.DOSING, states.MONITORING)


def bp_due(session, bp_times: list[datetime], now: datetime | None = None) -> BpDue | None:
    """When the session's next BP is due by the protocol's cadence (None: nothing due)."""
    if session.dose_started_at is None or session.state not in CADENCE_STATES:
        return None
    now = now or timezone.now()
    minutes = [session.minute_of(t) for t in bp_times]
    return next_bp_due(monitoring_for(session).cadence, minutes, session.minute_of(now))


@dataclass(frozen=True)
class Chair:
    session: TreatmentSession
    minutes_since_dose: float | None
    last: dict[str, Any] | None
    trends: dict[str, str]
    open_alerts: int
    urgent_open: int
    minutes_to_discharge: float | None
    bp_due: BpDue | None = None


def floor(clinic, now: datetime | None = None) -> list[Chair]:
    """The clinic's active sessions (chairs): five queries whatever the number of chairs."""
    now = now or timezone.now()
    sessions = list(
        TreatmentSession.objects.active()
        .filter(clinic=clinic)
        .select_related("patient", "protocol_version")
        # The definition JSON is read once per version through the monitoring cache.
        .defer("protocol_version__definition", "protocol_version__clinic_values")
        .annotate(
            open_alerts=Count("alerts", filter=Q(alerts__acknowledged_at__isnull=True)),
            urgent_open=Count(
                "alerts", filter=Q(alerts__acknowledged_at__isnull=True, alerts__tier="urgent")
            ),
        )
        .order_by("chair_label", "scheduled_for")
    )
    last_two: dict[int, list[dict]] = defaultdict(list)
    if sessions:
        # The two latest readings of each chair, newest first.
        from ketamine_care.treatment_sessions.models import VitalSignsReading

        rows = (
            VitalSignsReading.objects.filter(session__in=[s.pk for s in sessions])
            .order_by("session_id", "-measured_at", "-id")
            .values("session_id", *READING_VALUES)
        )
        for row in rows.iterator():
            if len(last_two[row["session_id"]]) < 2:
                last_two[row["session_id"]].append(row)
    last_bp = _last_bp_times([s.pk for s in sessions])
    return [_chair(s, last_two[s.pk], now, last_bp.get(s.pk)) for s in sessions]


def _last_bp_times(session_ids: list[int]) -> dict[int, datetime]:
    """Each session's latest BP time: one grouped query. The latest is all the cadence
    needs (a fixed-minute BP is done by any BP at or after that minute)."""
    if not session_ids:
        return {}
    from ketamine_care.treatment_sessions.models import VitalSignsReading

    rows = (
        VitalSignsReading.objects.filter(session__in=session_ids, bp_systolic_mmhg__isnull=False)
        .values("session_id")
        .annotate(last=Max("measured_at"))
    )
    return {row["session_id"]: row["last"] for row in rows}


def _chair(session, last_rows, now, last_bp=None) -> Chair:
    latest = last_rows[0] if last_rows else None
    previous = last_rows[1] if len(last_rows) > 1 else None
    trends = {f: trend(previous and previous[f], latest and latest[f]) for f in TREND_MEASURES}
    minutes_left = None
    if session.dose_started_at is not None:
        earliest = monitoring_for(session).discharge.earliest_minute
        if earliest is not None:
            minutes_left = max(0.0, round(earliest - session.minute_of(now), 0))
    return Chair(
        session=session,
        minutes_since_dose=session.minute_of(now),
        last=latest,
        trends=trends,
        open_alerts=session.open_alerts,
        urgent_open=session.urgent_open,
        minutes_to_discharge=minutes_left,
        bp_due=bp_due(session, [last_bp] if last_bp else [], now),
    )


def rems_forms(clinic, start: date, end: date) -> QuerySet:
    return (
        RemsMonitoringForm.objects.filter(
            session__clinic=clinic,
            session__scheduled_for__date__gte=start,
            session__scheduled_for__date__lte=end,
        )
        .select_related("session__patient", "submitted_by")
        .order_by("session__scheduled_for")
    )


def rems_due(clinic, today: date | None = None) -> list[dict[str, Any]]:
    """Esketamine sessions discharged or signed whose REMS form is not submitted: due or
    overdue against the 7-day deadline."""
    from ketamine_care.treatment_sessions.services.rems import due_date

    today = today or timezone.localdate()
    sessions = (
        TreatmentSession.objects.filter(
            clinic=clinic,
            drug="esketamine",
            state__in=[states.DISCHARGED, states.SIGNED, states.READY_FOR_DISCHARGE],
        )
        .exclude(rems_form__submitted_at__isnull=False)
        .select_related("patient")
        .order_by("scheduled_for")
    )
    rows = []
    for session in sessions:
        due = due_date(session)
        rows.append({"session": session, "due_date": due, "overdue": due < today})
    return rows


MEASURE_FIELDS = tuple(FIELDS.values())


def record_session_view(*, session, actor, request=None, part: str = "detail") -> None:
    """Audit a read of one session (its vitals, alerts, dose, signed note): HIPAA access
    accounting, like `record_chart_view` for the chart."""
    record_read(
        event_type="session.viewed",
        actor=actor,
        patient=session.patient,
        obj=session,
        part=part,
        request=request,
    )


def record_sessions_listed(*, clinic, sessions, actor, request=None, part: str) -> None:
    """Audit a list of sessions shown (the floor, check-in, REMS due): which patients."""
    record_read(
        event_type="sessions.listed",
        actor=actor,
        clinic=clinic,
        part=part,
        patients=[session.patient for session in sessions],
        request=request,
    )


def dose_times(patient) -> list:
    """When each of the patient's dosing sessions started dosing, oldest first (sessions
    cancelled or aborted before dosing have no dose start and are left out)."""
    times = TreatmentSession.objects.filter(patient=patient, dose_started_at__isnull=False)
    return sorted(times.values_list("dose_started_at", flat=True))


def to_sign(clinic) -> QuerySet:
    """The prescribers' worklist: this clinic's discharged sessions whose note is unsigned,
    the longest waiting first."""
    return (
        TreatmentSession.objects.filter(clinic=clinic, state=states.DISCHARGED)
        .select_related("patient", "protocol_version")
        .order_by("discharged_at", "id")
    )


def to_sign_count(clinic) -> int:
    """Served by the (clinic, state) index: cheap enough for every page's navigation badge."""
    return TreatmentSession.objects.filter(clinic=clinic, state=states.DISCHARGED).count()
