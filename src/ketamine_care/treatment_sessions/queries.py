"""Reads of treatment sessions, always scoped to one clinic."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from ketamine_care.audit.services import record_read
from ketamine_care.core.clock import clinic_day_bounds, clinic_today
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.floor import (  # noqa: F401  (re-exported)
    CADENCE_STATES,
    TREND_MEASURES,
    Chair,
    bp_due,
    floor,
    no_recording_interval,
    trend,
)
from ketamine_care.treatment_sessions.models import (
    RemsMonitoringForm,
    TreatmentSession,
)
from ketamine_care.treatment_sessions.monitoring import (
    FIELDS,
    READING_VALUES,
)


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
