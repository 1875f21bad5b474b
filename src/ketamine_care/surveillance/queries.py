"""What surveillance reads from the database: a patient's doses, the checks last done, the
protocol's schedule, and what is due today (the pure `schedule.surveillance_due` on them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Q, Sum

from ketamine_care.core.clock import clinic_date_of
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.protocols.definition_surveillance import Surveillance
from ketamine_care.surveillance.exposure import (
    Dose,
    DoseTrend,
    Exposure,
    cumulative_exposure,
    dose_trend,
)
from ketamine_care.surveillance.models import AlertStatus, SurveillanceAlert, SurveillanceCheck
from ketamine_care.surveillance.schedule import (
    DueItem,
    due_items,
    schedule_in_use,
    thresholds_for,
)
from ketamine_care.treatment_sessions.models import TreatmentSession


def patient_doses(patient, clinic) -> list[Dose]:
    """One Dose per session that reached dosing: its day in the clinic's calendar and the mg
    given (None when no dose row was recorded: counted as a session, not in mg)."""
    sessions = (
        TreatmentSession.objects.filter(patient=patient, clinic=clinic)
        .filter(Q(dose_started_at__isnull=False) | Q(doses__isnull=False))
        .annotate(mg=Sum("doses__dose_mg"), rows=Count("doses"))
        .order_by("scheduled_for", "id")
    )
    return [
        Dose(
            day=clinic_date_of(clinic, s.dose_started_at or s.scheduled_for),
            mg=float(s.mg) if s.rows else None,
        )
        for s in sessions
    ]


def last_done(patient) -> dict[str, date]:
    rows = (
        SurveillanceCheck.objects.filter(patient=patient)
        .values("kind")
        .annotate(last=Max("done_on"))
    )
    return {row["kind"]: row["last"] for row in rows}


@dataclass(frozen=True)
class Protocol:
    protocol_id: str
    title: str
    schedule: Surveillance | None  # None: a single episode of care, no surveillance
    # True: the version carries no schedule, so the default one applies (fail safe).
    default_schedule: bool = False


def patient_protocol(patient) -> Protocol | None:
    """The surveillance block of the clinic's copy of the protocol the patient is on: the
    newest active plan's, else the newest dosing session's (None: no course yet). A
    repeated-dosing copy without a block gets the default schedule (`schedule_in_use`)."""
    plan = (
        TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.ACTIVE)
        .select_related("protocol_version")
        .order_by("-start_date", "-id")
        .first()
    )
    version = plan.protocol_version if plan else None
    if version is None:
        session = (
            TreatmentSession.objects.filter(patient=patient)
            .select_related("protocol_version")
            .order_by("-scheduled_for", "-id")
            .first()
        )
        version = session.protocol_version if session else None
    if version is None:
        return None
    definition = version.parsed()
    used = schedule_in_use(definition)
    return Protocol(definition.id, definition.title, used.block, used.default)


@dataclass(frozen=True)
class PatientSurveillance:
    protocol: Protocol | None
    exposure: Exposure
    thresholds: dict[str, float]
    due: list[DueItem] = field(default_factory=list)
    last_done: dict[str, date] = field(default_factory=dict)
    trend: DoseTrend | None = None


def patient_surveillance(patient, clinic, today: date) -> PatientSurveillance:
    doses = patient_doses(patient, clinic)
    exposure = cumulative_exposure(doses, today=today)
    trend = dose_trend(doses, today=today)
    # The schedule starts at the first dose: before it, nothing is due and no protocol is read.
    protocol = patient_protocol(patient) if doses else None
    done = last_done(patient)
    if protocol is None or protocol.schedule is None:
        return PatientSurveillance(protocol, exposure, {}, [], done, trend)
    due = due_items(
        protocol.schedule,
        doses=doses,
        last_done=done,
        today=today,
        default=protocol.default_schedule,
    )
    thresholds = thresholds_for(protocol.schedule)
    return PatientSurveillance(protocol, exposure, thresholds, due, done, trend)


def recent_checks(patient, limit: int = 10) -> list[SurveillanceCheck]:
    return list(
        SurveillanceCheck.objects.filter(patient=patient)
        .select_related("administration", "recorded_by")
        .prefetch_related("lab_results")
        .order_by("-done_on", "-id")[:limit]
    )


def open_alerts(patient) -> list[SurveillanceAlert]:
    return list(
        SurveillanceAlert.objects.filter(patient=patient, status=AlertStatus.OPEN).order_by(
            "-created_at", "-id"
        )
    )
