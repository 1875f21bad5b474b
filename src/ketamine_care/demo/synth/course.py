"""A synthetic course: the treatment plan the planner gives for the protocol (the cached
course template, moved to the patient's start), and a signed session for each planned visit
up to yesterday, unless the patient dropped out of the series. Plans stay "active", as the
app leaves them."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketamine_care.demo.synth import catalogue
from ketamine_care.demo.synth.batch import Batch, Draw, local, public_id
from ketamine_care.demo.synth.context import CLINIC_DAYS, CourseTemplate
from ketamine_care.demo.synth.follow import follow_ups, session_ratings
from ketamine_care.demo.synth.session import session_rows
from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan


@dataclass
class Given:
    """What one session's rows are made from."""

    rng: random.Random
    draw: Draw
    template: CourseTemplate
    patient: dict
    verdict: dict
    visit: dict
    start: datetime
    profile: object
    alerts: tuple
    calculated: tuple
    stock: object
    escort: str
    ratings: list


def course_rows(batch: Batch, run, d: Draw, patient: dict, verdict: dict, rng) -> None:
    """The plan, the sessions given so far and the course's ratings."""
    plan, template, visits = plan_rows(batch, run, d, patient, verdict, rng)
    given = sessions_given(d, visits, run.ctx.today)
    escort = f"{rng.choice(catalogue.GIVEN_NAMES['female'])} {d.family}"
    starts = []
    for index, visit in enumerate(given):
        start = session_start(run, visit, rng)
        number = rng.randrange(len(run.profiles[template.route]))
        profile = run.profiles[template.route][number]
        body, senior = d.body, patient["age"] >= 65
        ratings = session_ratings(batch, run, d, patient, index, start, rng)
        pid = template.protocol_id
        session_rows(batch, run, Given(
            rng=rng, draw=d, template=template, patient=patient, verdict=verdict, visit=visit,
            start=start, profile=profile, alerts=run.alerts(pid, template.route, number),
            calculated=run.clinical.dose(pid, visit["dose"], body, d.sex, senior),
            stock=run.stock, escort=escort, ratings=ratings,
        ))  # fmt: skip
        starts.append(start)
    if starts:
        follow_ups(batch, run, d, patient, starts, len(given) == len(visits), rng)


def plan_rows(batch: Batch, run, d: Draw, patient: dict, verdict: dict, rng):
    """The plan and its visits; (plan row, template, [visit rows])."""
    ctx = run.ctx
    start = d.start if d.start.weekday() < 5 else d.start - timedelta(days=d.start.weekday() - 4)
    template = ctx.courses[(d.protocol, start.weekday())]
    at = verdict["created_at"] + timedelta(minutes=20)
    reviews = [
        {"after_visit": after, "date": (start + timedelta(days=offset)).isoformat(),
         "purpose": purpose}
        for after, offset, purpose in template.reviews
    ]  # fmt: skip
    plan = batch.add(
        TreatmentPlan,
        public_id=public_id(rng),
        created_at=at,
        updated_at=at,
        patient_id=patient["id"],
        protocol_version_id=template.version_id,
        protocol_id=template.protocol_id,
        screening_verdict_id=verdict["id"],
        start_date=start,
        clinic_days=CLINIC_DAYS,
        horizon_weeks=template.horizon_weeks,
        status="active",
        reviews=json.dumps(reviews),
        warnings=template.warnings,
        created_by_id=ctx.staff["prescriber"],
    )
    visits = []
    for offset, number, phase, dose, assessments, gap, condition in template.visits:
        day = start + timedelta(days=offset)
        visits.append(
            batch.add(
                PlannedVisit,
                public_id=public_id(rng),
                created_at=at,
                updated_at=at,
                plan_id=plan["id"],
                number=number,
                date=day,
                planned_date=day,
                phase=phase,
                dose=dose,
                assessments=assessments,
                min_gap_days=gap,
                condition=condition,
                condition_confirmed_at=None,
                condition_confirmed_by_id=None,
            )  # fmt: skip
        )
    return plan, template, visits


def sessions_given(d: Draw, visits: list[dict], today) -> list[dict]:
    """The visits given as sessions: those before today, cut short for a drop-out (who
    always misses at least the last visit)."""
    past = [v for v in visits if v["date"] < today]
    if d.stop_after is not None and len(visits) > 1:
        past = past[: min(d.stop_after, len(visits) - 1)]
    return past


def session_start(run, visit: dict, rng):
    """The dose start: a morning or afternoon slot in the clinic's time zone."""
    return local(run.ctx.zone, visit["date"], 9 * 60 + 30 * rng.randint(0, 12))
