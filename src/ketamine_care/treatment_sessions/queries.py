"""Reads of treatment sessions, always scoped to one clinic."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from ketamine_care.audit.services import record_read
from ketamine_care.core.clock import clinic_day_bounds, clinic_today
from ketamine_care.core.templatetags.clinic_time import clinic_clock
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.cadence import BpDue, next_bp_due
from ketamine_care.treatment_sessions.models import (
    RemsMonitoringForm,
    TreatmentSession,
)
from ketamine_care.treatment_sessions.monitoring import (
    FIELDS,
    READING_VALUES,
    monitoring_for,
    pure_readings,
)
from ketamine_care.treatment_sessions.recheck import Recheck, pending_recheck

TREND_MEASURES = ("bp_systolic_mmhg", "heart_rate_bpm", "spo2_percent")


def sessions_for(clinic, *, state: str = "", day: date | None = None) -> QuerySet:
    qs = TreatmentSession.objects.filter(clinic=clinic).select_related(
        "patient", "protocol_version", "planned_visit"
    )
    if state:
        qs = qs.filter(state=state)
    if day:
        start, end = clinic_day_bounds(clinic, day)
        qs = qs.filter(scheduled_for__gte=start, scheduled_for__lt=end)
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


# The floor's triage order: a chair's worst open item, most urgent first.
URGENT, WARNING, PATIENT_ALERT, CLEAR = "urgent", "warning", "patient_alert", "clear"
TRIAGE = (URGENT, WARNING, PATIENT_ALERT, CLEAR)
TRIAGE_WORDS = {
    URGENT: "Urgent alert",
    WARNING: "Warning",
    PATIENT_ALERT: "High-risk patient alert",
    CLEAR: "No open alerts",
}
# Patient-level alerts (questionnaires) that colour a chair: the high and critical ones.
PATIENT_ALERT_SEVERITIES = ("critical", "high")


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
    warning_open: int = 0
    patient_alert: bool = False
    recheck: Recheck | None = None
    recheck_at: datetime | None = None
    escort: bool | None = None  # escort present (or confirmed before dosing); None: not asked

    @property
    def worst(self) -> str:
        if self.urgent_open:
            return URGENT
        if self.warning_open:
            return WARNING
        return PATIENT_ALERT if self.patient_alert else CLEAR

    @property
    def worst_words(self) -> str:
        return TRIAGE_WORDS[self.worst]

    @property
    def escort_words(self) -> str:
        if self.escort is None:
            return "Escort not recorded"
        if not self.escort:
            return "No escort"
        return "Escort present" if self.session.escort_present else "Escort confirmed"

    @property
    def ready_to_go(self) -> bool:
        return self.session.state == states.READY_FOR_DISCHARGE

    @property
    def bp_due_at(self) -> datetime | None:
        """The clock time the next BP is (or was) due."""
        if self.bp_due is None or self.session.dose_started_at is None:
            return None
        return self.session.dose_started_at + timedelta(minutes=self.bp_due.due_minute)

    @property
    def last_reading_at(self) -> datetime | None:
        return self.last["measured_at"] if self.last else None

    @property
    def recheck_text(self) -> str:
        """ "BP 184/112 mmHg at 10:05: recheck by 10:10"."""
        if self.recheck is None or self.recheck_at is None:
            return ""
        reading = self.recheck.reading
        return f"{_reading_words(reading)}: recheck by {clinic_clock(self.recheck_at)}"


def _reading_words(reading) -> str:
    parts = []
    if reading.bp_systolic is not None:
        diastolic = "–" if reading.bp_diastolic is None else f"{reading.bp_diastolic:g}"
        parts.append(f"BP {reading.bp_systolic:g}/{diastolic} mmHg")
    for words, value, unit in (
        ("HR", reading.heart_rate, "/min"),
        ("SpO2", reading.spo2, "%"),
        ("RR", reading.respiratory_rate, "/min"),
        ("MOAA/S", reading.moaas, ""),
    ):
        if value is not None:
            parts.append(f"{words} {value:g}{unit}")
    return ", ".join(parts)


def floor(clinic, now: datetime | None = None, *, patient_alerts: bool = True) -> list[Chair]:
    """The clinic's active sessions (chairs), the worst open item first: urgent, then
    warning, then a patient with a high-risk questionnaire alert (`patient_alerts`: the role
    sees measures). Three queries whatever the number of chairs."""
    now = now or timezone.now()
    sessions = list(_floor_sessions(clinic, patient_alerts))
    readings: dict[int, list[dict]] = defaultdict(list)
    if sessions:
        # Every reading of the active sessions, newest first: the last two give the trends,
        # all of them the reading that waits for its recheck.
        from ketamine_care.treatment_sessions.models import VitalSignsReading

        rows = (
            VitalSignsReading.objects.filter(session__in=[s.pk for s in sessions])
            .order_by("session_id", "-measured_at", "-id")
            .values("session_id", *READING_VALUES)
        )
        for row in rows.iterator():
            readings[row["session_id"]].append(row)
    last_bp = _last_bp_times([s.pk for s in sessions])
    chairs = [_chair(s, readings[s.pk], now, last_bp.get(s.pk)) for s in sessions]
    return sorted(chairs, key=lambda c: TRIAGE.index(c.worst))


def _floor_sessions(clinic, patient_alerts: bool):
    open_alert = Q(alerts__acknowledged_at__isnull=True)
    high_risk = SafetyAlert.objects.open().filter(
        patient=OuterRef("patient"), severity__in=PATIENT_ALERT_SEVERITIES
    )
    return (
        TreatmentSession.objects.active()
        .filter(clinic=clinic)
        .select_related("clinic", "patient", "protocol_version", "pre_checks")
        # The definition JSON is read once per version through the monitoring cache.
        .defer("protocol_version__definition", "protocol_version__clinic_values")
        .annotate(
            open_alerts=Count("alerts", filter=open_alert),
            urgent_open=Count("alerts", filter=open_alert & Q(alerts__tier="urgent")),
            warning_open=Count("alerts", filter=open_alert & Q(alerts__tier="warning")),
            patient_alert=Exists(high_risk) if patient_alerts else Value(False),
        )
        .order_by("chair_label", "scheduled_for")
    )


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


def _chair(session, rows, now, last_bp=None) -> Chair:
    latest = rows[0] if rows else None
    previous = rows[1] if len(rows) > 1 else None
    trends = {f: trend(previous and previous[f], latest and latest[f]) for f in TREND_MEASURES}
    minutes_left = None
    monitoring = monitoring_for(session)
    if session.dose_started_at is not None:
        earliest = monitoring.discharge.earliest_minute
        if earliest is not None:
            minutes_left = max(0.0, round(earliest - session.minute_of(now), 0))
    recheck, recheck_at = _recheck(session, rows, monitoring)
    return Chair(
        session=session,
        minutes_since_dose=session.minute_of(now),
        last=latest,
        trends=trends,
        open_alerts=session.open_alerts,
        urgent_open=session.urgent_open,
        minutes_to_discharge=minutes_left,
        bp_due=bp_due(session, [last_bp] if last_bp else [], now),
        warning_open=session.warning_open,
        patient_alert=bool(session.patient_alert),
        recheck=recheck,
        recheck_at=recheck_at,
        escort=_escort(session),
    )


def _recheck(session, rows, monitoring) -> tuple[Recheck | None, datetime | None]:
    if not rows:
        return None, None
    pure, times = pure_readings(session, rows)
    found = pending_recheck(
        pure, monitoring.rules, dosing_started=session.dose_started_at is not None
    )
    if found is None:
        return None, None
    due = found.due_minute - found.reading.minute
    return found, times[found.reading.minute] + timedelta(minutes=due)


def _escort(session) -> bool | None:
    if session.escort_present is not None:
        return session.escort_present
    try:
        return session.pre_checks.escort_confirmed
    except ObjectDoesNotExist:
        return None


def rems_forms(clinic, start: date, end: date) -> QuerySet:
    return (
        RemsMonitoringForm.objects.filter(
            session__clinic=clinic,
            session__scheduled_for__gte=clinic_day_bounds(clinic, start)[0],
            session__scheduled_for__lt=clinic_day_bounds(clinic, end)[1],
        )
        .select_related("session__clinic", "session__patient", "submitted_by")
        .order_by("session__scheduled_for")
    )


def rems_due(clinic, today: date | None = None) -> list[dict[str, Any]]:
    """Esketamine sessions discharged or signed whose REMS form is not submitted: due or
    overdue against the 7-day deadline."""
    from ketamine_care.treatment_sessions.services.rems import due_date

    today = today or clinic_today(clinic)
    sessions = (
        TreatmentSession.objects.filter(
            clinic=clinic,
            drug="esketamine",
            state__in=[states.DISCHARGED, states.SIGNED, states.READY_FOR_DISCHARGE],
        )
        .exclude(rems_form__submitted_at__isnull=False)
        .select_related("clinic", "patient")
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


def active_chairs(clinic, *, exclude=None) -> list[tuple[str, str]]:
    """(chair label, session state) of the patients in the building now (checked in, not yet
    discharged), whatever day they were scheduled for."""
    rows = TreatmentSession.objects.filter(clinic=clinic, state__in=states.ACTIVE).exclude(
        chair_label=""
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return list(rows.values_list("chair_label", "state"))


def chairs_in_use(clinic, *, exclude=None) -> dict[str, str]:
    """Chair label, case-folded -> the state (in words) of the session in it."""
    return {
        label.strip().casefold(): states.LABELS[state]
        for label, state in active_chairs(clinic, exclude=exclude)
    }


def chair_warning(clinic, session) -> str:
    """A warning when `session`'s chair is already taken by another patient ("" if free)."""
    chair = (session.chair_label or "").strip()
    taken = chairs_in_use(clinic, exclude=session).get(chair.casefold()) if chair else None
    if taken is None:
        return ""
    return (
        f"{chair} is already taken by another patient ({taken.lower()}). Check the floor and "
        "choose another chair if they are still seated."
    )


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
