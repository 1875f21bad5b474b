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

from ketamine_care.accounts.models import User
from ketamine_care.core.clock import clinic_today, clinic_zone
from ketamine_care.demo.score_histories import SUICIDE_ITEMS_AT_ZERO, answers_for_total
from ketamine_care.demo.treatment import screen
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.dosing.services import create_plan
from ketamine_care.instruments.models import Administration
from ketamine_care.instruments.services import record_administration
from ketamine_care.patients.models import Patient
from ketamine_care.protocols.queries import active_version
from ketamine_care.screening.services import override_screening
from ketamine_care.treatment_sessions.models import TreatmentSession

PROTOCOL = "esketamine-trd-label"
BASELINE = 34
WEEKLY = {"every": 1, "unit": "weeks"}
# (days since the first visit, MADRS on the last visits, oldest first), one per course state.
COURSES = {
    "induction": (9, [30]),
    "non_response": (32, [31, 30, 29, 28]),
    "response": (39, [22, 19, 17, 16]),
    "remission": (46, [18, 15, 11]),
    "sustained_remission": (66, [12, 10, 9, 8, 8, 7]),  # weekly: the step-down to 2 weeks
    "loss_of_response": (73, [10, 9, 8, 20, 21]),
    "relapse": (73, [10, 9, 8, 23, 25]),
}


def make_course_demo(clinic) -> dict:
    """Give the courses to demo patients with no measures, plan or session yet (in MRN order;
    one whose screening does not permit treatment is passed over). Idempotent: the courses
    already given are counted by their esketamine plans."""
    version = active_version(clinic, PROTOCOL)
    if version is None:
        return {"courses_created": 0}
    given = TreatmentPlan.objects.filter(patient__clinic=clinic, protocol_id=PROTOCOL).count()
    todo = list(COURSES.values())[given:]
    prescriber = User.objects.get(email="prescriber@demo.clinic")
    nurse = User.objects.get(email="nurse@demo.clinic")
    made = 0
    for patient in _candidates(clinic):
        if made == len(todo):
            break
        days, shape = todo[made]
        if course_for(patient, version, prescriber=prescriber, nurse=nurse, days=days, shape=shape):
            made += 1
    return {"courses_created": made}


def _candidates(clinic):
    return (
        Patient.objects.active()
        .filter(clinic=clinic, mrn__startswith="DEMO-")
        .exclude(administrations__isnull=False)
        .exclude(treatment_sessions__isnull=False)
        .exclude(treatment_plans__isnull=False)
        .exclude(medications__drug_class="benzodiazepine")
        # Depression courses: never a bipolar, psychotic or obsessive-compulsive diagnosis.
        .exclude(diagnoses__icd10_code__regex=r"^F(2|31|42)")
        .order_by("mrn")
        .distinct()
    )


def course_for(patient, version, *, prescriber, nurse, days: int, shape: list[int]):
    """Plan `patient` `days` ago with a weekly maintenance rhythm and give the past visits,
    with MADRS 34 at the first and `shape` on the last ones; the plan, or None if ineligible."""
    plan = _plan(patient, version, prescriber, days)
    if plan is not None:
        _give_course(plan, nurse, shape, random.Random(patient.mrn))
    return plan


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
