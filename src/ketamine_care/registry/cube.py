"""The cohort cube: the dashboard's additive counts per cohort cell, rebuilt from the course
summaries by the refresh job (never in a request).

A cell is one clinic's courses of one protocol, indication, sex, age band and start month.
Only patients with a single course enter the cube: such a patient falls in exactly one cell,
so a count of their courses is also a count of patients, and summing cells gives exact
patient counts for small-cell suppression. Courses of patients with several courses, and
the partial months at a date range's edges, are counted from the summaries by the
reference SQL (`cube_read`). Each figure is a row (`models.CohortCell`): e.g. "c:analysable"
(courses analysable), "relapse:1" with key = day (relapses on that day: a life table),
"dose" with key = mg/kg band. Sums of the life tables over cells are the pooled tables, so
the Kaplan-Meier curves are exactly those of the pooled courses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, TruncMonth
from django.utils import timezone

from ketamine_care.registry.aggregates import CADSS_BIN, outcome_cells
from ketamine_care.registry.cohorts import AGE_BANDS
from ketamine_care.registry.models import CohortCell, CohortCube, CourseDoseBin, CourseSummary

DIMS = ("protocol_id", "indication", "sex", "age_band", "start_month")
# Level 1 rolls the cells up to one per protocol (its other keys blank): what a cohort of
# protocols only (no indication, sex, age band or dates) sums, a few rows per protocol.
CELL, BY_PROTOCOL = 0, 1
LEVELS = {CELL: DIMS, BY_PROTOCOL: ("protocol_id",)}
BLANK = {"indication": "", "sex": "", "age_band": "", "start_month": date(1970, 1, 1)}
REFRESHED = "refreshed"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Sums of a summary column per cell: figure -> column; and courses with the column > 0.
SUMS = {
    "sessions": "sessions",
    "events": "adverse_events",
    "alerts": "bp_alerts",
    "expected": "expected_measures",
    "received": "received_measures",
}
POSITIVE = {"event_courses": "adverse_events", "alert_courses": "bp_alerts"}


def age_band(prefix: str = "") -> Case:
    """The age band key of `age_at_start` (cohorts.AGE_BANDS), in SQL."""
    whens = [
        When(**{f"{prefix}age_at_start__lte": high}, then=Value(key))
        for key, _label, _low, high in AGE_BANDS
        if high is not None
    ]
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def _cells(rows: QuerySet, prefix: str = "") -> QuerySet:
    return rows.annotate(
        **{d: F(f"{prefix}{d}") for d in DIMS[:3] if prefix},
        age_band=age_band(prefix),
        start_month=TruncMonth(f"{prefix}start_date"),
    )


def to_micros(when: datetime) -> int:
    delta = when - EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds


def from_micros(value: int | None) -> datetime | None:
    if value is None:
        return None
    return timezone.localtime(EPOCH + timedelta(microseconds=value), UTC)


def _key(row: dict, level: int) -> tuple:
    """The cell of a grouped row: its level and the five keys (blank where rolled up)."""
    return (level, *(row[d] if d in LEVELS[level] else BLANK[d] for d in DIMS))


def _counts(base: QuerySet, level: int) -> list[tuple]:
    cells = {n: q for n, q in outcome_cells().items() if n != "stale"}  # stale: read live
    aliases = {f"x{i}": f"c:{name}" for i, name in enumerate(cells)}
    annotations = {a: Count("id", filter=cells[f[2:]]) for a, f in aliases.items()}
    for i, (figure, column) in enumerate(SUMS.items()):
        aliases[f"s{i}"] = figure
        annotations[f"s{i}"] = Coalesce(Sum(column), 0)
    for i, (figure, column) in enumerate(POSITIVE.items()):
        aliases[f"p{i}"] = figure
        annotations[f"p{i}"] = Count("id", filter=Q(**{f"{column}__gt": 0}))
    out = []
    grouped = _cells(base).values(*LEVELS[level])
    for row in grouped.annotate(top=Max("refreshed_at"), **annotations).order_by():
        dims = _key(row, level)
        out.append((*dims, REFRESHED, 0, to_micros(row["top"])))
        out.extend((*dims, figure, 0, row[a]) for a, figure in aliases.items() if row[a])
    return out


def _table(rows: QuerySet, level: int, figure, key) -> list[tuple]:
    grouped = _cells(rows).annotate(fig=figure, k=key).values(*LEVELS[level], "fig", "k")
    return [
        (*_key(r, level), r["fig"], int(r["k"]), r["n"])
        for r in grouped.annotate(n=Count("id")).order_by()
    ]


def _flag(condition: Q, name: str) -> Case:
    return Case(
        When(condition, then=Value(f"{name}:1")),
        default=Value(f"{name}:0"),
        output_field=CharField(),
    )


def _tables(base: QuerySet, level: int) -> list[tuple]:
    response = base.filter(observed_days__isnull=False)
    responded = _flag(Q(first_response_day__isnull=False), "response")
    out = _table(response, level, responded, Coalesce("first_response_day", "observed_days"))
    relapse = base.filter(relapse_event__isnull=False)
    out += _table(relapse, level, _flag(Q(relapse_event=True), "relapse"), F("relapse_days"))
    cadss = base.filter(cadss_peak__isnull=False)
    band = Cast(Floor(F("cadss_peak") / CADSS_BIN), IntegerField())
    return out + _table(cadss, level, Value("cadss"), band)


def _doses(bins: QuerySet, level: int) -> list[tuple]:
    grouped = _cells(bins, "summary__").values(*LEVELS[level], "bin")
    out = []
    for r in grouped.annotate(doses=Sum("doses"), courses=Count("id")).order_by():
        dims = _key(r, level)
        out.append((*dims, "dose", r["bin"], r["doses"]))
        out.append((*dims, "dose_courses", r["bin"], r["courses"]))
    return out


def cells_of(base: QuerySet, bins: QuerySet, level: int = CELL) -> list[tuple]:
    """The cube rows (level, *DIMS, figure, key, n) of the single-course summaries `base`
    and their dose bins `bins`: a clinic's whole cube, or one refresh batch's share of it."""
    return _counts(base, level) + _tables(base, level) + _doses(bins, level)


def rebuild_cube(clinic) -> int:
    """Rebuild `clinic`'s cube from its summaries and mark it current; cells written."""
    with transaction.atomic():
        # The cube's row orders this rebuild and the clinic's refresh batches (cube_delta):
        # a batch that writes summaries waits for the rebuild to commit, and the other way.
        cube, _ = CohortCube.objects.get_or_create(clinic=clinic)
        cube = CohortCube.objects.select_for_update(of=("self",), no_key=True).get(pk=cube.pk)
        base = CourseSummary.objects.filter(clinic=clinic, patient_courses=1)
        bins = CourseDoseBin.objects.filter(summary__clinic=clinic, summary__patient_courses=1)
        rows = []
        for level in LEVELS:
            rows += cells_of(base, bins, level)
        CohortCell.objects.filter(clinic=clinic).delete()
        fields = ("level", *DIMS, "figure", "key", "n")
        CohortCell.objects.bulk_create(
            (CohortCell(clinic=clinic, **dict(zip(fields, r, strict=True))) for r in rows),
            batch_size=5000,
        )
        cube.current, cube.built_at, cube.cells = True, timezone.now(), len(rows)
        cube.save(update_fields=["current", "built_at", "cells"])
    return len(rows)


def rebuild_cubes(*, clinic=None, outdated_only: bool = True) -> int:
    """Rebuild the cubes of `clinic` (or of every clinic with summaries) that are not current
    (all of them with `outdated_only=False`); cubes rebuilt."""
    from ketamine_care.accounts.models import Clinic

    clinics = Clinic.objects.filter(pk__in=CourseSummary.objects.values("clinic_id"))
    if clinic is not None:
        clinics = clinics.filter(pk=clinic.pk)
    if outdated_only:
        clinics = clinics.exclude(pk__in=CohortCube.objects.filter(current=True).values("clinic"))
    built = 0
    for each in clinics.order_by("pk"):
        rebuild_cube(each)
        built += 1
    return built
