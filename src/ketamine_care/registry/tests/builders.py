"""Courses for the registry tests, written straight to the tables (fast: no session flow).

A course is a plan through the services (screening, planning), then its dosing sessions and
ratings as rows: `sessions` are days from the plan's start (on its planned visits),
`ratings` are (day, hour, total) of MADRS (or `instrument`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.core.clock import clinic_zone
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.testing.treatment import treatable_plan
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    DoseAdministration,
    SessionAlert,
    TreatmentSession,
)


def local(clinic, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clinic_zone(clinic))


def add_rating(patient, actor, when: datetime, total: int, instrument="madrs", point=None):
    return Administration.objects.create(
        patient=patient,
        instrument_code=instrument,
        definition_version="test",
        answers={},
        total=total,
        administered_at=when,
        time_point=point or "pre_session",
        source="clinician",
        entered_by=actor,
    )


def add_session(plan, visit, actor, when: datetime, dose_mg=None, checker=None):
    session = TreatmentSession.objects.create(
        clinic=plan.patient.clinic,
        patient=plan.patient,
        protocol_version=plan.protocol_version,
        protocol_id=plan.protocol_id,
        drug="ketamine",
        route="iv",
        planned_visit=visit,
        ad_hoc_reason="" if visit else "Test",
        scheduled_for=when,
        state=states.DISCHARGED,
        dosing_at=when,
        created_by=actor,
    )
    if dose_mg is not None:
        DoseAdministration.objects.create(
            session=session,
            drug="ketamine",
            product="Ketamine 50 mg/mL",
            concentration_mg_per_ml=Decimal("50"),
            lot_number="L1",
            expiry_date=when.date() + timedelta(days=300),
            dose_mg=Decimal(dose_mg),
            route="iv",
            given_by=actor,
            checked_by=checker,
            recorded_by=actor,
        )
    return session


def add_adverse_event(session, actor, kind="nausea"):
    return AdverseEvent.objects.create(
        session=session,
        event_type=kind,
        severity="mild",
        onset_at=session.dosing_at,
        action_taken="Observed.",
        outcome="resolved",
        recorded_by=actor,
    )


def add_alert(session, rule="bp_above_180_110_sustained"):
    return SessionAlert.objects.create(
        session=session,
        rule=rule,
        tier="urgent",
        triggered_at=session.dosing_at,
        message="BP high",
        action="Recheck",
        source="test",
    )


def make_course(
    *, patient, version, prescriber, nurse, start, sessions=(), ratings=(), **rating_kw
):
    """A plan starting `start`; sessions on its first visits (the nurse doses, the prescriber
    checks); ratings as (day, hour, total): before day 0 a baseline, before 9:00 (the
    session's hour) pre-session, later post-session."""
    clinic = patient.clinic
    plan = treatable_plan(patient=patient, version=version, prescriber=prescriber, start=start)
    visits = list(plan.visits.order_by("date", "number"))
    made = []
    for i, offset in enumerate(sessions):
        when = local(clinic, start + timedelta(days=offset), 9)
        visit = visits[i] if i < len(visits) else None
        made.append(add_session(plan, visit, nurse, when, dose_mg="35", checker=prescriber))
    for offset, hour, total in ratings:
        when = local(clinic, start + timedelta(days=offset), hour)
        point = "baseline" if offset < 0 else "pre_session" if hour < 9 else "post_session"
        add_rating(patient, prescriber, when, total, point=point, **rating_kw)
    return plan, made


def now_local(clinic) -> datetime:
    return timezone.localtime(timezone.now(), clinic_zone(clinic))


def copy_plans(base, people, rows: list[dict]) -> list:
    """One plan per generated row, like `base` but for the row's patient (an index into
    `people`) and protocol: bulk-created, for tests that write summaries themselves."""
    return TreatmentPlan.objects.bulk_create(
        TreatmentPlan(
            patient=people[r["patient"]],
            protocol_version=base.protocol_version,
            protocol_id=r["protocol_id"],
            screening_verdict=base.screening_verdict,
            start_date=base.start_date,
            clinic_days=base.clinic_days,
            horizon_weeks=base.horizon_weeks,
            created_by=base.created_by,
        )
        for r in rows
    )
