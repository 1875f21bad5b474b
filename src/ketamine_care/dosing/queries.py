"""Reads of treatment plans for one clinic: the day list of planned visits, audited."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from ketamine_care.audit.services import record_read
from ketamine_care.dosing.models import PlannedVisit, PlanStatus


def day_visits(clinic, day: date) -> QuerySet[PlannedVisit]:
    """The clinic's planned visits on `day`, of active plans and patients, by patient name."""
    return (
        PlannedVisit.objects.filter(
            date=day,
            plan__status=PlanStatus.ACTIVE,
            plan__patient__clinic=clinic,
            plan__patient__status="active",
        )
        .select_related("plan__patient")
        .order_by("plan__patient__family_name", "plan__patient__given_name")
    )


def planned_visit_on(patient, day: date) -> PlannedVisit | None:
    """The patient's visit of an active plan on `day` (the first by number), or None."""
    return (
        PlannedVisit.objects.filter(plan__patient=patient, plan__status=PlanStatus.ACTIVE, date=day)
        .select_related("plan__protocol_version")
        .order_by("number")
        .first()
    )


def record_visits_listed(*, clinic, day: date, visits, actor, request=None) -> None:
    """Audit the day list shown: which patients have visits that day."""
    record_read(
        event_type="visits.listed",
        actor=actor,
        clinic=clinic,
        part=f"day {day.isoformat()}",
        patients=[v.plan.patient for v in visits],
        request=request,
    )
