"""The dashboard's figures as SQL aggregates over a cohort of course summaries.

Every function takes the cohort (`cohorts.filter_summaries(...)`, already scoped to one
clinic) and runs one aggregate query (or, for a curve, fetches the two columns it needs): the
database counts, Python never loops over the cohort's rows. Counts come in pairs: courses,
and distinct patients (small-cell suppression counts patients). docs/RESEARCH.md, "Clinic
outcomes dashboard", defines each figure.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, Floor

from ketamine_care.registry.dosebins import DOSE_BIN as DOSE_BIN  # the bar width, re-exported
from ketamine_care.registry.dosebins import active_doses, dose_band
from ketamine_care.registry.kept_aggregate import kept_aggregate
from ketamine_care.registry.models import CourseDoseBin, CourseSummary
from ketamine_care.registry.rows import load_windows

# A rate's time points: key, label, the summary column suffix, the "reached" condition.
INDUCTION = ("induction", "End of induction", Q(induction_end_date__isnull=False))


def time_points() -> list[tuple[str, str, Q]]:
    points = [INDUCTION]
    for p in load_windows().time_points:
        points.append((p.key, p.label, Q(followup_days__gte=p.course_day)))
    return points


EARLY_WINDOWS = (("4h", "4 hours"), ("24h", "24 hours"), ("day7", "Day 7"))
CADSS_BIN = 10  # points per bar of the dissociation histogram (CADSS totals 0-92)


def _field(key: str, measure: str) -> str:
    return f"{measure}_{key}"


def outcome_cells() -> dict[str, Q]:
    """Every cell the rates read, by name: the condition a course meets to be counted."""
    cells: dict[str, Q] = {
        "courses": Q(),
        "analysable": Q(analysable=True),
        "stale": Q(stale=True),
    }
    for key, _label, reached in time_points():
        cells[f"{key}_all"] = reached
        for measure in ("response", "remission"):
            column = _field(key, measure)
            known = reached & Q(analysable=True, **{f"{column}__isnull": False})
            cells[f"{column}_n"] = known
            cells[f"{column}_k"] = known & Q(**{column: True})
            cells[f"{column}_no"] = known & Q(**{column: False})
    for key, _label in EARLY_WINDOWS:
        column = f"early_{key}"
        cells[f"{column}_n"] = Q(**{f"{column}__isnull": False})
        cells[f"{column}_k"] = Q(**{column: True})
        cells[f"{column}_no"] = Q(**{column: False})
    return cells


def outcome_counts(rows: QuerySet[CourseSummary]) -> dict:
    """One query: for each time point, courses (`name`) and patients (`name_p`) that reached
    it; of those, the analysable ones with a known response (remission), and the responders
    (remitters) and non-responders among them. Plus the cohort's sessions and freshness.
    The query's SQL is built once per cohort shape (`kept_aggregate`)."""
    fields = {"agg_refreshed_at": CourseSummary._meta.get_field("refreshed_at")}
    shape = ("outcome_counts", load_windows().time_points)  # the cells' days are in the SQL
    result = kept_aggregate(rows, shape, _outcome_aggregate, fields)
    counts = {name.removeprefix("agg_").removesuffix("_c"): value for name, value in result.items()}
    counts = {name: value or 0 for name, value in counts.items() if name != "refreshed_at"}
    counts["refreshed_at"] = result["agg_refreshed_at"]
    return counts


def _outcome_aggregate(rows: QuerySet[CourseSummary]) -> dict:
    """`outcome_counts`' query as the ORM builds it.

    Patients are counted in two steps, not with one COUNT(DISTINCT) per cell (35 sorts of
    the cohort): the inner query groups the cohort's courses by patient, with each cell's
    course count; the outer one sums the courses and counts the patients with at least one."""
    cells = outcome_cells()
    # Aliases must not shadow the model's fields ("analysable", "sessions"): prefixed.
    per_patient = rows.values("patient").annotate(
        **{f"agg_{name}": Count("id", filter=q) for name, q in cells.items()},
        agg_sessions_sum=Coalesce(Sum("sessions"), 0),
        agg_refreshed=Max("refreshed_at"),
    )
    outer: dict = {
        "agg_sessions": Sum("agg_sessions_sum"),
        "agg_refreshed_at": Max("agg_refreshed"),
    }
    for name in cells:
        outer[f"agg_{name}_c"] = Sum(f"agg_{name}")
        outer[f"agg_{name}_p"] = Count("patient", filter=Q(**{f"agg_{name}__gt": 0}))
    return per_patient.aggregate(**outer)


