"""Where the course and session tables come from: one streamed query per table, its rows
turned into the table's columns a batch at a time (`Source.build`).

Each query reads only the columns its table derives from; dates are read as the clinic's
calendar day (`TruncDate` in the clinic's zone) and shifted by the patient's offset in
arrow; durations are computed in SQL and written as minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    QuerySet,
)
from django.db.models.functions import Cast, TruncDate

from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.research.export import columns as c
from ketamine_care.research.export.arrays import minutes, ratio, shifted, typed
from ketamine_care.research.export.scope import (
    Scope,
    count_of,
    offset,
    ordinal,
    research_id,
    row_number,
)
from ketamine_care.research.export.scope import scoped as _scoped
from ketamine_care.treatment_sessions.models import DoseAdministration, TreatmentSession


@dataclass(frozen=True)
class Source:
    table: c.Table
    query: Callable[[Scope], QuerySet]  # annotated; read with values_list(*fields)
    fields: tuple[str, ...]
    build: Callable[[Scope, dict], list[pa.Array]]  # the table's columns, in order


def _nonzero(values: list) -> pa.Array:
    """An ordinal of 0 (no parent row) as missing."""
    array = pa.array(values, pa.int64())
    return pc.if_else(pc.equal(array, 0), None, array)


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def session_number(prefix: str = "") -> object:
    return ordinal(TreatmentSession.objects.all(), prefix=prefix, moment="scheduled_for")


def course_number(prefix: str = "") -> object:
    return ordinal(TreatmentPlan.objects.all(), prefix=prefix, moment="start_date")


# Courses


def _courses(scope: Scope) -> QuerySet:
    plans = _scoped(TreatmentPlan.objects.all(), scope, "patient")
    return plans.annotate(
        rid=F(research_id("patient")),
        shift=F(offset("patient")),
        number=row_number("start_date"),
        version=F("protocol_version__version"),
        visit_count=count_of(PlannedVisit.objects.filter(plan_id=OuterRef("pk"))),
    ).order_by("patient_id", "start_date", "pk")


def _build_courses(scope: Scope, row: dict) -> list[pa.Array]:
    return [
        typed(row["rid"], pa.string()),
        typed(row["number"], pa.int64()),
        typed(row["protocol_id"], pa.string()),
        typed(row["version"], pa.int64()),
        typed(row["status"], pa.string()),
        shifted(row["start_date"], row["shift"]),
        typed(row["horizon_weeks"], pa.int64()),
        typed(row["visit_count"], pa.int64()),
    ]


COURSES = Source(
    c.COURSES,
    _courses,
    ("rid", "shift", "number", "protocol_id", "version", "status", "start_date",
     "horizon_weeks", "visit_count"),
    _build_courses,
)  # fmt: skip


# Sessions


def _sessions(scope: Scope) -> QuerySet:
    sessions = _scoped(TreatmentSession.objects.all(), scope, "patient")
    return sessions.annotate(
        rid=F(research_id("patient")),
        shift=F(offset("patient")),
        number=row_number("scheduled_for"),
        course=course_number("planned_visit__plan__"),
        visit=F("planned_visit__number"),
        day=TruncDate("scheduled_for", tzinfo=scope.zone),
        to_discharge=_duration("discharged_at", "dose_started_at"),
    ).order_by("patient_id", "scheduled_for", "pk")


def _build_sessions(scope: Scope, row: dict) -> list[pa.Array]:
    return [
        typed(row["rid"], pa.string()),
        typed(row["number"], pa.int64()),
        _nonzero(row["course"]),
        typed(row["visit"], pa.int64()),
        typed(row["protocol_id"], pa.string()),
        typed(row["drug"], pa.string()),
        typed(row["route"], pa.string()),
        typed(row["state"], pa.string()),
        shifted(row["day"], row["shift"]),
        minutes(row["to_discharge"]),
    ]


SESSIONS = Source(
    c.SESSIONS,
    _sessions,
    ("rid", "shift", "number", "course", "visit", "protocol_id", "drug", "route", "state",
     "day", "to_discharge"),
    _build_sessions,
)  # fmt: skip


# Doses


def _doses(scope: Scope) -> QuerySet:
    doses = _scoped(DoseAdministration.objects.all(), scope, "session__patient")
    return doses.annotate(
        rid=F(research_id("session__patient")),
        number=session_number("session__"),
        mg=Cast("dose_mg", FloatField()),
        calculated_mg=Cast("calculated_dose_mg", FloatField()),
        weight=Cast("session__pre_checks__weight_measurement__weight_kg", FloatField()),
        infusion=_duration("infusion_ended_at", "infusion_started_at"),
        basis=F("weight_basis"),
        used_kg=Cast("weight_used_kg", FloatField()),
    ).order_by("session__patient_id", "session__scheduled_for", "session_id", "pk")


def _build_doses(scope: Scope, row: dict) -> list[pa.Array]:
    dose, weight = typed(row["mg"], pa.float64()), typed(row["weight"], pa.float64())
    return [
        typed(row["rid"], pa.string()),
        typed(row["number"], pa.int64()),
        typed(row["drug"], pa.string()),
        typed(row["route"], pa.string()),
        dose,
        typed(row["calculated_mg"], pa.float64()),
        weight,
        ratio(dose, weight),
        minutes(row["infusion"]),
        typed(row["basis"], pa.string()),
        typed(row["used_kg"], pa.float64()),
    ]


DOSES = Source(
    c.DOSES,
    _doses,
    (
        "rid",
        "number",
        "drug",
        "route",
        "mg",
        "calculated_mg",
        "weight",
        "infusion",
        "basis",
        "used_kg",
    ),
    _build_doses,
)


# Vital-sign summaries: aggregates per session, in SQL


def _vitals(scope: Scope) -> QuerySet:
    sessions = _scoped(TreatmentSession.objects.all(), scope, "patient")
    return (
        sessions.annotate(
            readings_n=Count("readings"),
            sys_max=Max("readings__bp_systolic_mmhg"),
            dia_max=Max("readings__bp_diastolic_mmhg"),
            hr_max=Max("readings__heart_rate_bpm"),
            hr_min=Min("readings__heart_rate_bpm"),
            spo2_min=Min("readings__spo2_percent"),
            rr_min=Min("readings__respiratory_rate_per_min"),
            moaas_min=Min("readings__moaas"),
        )
        .filter(readings_n__gt=0)
        .annotate(rid=F(research_id("patient")), number=session_number())
        .order_by("patient_id", "scheduled_for", "pk")
    )


VITAL_FIELDS = ("readings_n", "sys_max", "dia_max", "hr_max", "hr_min", "spo2_min", "rr_min",
                "moaas_min")  # fmt: skip


def _build_vitals(scope: Scope, row: dict) -> list[pa.Array]:
    return [
        typed(row["rid"], pa.string()),
        typed(row["number"], pa.int64()),
        *[typed(row[name], pa.int64()) for name in VITAL_FIELDS],
    ]


VITALS = Source(c.VITALS, _vitals, ("rid", "number", *VITAL_FIELDS), _build_vitals)
