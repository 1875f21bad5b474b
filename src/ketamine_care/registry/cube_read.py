"""The dashboard's aggregates of one cohort: from the cohort cube when the clinic's cube is
current, from the course summaries (the reference SQL) otherwise.

From the cube, a cohort is the sum of its cells over the whole start months inside its date
range, plus, counted from the summaries by the reference SQL: the courses of patients with
several courses (`patient_courses > 1`) and the courses in the partial months at the range's
edges. The two parts hold disjoint courses and disjoint patients, so every count, patient
count, life table and histogram is the exact sum of the two; small cells are suppressed
after summing (`figures`), as on the reference path. A cube that is not current is never
read: the figures then come from the summaries, as fresh as they are.

The cube and the summaries beside it are read in one snapshot (`consistent_read`): a refresh
batch changes both in one transaction (`cube_delta`), so the figures are those before the
batch or after it, never a mix (which could count a patient twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum

from ketamine_care.registry import aggregates as sql
from ketamine_care.registry.cohorts import CohortFilter, filter_summaries
from ketamine_care.registry.cube import BY_PROTOCOL, CELL, REFRESHED, from_micros
from ketamine_care.registry.models import CohortCell, CohortCube


@dataclass
class Figures:
    """The aggregates the dashboard draws (as `aggregates` returns them)."""

    counts: dict
    completeness: list[dict]
    response_times: list = field(default_factory=list)
    relapse_times: list = field(default_factory=list)
    relapse_patients: int = 0
    safety: list[dict] = field(default_factory=list)
    cadss: list[dict] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    cube_built_at: datetime | None = None


@contextmanager
def consistent_read() -> Iterator[None]:
    """One snapshot for the figures' several queries. On PostgreSQL a read-only REPEATABLE
    READ transaction (it never waits for the job, nor the job for it); on SQLite a
    transaction (a reader's snapshot holds until it ends). Inside a caller's transaction
    the reads are that transaction's."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def reference_figures(rows: QuerySet, *, full: bool, stored_doses: bool = False) -> Figures:
    """Every aggregate by the reference SQL over the summaries `rows` (the dose histogram
    over the session tables, or over the stored bins with `stored_doses`)."""
    counts = sql.outcome_counts(rows)
    out = Figures(counts=counts, completeness=sql.completeness_by_protocol(rows))
    if full and counts["courses"]:
        out.response_times = sql.response_times(rows)
        out.relapse_times = sql.relapse_times(rows)
        out.relapse_patients = sql.relapse_patients(rows)
        out.safety = sql.safety_by_protocol(rows)
        out.cadss = sql.cadss_histogram(rows)
        histogram = sql.stored_dose_histogram if stored_doses else sql.dose_histogram
        out.doses = histogram(rows)
    return out


def whole_months(cohort: CohortFilter) -> tuple[date | None, date | None]:
    """The first day of the first whole month of the range and the last day of its last
    whole month (None: the range is open on that side)."""
    first = last = None
    if cohort.start_from:
        day = cohort.start_from
        first = day if day.day == 1 else (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    if cohort.start_to:
        day = cohort.start_to
        after = day + timedelta(days=1)
        last = day if after.day == 1 else day.replace(day=1) - timedelta(days=1)
    return first, last


def _cells(clinic, cohort: CohortFilter, first: date | None, last: date | None) -> QuerySet:
    """The cube rows to sum: a protocol's totals when the cohort names no more than the
    protocol, else the cells of its keys and whole months."""
    rolled = not (cohort.indication or cohort.sex or cohort.age_band or first or last)
    cells = CohortCell.objects.filter(clinic=clinic, level=BY_PROTOCOL if rolled else CELL)
    for dim, value in (
        ("protocol_id", cohort.protocol),
        ("indication", cohort.indication),
        ("sex", cohort.sex),
        ("age_band", cohort.age_band),
    ):
        if value:
            cells = cells.filter(**{dim: value})
    if first:
        cells = cells.filter(start_month__gte=first)
    if last:
        cells = cells.filter(start_month__lte=last)
    return cells


class _Sums:
    """The cube's grouped sums: per protocol, figure and key (one query)."""

    def __init__(self, cells: QuerySet) -> None:
        self.by: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
        self.refreshed: int | None = None
        grouped = cells.values("protocol_id", "figure", "key").annotate(
            total=Sum("n", filter=~Q(figure=REFRESHED)), top=Max("n")
        )
        for row in grouped.order_by():
            if row["figure"] == REFRESHED:
                self.refreshed = max(self.refreshed or row["top"], row["top"])
            else:
                self.by[row["protocol_id"]][row["figure"]][row["key"]] = row["total"]

    def total(self, figure: str, protocol: str | None = None) -> int:
        tables = [self.by[protocol]] if protocol else list(self.by.values())
        return sum(t.get(figure, {}).get(0, 0) for t in tables)

    def table(self, figure: str) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for tables in self.by.values():
            for key, n in tables.get(figure, {}).items():
                out[key] += n
        return out


def _counts(sums: _Sums, direct: dict, stale: dict) -> dict:
    counts = dict(direct)
    for name in sql.outcome_cells():
        cube = sums.total(f"c:{name}")
        counts[name] = direct[name] + cube
        counts[f"{name}_p"] = direct[f"{name}_p"] + cube  # one course per cube patient
    counts["sessions"] = direct["sessions"] + sums.total("sessions")
    times = [t for t in (direct["refreshed_at"], from_micros(sums.refreshed)) if t is not None]
    counts["refreshed_at"] = max(times, default=None)
    counts["stale"], counts["stale_p"] = stale["n"], stale["p"]  # read live: never cubed
    return counts


def _life_table(sums: _Sums, name: str, direct: list) -> list[tuple[int, bool, int]]:
    merged: dict[tuple[int, bool], int] = defaultdict(int)
    for day, event, n in direct:
        merged[(day, bool(event))] += n
    for event in (True, False):
        for day, n in sums.table(f"{name}:{int(event)}").items():
            merged[(day, event)] += n
    return sorted((day, event, n) for (day, event), n in merged.items())


def _histogram(direct: list, counts: dict[int, int], patients: dict[int, int], name: str):
    merged: dict[int, dict] = {}
    for row in direct:
        merged[int(row["bin"])] = {"bin": row["bin"], name: row[name], "patients": row["patients"]}
    for key, n in counts.items():
        row = merged.setdefault(key, {"bin": key, name: 0, "patients": 0})
        row[name] += n
        row["patients"] += patients.get(key, 0)
    return [merged[k] for k in sorted(merged)]


def _by_protocol(sums: _Sums, direct: list[dict], columns: dict[str, str]) -> list[dict]:
    """Per-protocol rows: the direct rows plus the cube's totals (`columns`: row key ->
    cube figure)."""
    merged = {row["protocol_id"]: dict(row) for row in direct}
    for protocol in sums.by:
        row = merged.setdefault(protocol, {"protocol_id": protocol, **dict.fromkeys(columns, 0)})
        for key, figure in columns.items():
            row[key] += sums.total(figure, protocol)
    return [merged[p] for p in sorted(merged)]


SAFETY = {
    "courses": "c:courses",
    "patients": "c:courses",
    "sessions_held": "sessions",
    "events": "events",
    "event_patients": "event_courses",
    "alerts": "alerts",
    "alert_patients": "alert_courses",
}
COMPLETENESS = {
    "courses": "c:courses",
    "patients": "c:courses",
    "expected": "expected",
    "received": "received",
    "analysable_n": "c:analysable",
    "analysable_p": "c:analysable",
}


def _direct(rows: QuerySet, cohort: CohortFilter, first, last) -> QuerySet:
    """The cohort's courses the cube does not hold: of patients with several courses, or in
    a partial month at an edge of the date range."""
    outside = Q(patient_courses__gt=1)
    if cohort.start_from and first != cohort.start_from:
        outside |= Q(start_date__lt=first)
    if cohort.start_to and last != cohort.start_to:
        outside |= Q(start_date__gt=last)
    return rows.filter(outside)


def cube_figures(clinic, cohort: CohortFilter, *, full: bool) -> Figures | None:
    """The cohort's aggregates from the clinic's cube; None when it has no current cube."""
    cube = CohortCube.objects.filter(clinic=clinic, current=True).first()
    if cube is None:
        return None
    rows = filter_summaries(clinic, cohort)
    first, last = whole_months(cohort)
    sums = _Sums(_cells(clinic, cohort, first, last))
    direct = _direct(rows, cohort, first, last)
    if direct.exists():
        part = reference_figures(direct, full=True, stored_doses=True)
    else:  # what `reference_figures` gives for no rows, without building its queries
        zero = {f"{name}{end}": 0 for name in sql.outcome_cells() for end in ("", "_p")}
        part = Figures(counts=zero | {"sessions": 0, "refreshed_at": None}, completeness=[])
    stale = rows.filter(stale=True).aggregate(n=Count("id"), p=Count("patient", distinct=True))
    counts = _counts(sums, part.counts, stale)
    out = Figures(
        counts=counts,
        completeness=_by_protocol(sums, part.completeness, COMPLETENESS),
        cube_built_at=cube.built_at,
    )
    if full and counts["courses"]:
        out.response_times = _life_table(sums, "response", part.response_times)
        out.relapse_times = _life_table(sums, "relapse", part.relapse_times)
        relapse = sums.table("relapse:1"), sums.table("relapse:0")
        out.relapse_patients = part.relapse_patients + sum(map(sum, (t.values() for t in relapse)))
        out.safety = _by_protocol(sums, part.safety, SAFETY)
        out.cadss = _histogram(part.cadss, sums.table("cadss"), sums.table("cadss"), "courses")
        doses = sums.table("dose")
        out.doses = _histogram(part.doses, doses, sums.table("dose_courses"), "doses")
    return out
