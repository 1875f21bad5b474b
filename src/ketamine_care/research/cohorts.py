"""De-identified cohort counts of a project's consenting patients, aggregated in SQL (never
a Python loop over patients): by protocol, by age band (10 years, top-coded at 90+) and by
sex. Only patients whose latest research consent is "given" (for the project's consent text
version, when it names one) are counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.patients.models import Sex
from ketamine_care.patients.queries import research_consenting
from ketamine_care.research.cells import SMALL_CELL, Cell, suppress, total_cell
from ketamine_care.research.deid import OLDEST_EXACT_AGE, TOP_CODE, age_band

BAND_WIDTH = 10
NO_PLAN = "none"


@dataclass(frozen=True)
class CohortCounts:
    total: Cell
    by_protocol: list[Cell]
    by_age_band: list[Cell]
    by_sex: list[Cell]


def consenting_patients(project):
    return research_consenting(project.clinic, consent_text_version=project.consent_text_version)


def consenting_count(project) -> int:
    return consenting_patients(project).count()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _age_band_counts(patients, today: date) -> dict[str, int]:
    """One query: a filtered COUNT per band over the dates of birth."""
    bands: dict[str, Q] = {}
    for low in range(0, OLDEST_EXACT_AGE + 1, BAND_WIDTH):
        high = min(low + BAND_WIDTH - 1, OLDEST_EXACT_AGE)
        bands[age_band(low, BAND_WIDTH)] = Q(
            date_of_birth__lte=_years_before(today, low),
            date_of_birth__gt=_years_before(today, high + 1),
        )
    bands[TOP_CODE] = Q(date_of_birth__lte=_years_before(today, OLDEST_EXACT_AGE + 1))
    aggregates = {f"band_{i}": Count("id", filter=q) for i, q in enumerate(bands.values())}
    row = patients.aggregate(**aggregates)
    counts = {key: row[f"band_{i}"] for i, key in enumerate(bands)}
    return {key: n for key, n in counts.items() if n}


def _protocol_counts(patients) -> dict[str, int]:
    rows = (
        TreatmentPlan.objects.filter(patient__in=patients.values("pk"))
        .exclude(status=PlanStatus.CANCELLED)
        .values("protocol_id")
        .annotate(n=Count("patient", distinct=True))
        .order_by("protocol_id")
    )
    return {row["protocol_id"]: row["n"] for row in rows}


def cohort_counts(project) -> CohortCounts:
    """The project's consenting patients counted three ways, small cells suppressed. A
    patient treated under two protocols counts once in each."""
    patients = consenting_patients(project)
    total = patients.count()
    if total < SMALL_CELL:  # too few to show any table: each cell would be small
        return CohortCounts(total_cell(total), [], [], [])
    sexes = dict(patients.order_by().values_list("sex").annotate(n=Count("id")))
    by_sex = {value: sexes.get(value, 0) for value in Sex.values if sexes.get(value)}
    by_protocol = _protocol_counts(patients)
    with_plan = TreatmentPlan.objects.filter(patient__in=patients.values("pk")).exclude(
        status=PlanStatus.CANCELLED
    )
    without_plan = total - with_plan.values("patient").distinct().count()
    if without_plan:
        by_protocol[NO_PLAN] = without_plan
    today = clinic_today(project.clinic)
    return CohortCounts(
        total=total_cell(total),
        by_protocol=suppress(by_protocol),
        by_age_band=suppress(_age_band_counts(patients, today)),
        by_sex=suppress(by_sex),
    )