def response_times(rows: QuerySet[CourseSummary]) -> list[tuple[int, bool, int]]:
    """(day of first response, or of the last rating when none yet; responded; how many
    courses) for the courses with a baseline and a rating after it: grouped in SQL, so a
    curve fetches one row per distinct day, not one per course."""
    return list(
        rows.filter(observed_days__isnull=False)
        .annotate(
            day=Coalesce("first_response_day", "observed_days"),
            responded=ExpressionWrapper(
                Q(first_response_day__isnull=False), output_field=BooleanField()
            ),
        )
        .values("day", "responded")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("day", "responded", "n")
    )


def relapse_times(rows: QuerySet[CourseSummary]) -> list[tuple[int, bool, int]]:
    """(days from first response to relapse or last rating, relapsed, how many courses) for
    the courses at risk, grouped in SQL."""
    return list(
        rows.filter(relapse_event__isnull=False)
        .values("relapse_days", "relapse_event")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("relapse_days", "relapse_event", "n")
    )


def relapse_patients(rows: QuerySet[CourseSummary]) -> int:
    return rows.filter(relapse_event__isnull=False).aggregate(n=Count("patient", distinct=True))[
        "n"
    ]


def safety_by_protocol(rows: QuerySet[CourseSummary]) -> list[dict]:
    """Per protocol: sessions, adverse events and blood-pressure alerts, and the patients
    with at least one of each."""
    return list(
        rows.values("protocol_id")
        .annotate(
            courses=Count("id"),
            patients=Count("patient", distinct=True),
            sessions_held=Coalesce(Sum("sessions"), 0),
            events=Coalesce(Sum("adverse_events"), 0),
            event_patients=Count("patient", distinct=True, filter=Q(adverse_events__gt=0)),
            alerts=Coalesce(Sum("bp_alerts"), 0),
            alert_patients=Count("patient", distinct=True, filter=Q(bp_alerts__gt=0)),
        )
        .order_by("protocol_id")
    )


def cadss_histogram(rows: QuerySet[CourseSummary]) -> list[dict]:
    """Courses (and patients) per band of peak CADSS total, CADSS_BIN points wide."""
    return list(
        rows.filter(cadss_peak__isnull=False)
        .annotate(bin=Floor(F("cadss_peak") / CADSS_BIN))
        .values("bin")
        .annotate(courses=Count("id"), patients=Count("patient", distinct=True))
        .order_by("bin")
    )


def dose_histogram(rows: QuerySet[CourseSummary]) -> list[dict]:
    """Ketamine doses (and patients) per band of mg/kg (the dose over the weight recorded at
    the session's pre-checks), DOSE_BIN wide: the reference path, over the session tables."""
    return list(
        active_doses(rows.values("plan_id"))
        .annotate(bin=dose_band())
        .values("bin")
        .annotate(doses=Count("id"), patients=Count("session__patient", distinct=True))
        .order_by("bin")
    )


def stored_dose_histogram(rows: QuerySet[CourseSummary]) -> list[dict]:
    """The same histogram from the bins the refresh stored per course (no session table)."""
    return list(
        CourseDoseBin.objects.filter(summary__in=rows)
        .values("bin")
        .annotate(doses=Sum("doses"), patients=Count("summary__patient", distinct=True))
        .order_by("bin")
    )


def completeness_by_protocol(rows: QuerySet[CourseSummary]) -> list[dict]:
    """Per protocol: the measures its schedule expected so far and those received."""
    return list(
        rows.values("protocol_id")
        .annotate(
            courses=Count("id"),
            patients=Count("patient", distinct=True),
            expected=Coalesce(Sum("expected_measures"), 0),
            received=Coalesce(Sum("received_measures"), 0),
            analysable_n=Count("id", filter=Q(analysable=True)),
            analysable_p=Count("patient", distinct=True, filter=Q(analysable=True)),
        )
        .order_by("protocol_id")
    )
