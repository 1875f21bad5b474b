"""The dose histogram's facts per course: its ketamine doses per band of mg/kg.

A dose counts when it is ketamine, given in a session of one of the course's planned visits
that was not cancelled, not entered in error, with a weight recorded at the session's
pre-checks; its band is floor(mg / kg / DOSE_BIN). `active_doses` is that rule, once: the
dashboard's reference path (`aggregates.dose_histogram`) and the stored bins
(`models.CourseDoseBin`, written by the refresh) both use it, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
)
from django.db.models.functions import Cast, Floor

from ketamine_care.registry.models import CourseDoseBin, CourseSummary
from ketamine_care.treatment_sessions.models import DoseAdministration, SessionAmendment

DOSE_BIN = 0.1  # mg/kg per bar of the dose histogram


def active_doses(plans) -> QuerySet[DoseAdministration]:
    """The counted doses of the courses `plans` (plan ids, or a query of them)."""
    in_error = SessionAmendment.objects.filter(
        kind="entered_in_error", target_type="dose", target_id=OuterRef("public_id")
    )
    return (
        DoseAdministration.objects.filter(
            session__planned_visit__plan_id__in=plans,
            drug="ketamine",
            session__pre_checks__weight_measurement__weight_kg__isnull=False,
        )
        .exclude(session__state="cancelled")
        .exclude(Exists(in_error))
    )


def dose_band():
    """floor(mg/kg / DOSE_BIN) of a dose (a float on PostgreSQL, as the histogram reads)."""
    weight = Cast("session__pre_checks__weight_measurement__weight_kg", FloatField())
    return Floor(Cast("dose_mg", FloatField()) / weight / DOSE_BIN)


def _grouped(plans) -> QuerySet:
    return (
        active_doses(plans)
        .annotate(
            summary=F("session__planned_visit__plan__course_summary__id"),
            band=Cast(dose_band(), IntegerField()),
        )
        .filter(summary__isnull=False)
        .values("summary", "band")
        .annotate(count=Count("id"))
        .order_by()
    )


def store_dose_bins(plan_ids: Iterable[int]) -> int:
    """Rewrite the stored bins of the courses `plan_ids` (their summaries written first)."""
    plan_ids = list(plan_ids)
    CourseDoseBin.objects.filter(summary__plan_id__in=plan_ids).delete()
    bins = [
        CourseDoseBin(summary_id=row["summary"], bin=row["band"], doses=row["count"])
        for row in _grouped(plan_ids)
    ]
    CourseDoseBin.objects.bulk_create(bins, batch_size=2000)
    return len(bins)


def rebuild_clinic_dose_bins(clinic) -> int:
    """Rewrite the bins of every course of `clinic` in one INSERT ... SELECT (no rows pass
    through Python): the backfill after an upgrade, or after summaries were copied in bulk."""
    summaries = CourseSummary.objects.filter(clinic=clinic)
    CourseDoseBin.objects.filter(summary__in=summaries).delete()
    select, params = _grouped(summaries.values("plan_id")).query.sql_with_params()
    table = CourseDoseBin._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" (summary_id, bin, doses) {select}', params)  # noqa: S608
        return cursor.rowcount
