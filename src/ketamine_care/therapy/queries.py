"""Reads of the therapy app, always scoped to one clinic: the therapists' caseload (dosing
dates only: no dose, no vitals), a patient's therapy sessions, and their audited reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from ketamine_care.audit.services import record_read
from ketamine_care.core.clock import clinic_date_of, clinic_day_bounds, clinic_today, clinic_zone
from ketamine_care.dosing.models import PlannedVisit, PlanStatus
from ketamine_care.therapy.models import SessionKind, TherapySession
from ketamine_care.therapy.windows import Windows
from ketamine_care.treatment_sessions.models import TreatmentSession

# How far back a missed integration stays on the caseload after its window closed. A page
# limit, not a clinical number: older dosing sessions are on each patient's therapy page.
OVERDUE_SHOWN_DAYS = 30
ROW_LIMIT = 200
NOT_YET_DOSED = ("scheduled", "checked_in", "pre_assessment")


@dataclass(frozen=True)
class ComingRow:
    patient: object
    day: date
    what: str  # "Planned visit 3" or "Scheduled session"
    last_preparation: date | None


@dataclass(frozen=True)
class IntegrationRow:
    patient: object
    dosed_on: date
    due_by: date
    overdue: bool
    dosing_session: object


@dataclass(frozen=True)
class Caseload:
    today: date
    windows: Windows
    coming: list[ComingRow]
    integration: list[IntegrationRow]

    @property
    def patients(self) -> list:
        seen = {}
        for row in [*self.coming, *self.integration]:
            seen.setdefault(row.patient.pk, row.patient)
        return list(seen.values())


def _coming(clinic, today: date, days: int, only) -> list[tuple]:
    last = today + timedelta(days=days)
    dosed = TreatmentSession.objects.filter(
        planned_visit=OuterRef("pk"), dose_started_at__isnull=False
    )
    visits = (
        PlannedVisit.objects.filter(
            plan__patient__clinic=clinic, plan__patient__status="active",
            plan__status=PlanStatus.ACTIVE, date__gte=today, date__lte=last,
        )
        .exclude(Exists(dosed))
        .filter(**({"plan__patient_id__in": only} if only is not None else {}))
        .select_related("plan__patient")
        .order_by("date", "number")[:ROW_LIMIT]
    )  # fmt: skip
    found = [(v.plan.patient, v.date, f"Planned visit {v.number}") for v in visits]
    start, end = clinic_day_bounds(clinic, today)[0], clinic_day_bounds(clinic, last)[1]
    ad_hoc = TreatmentSession.objects.filter(
        clinic=clinic,
        planned_visit__isnull=True,
        state__in=NOT_YET_DOSED,
        scheduled_for__gte=start,
        scheduled_for__lt=end,
        patient__status="active",
    )
    if only is not None:
        ad_hoc = ad_hoc.filter(patient_id__in=only)
    ad_hoc = ad_hoc.select_related("patient")[:ROW_LIMIT]
    found += [
        (s.patient, clinic_date_of(clinic, s.scheduled_for), "Scheduled session") for s in ad_hoc
    ]
    return sorted(found, key=lambda r: (r[1], r[0].family_name, r[0].given_name))[:ROW_LIMIT]


def _last_preparations(clinic, patient_ids) -> dict[int, date]:
    rows = (
        TherapySession.objects.filter(
            clinic=clinic, patient_id__in=patient_ids, kind=SessionKind.PREPARATION
        )
        .order_by("patient_id", "-held_on")
        .values_list("patient_id", "held_on")
    )
    last: dict[int, date] = {}
    for patient_id, held_on in rows:
        last.setdefault(patient_id, held_on)
    return last


def _needs_integration(clinic, today: date, days: int, only) -> list[IntegrationRow]:
    """Dosed sessions with no integration session of the patient linked to them or held on or
    after their day (in the clinic's zone), the oldest (most overdue) first."""
    since = clinic_day_bounds(clinic, today - timedelta(days=days + OVERDUE_SHOWN_DAYS))[0]
    integrated = TherapySession.objects.filter(
        patient_id=OuterRef("patient_id"), kind=SessionKind.INTEGRATION
    ).filter(Q(dosing_session_id=OuterRef("pk")) | Q(held_on__gte=OuterRef("dose_day")))
    dosed = (
        TreatmentSession.objects.filter(
            clinic=clinic, dose_started_at__isnull=False, dose_started_at__gte=since,
            patient__status="active",
        )
        .exclude(state="cancelled")
        .annotate(dose_day=TruncDate("dose_started_at", tzinfo=clinic_zone(clinic)))
        .exclude(Exists(integrated))
        .filter(**({"patient_id__in": only} if only is not None else {}))
        .select_related("patient")
        .order_by("dose_started_at", "id")[:ROW_LIMIT]
    )  # fmt: skip
    rows = []
    for session in dosed:
        dosed_on = clinic_date_of(clinic, session.dose_started_at)
        due_by = dosed_on + timedelta(days=days)
        rows.append(IntegrationRow(session.patient, dosed_on, due_by, today > due_by, session))
    return rows


def caseload(clinic, windows: Windows, *, therapist=None) -> Caseload:
    """Who has a dosing session coming within `upcoming_days`, and whose dosing session has
    no integration session yet (due within `integration_days` of it; overdue ones stay).
    With `therapist`: only the patients that therapist has seen (any therapy session)."""
    today = clinic_today(clinic)
    only = None
    if therapist is not None:
        only = TherapySession.objects.filter(clinic=clinic, therapist=therapist).values(
            "patient_id"
        )
    coming = _coming(clinic, today, windows.upcoming_days, only)
    preparations = _last_preparations(clinic, {patient.pk for patient, _, _ in coming})
    return Caseload(
        today=today,
        windows=windows,
        coming=[ComingRow(p, day, what, preparations.get(p.pk)) for p, day, what in coming],
        integration=_needs_integration(clinic, today, windows.integration_days, only),
    )


def record_caseload_listed(*, clinic, shown: Caseload, actor, request=None) -> None:
    record_read(
        event_type="caseload.listed",
        actor=actor,
        clinic=clinic,
        part="therapy caseload",
        patients=shown.patients,
        request=request,
    )


def record_therapy_session_viewed(*, therapy_session, actor, request=None) -> None:
    record_read(
        event_type="therapy_session.viewed",
        actor=actor,
        patient=therapy_session.patient,
        obj=therapy_session,
        request=request,
    )


def sessions_of(patient):
    return TherapySession.objects.filter(
        patient=patient, clinic_id=patient.clinic_id
    ).select_related("therapist", "signed_by", "dosing_session")


def dosing_dates_of(patient, limit: int = 50) -> list[tuple[TreatmentSession, date]]:
    """The patient's dosing sessions (not cancelled), newest first, each with its date only."""
    sessions = (
        TreatmentSession.objects.filter(patient=patient, clinic_id=patient.clinic_id)
        .exclude(state="cancelled")
        .order_by("-scheduled_for")[:limit]
    )
    return [
        (s, clinic_date_of(patient.clinic, s.dose_started_at or s.scheduled_for)) for s in sessions
    ]


def dosing_day_of(therapy_session) -> date | None:
    """The date of the therapy session's dosing session (its date only), or None."""
    session = therapy_session.dosing_session
    if session is None:
        return None
    return clinic_date_of(
        therapy_session.patient.clinic, session.dose_started_at or session.scheduled_for
    )
