"""The treatment floor: the clinic's active chairs with their last readings and trends, open
alerts, discharge countdown, the BP due and the reading that waits for its recheck.

Its cost follows the chairs, not the readings stored: the latest readings per session come
from one indexed query (`latest_readings`), the open-alert counts are aggregated in SQL, and
the waiting recheck is read from each session's newest alert checkpoint (`AlertCheckpoint`)
instead of re-evaluating every reading. Re-exported by `queries`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.utils import timezone

from ketamine_care.core.templatetags.clinic_time import clinic_clock
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.alert_state import basis_for, decode_states
from ketamine_care.treatment_sessions.cadence import BpDue, next_bp_due
from ketamine_care.treatment_sessions.latest_readings import latest_readings
from ketamine_care.treatment_sessions.models import (
    AlertCheckpoint,
    TreatmentSession,
    VitalSignsReading,
)
from ketamine_care.treatment_sessions.monitoring import (
    READING_VALUES,
    alert_anchor,
    monitoring_for,
    pure_readings,
)
from ketamine_care.treatment_sessions.recheck import (
    Recheck,
    pending_recheck,
    recheck_from_states,
)

TREND_MEASURES = ("bp_systolic_mmhg", "heart_rate_bpm", "spo2_percent")


def trend(previous: int | None, latest: int | None) -> str:
    """ "up", "down" or "flat" between the last two values (display only, not a judgement)."""
    if previous is None or latest is None or previous == latest:
        return "flat"
    return "up" if latest > previous else "down"


# A reading can be overdue only while the patient is dosed and watched.
CADENCE_STATES = (states.DOSING, states.MONITORING)


def _watched(session) -> bool:
    return session.dose_started_at is not None and session.state in CADENCE_STATES


def bp_due(session, bp_times: list[datetime], now: datetime | None = None) -> BpDue | None:
    """When the session's next BP is due by the protocol's cadence (None: nothing due)."""
    if not _watched(session):
        return None
    now = now or timezone.now()
    minutes = [session.minute_of(t) for t in bp_times]
    return next_bp_due(monitoring_for(session).cadence, minutes, session.minute_of(now))


def no_recording_interval(session) -> bool:
    """True while a dosed patient is watched under a protocol version with no recording
    interval, its own or the clinic's (a copy activated before the library asked the clinic
    for one): no reading can be overdue, and the screens say so instead of "Nothing due"."""
    return _watched(session) and monitoring_for(session).cadence.empty


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
    no_interval: bool = False  # the protocol version sets no recording interval

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
    sees measures). Two queries whatever the number of chairs and readings (a third, for the
    readings of a session whose alert checkpoint predates its dose, until its next batch)."""
    now = now or timezone.now()
    sessions = list(_floor_sessions(clinic, patient_alerts))
    latest = latest_readings([s.pk for s in sessions], 2)
    rechecks = _rechecks(sessions, latest)
    chairs = [
        _chair(s, latest.get(s.pk, ([], None)), now, rechecks.get(s.pk, (None, None)))
        for s in sessions
    ]
    return sorted(chairs, key=lambda c: TRIAGE.index(c.worst))


def _floor_sessions(clinic, patient_alerts: bool):
    open_alert = Q(alerts__acknowledged_at__isnull=True)
    high_risk = SafetyAlert.objects.open().filter(
        patient=OuterRef("patient"), severity__in=PATIENT_ALERT_SEVERITIES
    )
    newest = AlertCheckpoint.objects.filter(session=OuterRef("pk")).order_by("-through_at")
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
            rule_states=Subquery(newest.values("states")[:1]),
            rule_basis=Subquery(newest.values("basis")[:1]),
        )
        .order_by("chair_label", "scheduled_for")
    )


def _rechecks(sessions, latest) -> dict[int, tuple[Recheck | None, datetime | None]]:
    """Each session's waiting recheck and its time, from its newest checkpoint; a session
    with readings but no checkpoint valid now (the dose recorded since its last batch, or
    readings older than checkpoints) has every reading evaluated, as before."""
    found: dict[int, tuple[Recheck | None, datetime | None]] = {}
    stale = []
    for session in sessions:
        if session.pk not in latest:
            continue
        rules = monitoring_for(session).rules
        if session.rule_basis != basis_for(session, rules):
            stale.append(session)
            continue
        states_now, starts = decode_states(session.rule_states, alert_anchor(session))
        recheck = recheck_from_states(states_now, rules)
        at = None
        if recheck is not None:
            due = recheck.due_minute - recheck.reading.minute
            at = starts[recheck.reading.minute] + timedelta(minutes=due)
        found[session.pk] = (recheck, at)
    if stale:
        rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
        every = VitalSignsReading.objects.filter(session__in=[s.pk for s in stale])
        for row in every.order_by("measured_at", "id").values("session_id", *READING_VALUES):
            rows[row["session_id"]].append(row)
        for session in stale:
            found[session.pk] = _recheck(session, rows[session.pk], monitoring_for(session))
    return found


def _chair(session, latest, now, recheck) -> Chair:
    rows, last_bp = latest
    latest_row = rows[0] if rows else None
    previous = rows[1] if len(rows) > 1 else None
    trends = {
        f: trend(previous and previous[f], latest_row and latest_row[f]) for f in TREND_MEASURES
    }
    minutes_left = None
    monitoring = monitoring_for(session)
    if session.dose_started_at is not None:
        earliest = monitoring.discharge.earliest_minute
        if earliest is not None:
            minutes_left = max(0.0, round(earliest - session.minute_of(now), 0))
    return Chair(
        session=session,
        minutes_since_dose=session.minute_of(now),
        last=latest_row,
        trends=trends,
        open_alerts=session.open_alerts,
        urgent_open=session.urgent_open,
        minutes_to_discharge=minutes_left,
        bp_due=bp_due(session, [last_bp] if last_bp else [], now),
        warning_open=session.warning_open,
        patient_alert=bool(session.patient_alert),
        recheck=recheck[0],
        recheck_at=recheck[1],
        escort=_escort(session),
        no_interval=no_recording_interval(session),
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
