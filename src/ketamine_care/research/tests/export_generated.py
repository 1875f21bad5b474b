"""A generated research cohort for comparing the export's two paths (`test_export_sql.py`):
the seeded cohort's full patient copied, row for row as the services wrote it, for `n`
patients drawn from a seeded random generator, each with its own birth date (some over 89,
some on 29 February), sex, courses (none, one, or two starting the same day), sessions
(planned or ad hoc, discharged or not, around midnight in the clinic's zone), doses with
and without a weight and with and without a recorded weight basis, readings or none,
adverse events, ratings (some entered in error, some with text, boolean and unknown
answers, one of an unshipped definition version), consent given, withdrawn or never
recorded, and course summaries with missing outcomes.
Numbers are test data."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.patients.models import ResearchConsent
from ketamine_care.registry.models import CourseSummary
from ketamine_care.registry.services import refresh_summaries
from ketamine_care.research.models import PatientShift
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    DoseAdministration,
    PreSessionChecks,
    TreatmentSession,
    VitalSignsReading,
)

BIRTHS = (date(1930, 6, 1), date(1992, 2, 29), date(1975, 12, 31), date(2001, 1, 1))
# A dose's weight basis and kg, by its session's id (no draw, so the cohort stays the same).
WEIGHT_BASES = ((None, None), ("actual", Decimal("70.00")), ("ideal", Decimal("61.40")))


def copy_of(row, **changes):
    """A new unsaved row with `row`'s column values (not its keys), then `changes`."""
    values = {
        f.attname: getattr(row, f.attname)
        for f in type(row)._meta.concrete_fields
        if not f.primary_key and f.name != "public_id"
    }
    values.update(changes)
    return type(row)(**values)


def moved(row, shift: timedelta, **changes):
    """A copy of `row` with every date and time column moved by `shift`."""
    copy = copy_of(row, **changes)
    for f in type(row)._meta.concrete_fields:
        value = getattr(copy, f.attname)
        if f.get_internal_type() in ("DateTimeField", "DateField") and value is not None:
            setattr(copy, f.attname, value + shift)
    return copy


def generate(case, n: int, seed: int = 16) -> None:
    """Adds `n` generated patients to the seeded cohort of `case` (export_fixtures)."""
    refresh_summaries(clinic=case.clinic)
    t = {
        "session": case.session,
        "checks": PreSessionChecks.objects.get(session=case.session),
        "dose": DoseAdministration.objects.get(session=case.session),
        "readings": list(VitalSignsReading.objects.filter(session=case.session)),
        "event": AdverseEvent.objects.get(session=case.session),
        "rating": Administration.objects.get(pk=case.rating.pk),
        "consent": ResearchConsent.objects.filter(patient=case.star).first(),
        "summary": CourseSummary.objects.get(plan=case.plan),
        "visits": list(case.plan.visits.order_by("number")),
    }
    rng = random.Random(seed)
    for k in range(n):
        _patient(case, t, k, rng)


def _patient(case, t: dict, k: int, rng: random.Random) -> None:
    born = rng.choice(BIRTHS) if k % 3 else date(1950, 1, 1) + timedelta(days=rng.randrange(15000))
    patient = copy_of(case.star, mrn=f"GEN-{k}", given_name="Gen", family_name=f"G{k}",
                      sex=rng.choice(("female", "male", "other")), date_of_birth=born)  # fmt: skip
    patient.refresh_search_fields()
    patient.save()
    if rng.random() < 0.7:
        PatientShift.objects.create(patient=patient, offset_days=rng.randint(-365, 365))
    days = timedelta(days=rng.choice((0, 0, 3, 40, 95, 400)))
    plans = _plans(case, t, patient, days, rng)
    for j in range(rng.choice((0, 1, 2, 3))):
        _session(t, patient, plans, days + timedelta(days=2 * j, hours=rng.choice((0, 7))), rng)
    for j in range(rng.choice((0, 1, 2))):
        _rating(t, patient, days + timedelta(days=28 * j, minutes=rng.randrange(600)), rng)
    _consent(t, patient, rng)


def _plans(case, t: dict, patient, days: timedelta, rng: random.Random) -> list:
    start = case.plan.start_date + days
    plans = [
        TreatmentPlan.objects.create(**_fields(copy_of(case.plan, patient_id=patient.pk,
                                                       start_date=start)))
        for _ in range(rng.choice((0, 1, 1, 1, 2)))
    ]  # fmt: skip
    for plan in plans:
        PlannedVisit.objects.bulk_create(
            [copy_of(v, plan_id=plan.pk, date=v.date + days, planned_date=v.planned_date + days)
             for v in t["visits"]])  # fmt: skip
        flag = rng.choice((True, False, None))
        CourseSummary.objects.create(
            **_fields(
                copy_of(
                    t["summary"],
                    patient_id=patient.pk,
                    plan_id=plan.pk,
                    start_date=plan.start_date,
                    analysable=rng.random() < 0.7,
                    response_3m=flag,
                    relapse_days=rng.choice((None, 30)),
                    cadss_peak=rng.choice((None, 12.5)),
                )
            )  # fmt: skip
        )
    return plans


def _fields(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields
            if not f.primary_key and f.name != "public_id"}  # fmt: skip


def _session(t: dict, patient, plans: list, shift: timedelta, rng: random.Random) -> None:
    visit = None
    if plans and rng.random() < 0.6:
        taken = TreatmentSession.objects.exclude(planned_visit=None).values("planned_visit_id")
        visits = PlannedVisit.objects.filter(plan=rng.choice(plans)).exclude(pk__in=taken)
        visit = visits.order_by("number").first()
    session = moved(t["session"], shift, patient_id=patient.pk,
                    planned_visit_id=visit.pk if visit else None,
                    ad_hoc_reason="" if visit else "Walk-in")  # fmt: skip
    if rng.random() < 0.3:
        session.discharged_at = None
    session.save()
    checks = moved(t["checks"], shift, session_id=session.pk)
    if rng.random() < 0.3:
        checks.weight_measurement_id = None
    checks.save()
    basis, kg = WEIGHT_BASES[session.pk % len(WEIGHT_BASES)]
    moved(t["dose"], shift, session_id=session.pk, weight_basis=basis, weight_used_kg=kg).save()
    if rng.random() < 0.7:
        VitalSignsReading.objects.bulk_create(
            [moved(r, shift, session_id=session.pk) for r in t["readings"]]
        )
    if rng.random() < 0.5:
        moved(t["event"], shift, session_id=session.pk).save()


def _rating(t: dict, patient, shift: timedelta, rng: random.Random) -> None:
    rating = moved(t["rating"], shift, patient_id=patient.pk)
    rating.answers = {**rating.answers, "phq9_2": rng.choice((0, 1.5, True, "some days"))}
    if rng.random() < 0.3:
        rating.answers["comment"] = "slept badly"  # not an item: never exported
    if rng.random() < 0.1:
        rating.definition_version = "0.0-unshipped"
    if rng.random() < 0.2:
        rating.status = "entered_in_error"
        rating.entered_in_error_reason = "Wrong patient"
    rating.save()


def _consent(t: dict, patient, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.1:
        return  # never asked
    ResearchConsent.objects.create(**_fields(copy_of(t["consent"], patient_id=patient.pk)))
    if roll < 0.2:
        later = t["consent"].recorded_at + timedelta(days=1)
        ResearchConsent.objects.create(
            **_fields(
                copy_of(t["consent"], patient_id=patient.pk, status="withdrawn", recorded_at=later)
            )  # fmt: skip
        )
