"""Demo courses (idempotent, deterministic): one esketamine patient in each course state, so
the chart and the plan page show every course-review recommendation.

Each patient is screened and planned on the esketamine label protocol with the clinic's
weekly maintenance rhythm, the plan's visits up to yesterday are given as signed sessions,
and MADRS totals are recorded before dosing: a baseline of 34 at the first visit and the
course's shape on the last visits. The shapes are illustrations, not clinical data.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from ketamine_care.accounts.models import User
from ketamine_care.core.clock import clinic_today, clinic_zone
from ketamine_care.demo.score_histories import SUICIDE_ITEMS_AT_ZERO, answers_for_total
from ketamine_care.demo.treatment import screen
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.dosing.services import create_plan
from ketamine_care.instruments.models import Administration
from ketamine_care.instruments.services import record_administration
from ketamine_care.patients import services as patients
from ketamine_care.patients.models import Patient
from ketamine_care.protocols.queries import active_version
from ketamine_care.screening.services import override_screening
from ketamine_care.treatment_sessions.models import TreatmentSession

PROTOCOL = "esketamine-trd-label"
BASELINE = 34
WEEKLY = {"every": 1, "unit": "weeks"}
# mrn -> (given, family, days since the first visit, MADRS on the last visits, oldest first)
COURSES = {
    "DEMO-C01": ("Ines", "Induction", 9, [30]),
    "DEMO-C02": ("Noel", "Nonresponse", 32, [31, 30, 29, 28]),
    "DEMO-C03": ("Rhea", "Response", 39, [22, 19, 17, 16]),
    "DEMO-C04": ("Remy", "Remission", 46, [18, 15, 11]),
    "DEMO-C05": ("Sasha", "Sustained", 66, [12, 10, 9, 8, 8, 7]),
    "DEMO-C06": ("Lorne", "Lostresponse", 73, [10, 9, 8, 20, 21]),
    "DEMO-C07": ("Reid", "Relapse", 73, [10, 9, 8, 23, 25]),
}
STEP_DOWN_PATIENT = "DEMO-C05"


def make_course_demo(clinic) -> dict:
    version = active_version(clinic, PROTOCOL)
    if version is None:
        return {"courses_created": 0}
    prescriber = User.objects.get(email="prescriber@demo.clinic")
    nurse = User.objects.get(email="nurse@demo.clinic")
    made = 0
    for mrn, (given, family, days, shape) in COURSES.items():
        if Patient.objects.filter(clinic=clinic, mrn=mrn).exists():
            continue
        patient = _patient(clinic, prescriber, mrn, given, family)
        if course_for(patient, version, prescriber=prescriber, nurse=nurse, days=days, shape=shape):
            made += 1
    return {"courses_created": made}


def course_for(patient, version, *, prescriber, nurse, days: int, shape: list[int]):
    """Plan `patient` `days` ago with a weekly maintenance rhythm and give the past visits,
    with MADRS 34 at the first and `shape` on the last ones; the plan, or None if ineligible."""
    plan = _plan(patient, version, prescriber, days)
    if plan is not None:
        _give_course(plan, nurse, shape, random.Random(patient.mrn))
    return plan


def _patient(clinic, actor, mrn: str, given: str, family: str) -> Patient:
    today = clinic_today(clinic)
    patient = patients.register_patient(
        clinic=clinic,
        actor=actor,
        mrn=mrn,
        given_name=given,
        family_name=family,
        date_of_birth=today.replace(year=today.year - 44, day=1),
        sex="female",
        phone="555-0190",
    )
    patients.add_diagnosis(
        patient=patient,
        actor=actor,
        icd10_code="F33.2",
        label="Major depressive disorder, recurrent severe without psychotic features",
        clinical_status="active",
        onset_date=today.replace(year=today.year - 6, month=1, day=1),
    )
    patients.add_medication(
        patient=patient,
        actor=actor,
        name="Sertraline",
        dose=Decimal("100"),
        dose_unit="mg",
        frequency="once daily",
        drug_class="ssri",
    )
    return patient


def _plan(patient, version, prescriber, days: int) -> TreatmentPlan | None:
    verdict = screen(patient=patient, version=version, actor=prescriber)
    if verdict.verdict == "requires_override":
        override_screening(
            verdict=verdict, reason="Demo: benefit outweighs the risk.", actor=prescriber
        )
        verdict.refresh_from_db()
    if not verdict.permits_treatment:
        return None
    start = clinic_today(patient.clinic) - timedelta(days=days)
    return create_plan(
        patient=patient,
        protocol_version=version,
        start_date=start,
        actor=prescriber,
        horizon_weeks=26,
        maintenance=WEEKLY,
    )


def _at(clinic, day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clinic_zone(clinic))


def _give_course(plan: TreatmentPlan, nurse, shape: list[int], rng: random.Random) -> None:
    clinic = plan.patient.clinic
    today = clinic_today(clinic)
    given = list(plan.visits.filter(date__lt=today).order_by("number"))
    totals = {given[0].number: BASELINE} if given else {}
    for visit, total in zip(given[-len(shape) :], shape, strict=False):
        totals[visit.number] = total
    for visit in given:
        if (
            visit.number in totals
            and not Administration.objects.filter(
                patient=plan.patient, administered_at=_at(clinic, visit.date, 8)
            ).exists()
        ):
            record_administration(
                patient=plan.patient,
                instrument_code="madrs",
                answers=answers_for_total(
                    "madrs", totals[visit.number], rng, SUICIDE_ITEMS_AT_ZERO["madrs"]
                ),
                time_point="pre_session" if visit.number > 1 else "baseline",
                actor=nurse,
                administered_at=_at(clinic, visit.date, 8),
            )
        _signed_session(plan, visit, nurse)


def _signed_session(plan: TreatmentPlan, visit, nurse) -> None:
    """A past visit given and signed (demo history: the session screens are not replayed)."""
    clinic = plan.patient.clinic
    start = _at(clinic, visit.date, 9)
    TreatmentSession.objects.create(
        clinic=clinic,
        patient=plan.patient,
        protocol_version=plan.protocol_version,
        protocol_id=plan.protocol_id,
        drug="esketamine",
        route="intranasal",
        planned_visit=visit,
        scheduled_for=start,
        state="signed",
        checked_in_at=start - timedelta(minutes=20),
        dosing_at=start,
        dose_started_at=start,
        monitoring_at=start + timedelta(minutes=15),
        ready_for_discharge_at=start + timedelta(hours=2),
        discharged_at=start + timedelta(hours=2, minutes=5),
        signed_at=start + timedelta(hours=3),
        signed_by=nurse,
        created_by=nurse,
        note_text="Demo course history: session given as planned.",
    )
