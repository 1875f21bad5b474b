"""Rebuilding the course summaries: in batches, a few queries per batch, one bulk write.

`refresh_summaries` is run by the "registry.refresh" job (registry.jobs) and by the demo; a
request never computes the dashboard's rows. It writes no audit event: it copies facts the
clinic already recorded into a derived table, shows nothing to anyone, and is re-runnable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from ketamine_care.core.ages import completed_years
from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.registry.cube_delta import keeping_cubes
from ketamine_care.registry.dosebins import store_dose_bins
from ketamine_care.registry.facts import gather
from ketamine_care.registry.models import CohortCube, CourseSummary
from ketamine_care.registry.rows import SummaryRow, summary_row

BATCH_SIZE = 500  # courses per batch when nothing else reads or writes (synth)
# Courses per batch when the batch also keeps the cohort cube: its transaction holds the
# summary rows a request's stale mark updates, so it stays short (docs/PERFORMANCE.md).
KEPT_BATCH_SIZE = 200
ROW_FIELDS = (
    "clinic", "patient", "protocol_id", "indication", "sex", "age_at_start", "start_date",
    "instrument", "baseline_total", "first_session_date", "sessions", "induction_end_date",
    "followup_days", "response_induction", "remission_induction", "response_3m",
    "remission_3m", "response_6m", "remission_6m", "response_12m", "remission_12m",
    "first_response_day", "observed_days", "relapse_event", "relapse_days", "early_4h",
    "early_24h", "early_day7", "analysable", "expected_measures", "received_measures",
    "adverse_events", "bp_alerts", "cadss_peak", "stale", "refreshed_at",
)  # fmt: skip


@dataclass(frozen=True)
class RefreshResult:
    courses: int
    batches: int


def _plans(clinic=None, patients=None):
    plans = TreatmentPlan.objects.exclude(status=PlanStatus.CANCELLED)
    if clinic is not None:
        plans = plans.filter(patient__clinic=clinic)
    if patients is not None:
        plans = plans.filter(patient__in=patients)
    return plans.order_by("id")


def _batches(plans, size: int) -> Iterator[list[TreatmentPlan]]:
    """Keyset batches of plans with what the rows read of them loaded."""
    last = 0
    while True:
        batch = list(
            plans.filter(id__gt=last)
            .select_related("patient__clinic", "protocol_version")
            .prefetch_related("visits")[:size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _summary(plan: TreatmentPlan, row: SummaryRow, safety, now) -> CourseSummary:
    patient = plan.patient
    points = row.at_time_points
    return CourseSummary(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        plan_id=plan.id,
        protocol_id=plan.protocol_id,
        indication=plan.protocol_version.definition.get("indications", [""])[0],
        sex=patient.sex,
        age_at_start=max(completed_years(patient.date_of_birth, plan.start_date), 0),
        start_date=plan.start_date,
        instrument=row.instrument,
        baseline_total=row.baseline_total,
        first_session_date=row.first_session_date,
        sessions=row.sessions,
        induction_end_date=row.induction_end_date,
        followup_days=row.followup_days,
        response_induction=row.at_induction_end.response,
        remission_induction=row.at_induction_end.remission,
        response_3m=points["3m"].response,
        remission_3m=points["3m"].remission,
        response_6m=points["6m"].response,
        remission_6m=points["6m"].remission,
        response_12m=points["12m"].response,
        remission_12m=points["12m"].remission,
        first_response_day=row.first_response_day,
        observed_days=row.observed_days,
        relapse_event=row.relapse_event,
        relapse_days=row.relapse_days,
        early_4h=row.early["4h"],
        early_24h=row.early["24h"],
        early_day7=row.early["day7"],
        analysable=row.analysable,
        expected_measures=row.expected_measures,
        received_measures=row.received_measures,
        adverse_events=safety.adverse_events,
        bp_alerts=safety.bp_alerts,
        cadss_peak=safety.cadss_peak,
        stale=False,
        refreshed_at=now,
    )


def _write(rows: list[CourseSummary]) -> None:
    """Insert or update the rows. An existing row's `stale` flag is left as it is: the batch
    cleared it before reading (`_build`), so a change that committed since has set it again."""
    with transaction.atomic():
        CourseSummary.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["plan"],
            update_fields=[f for f in ROW_FIELDS if f != "stale"],
        )


def _build(batch: list[TreatmentPlan], todays: dict[int, date], *, settled: bool) -> None:
    """Compute and write the rows of `batch`, never marking current a row that a change
    raced. The stale flags are cleared BEFORE the course is read: a change committed after
    that marks its row stale again (its mark runs after its commit) and the write keeps the
    mark. A course's first row cannot be marked before it exists, so a new row is read and
    written a second time once it exists, unless nothing else writes (`settled`: synth)."""
    ids = [plan.id for plan in batch]
    CourseSummary.objects.filter(plan_id__in=ids, stale=True).update(stale=False)
    existing = set(CourseSummary.objects.filter(plan_id__in=ids).values_list("plan_id", flat=True))
    for plan in batch:
        clinic = plan.patient.clinic
        if clinic.id not in todays:
            todays[clinic.id] = clinic_today(clinic)
    rounds = [batch]
    new = [plan for plan in batch if plan.id not in existing]
    if new and not settled:
        rounds.append(new)
    for plans in rounds:
        now = timezone.now()
        gathered = gather(plans, todays)
        rows = [
            _summary(p, summary_row(gathered.facts[p.id]), gathered.safety[p.id], now)
            for p in plans
        ]
        _store(rows, plans, settled=settled)


def _kept(patient_ids: set, *, settled: bool):
    """The cube changes in the batch's transaction (`cube_delta`), unless nothing else
    reads or writes (`settled`: synth outdates the cube and rebuilds it after)."""
    return nullcontext() if settled else keeping_cubes(patient_ids)


def _store(rows: list[CourseSummary], plans: list[TreatmentPlan], *, settled: bool) -> None:
    """One short transaction per batch: the summaries, their dose bins, their patients'
    course counts and, with them, the cohort cube."""
    patient_ids = {plan.patient_id for plan in plans}
    with transaction.atomic(), _kept(patient_ids, settled=settled):
        _write(rows)
        store_dose_bins(p.id for p in plans)
        if not settled:
            count_patient_courses(patients=patient_ids)


def refresh_summaries(
    *,
    clinic=None,
    patients: Iterable | None = None,
    batch_size: int | None = None,
    settled: bool = False,
) -> RefreshResult:
    """(Re)build the summary rows of every course of `clinic` (all clinics when None),
    or of `patients` only. Rows of cancelled plans are removed. `settled=True` only where
    nothing else writes meanwhile (synth, which owns its database)."""
    if patients is not None:
        patients = list(patients)
    if settled:
        outdate_cubes(clinic=clinic, patients=patients)
    _drop_cancelled(clinic, patients, settled=settled)
    courses = batches = 0
    todays: dict[int, date] = {}
    size = batch_size or (BATCH_SIZE if settled else KEPT_BATCH_SIZE)
    for batch in _batches(_plans(clinic, patients), size):
        _build(batch, todays, settled=settled)
        courses += len(batch)
        batches += 1
    if settled:
        count_patient_courses(clinic=clinic, patients=patients)
        outdate_cubes(clinic=clinic, patients=patients)
    return RefreshResult(courses=courses, batches=batches)


def _drop_cancelled(clinic, patients, *, settled: bool) -> None:
    """Remove the rows of cancelled plans, with the cube's share of them."""
    rows = _scope(clinic, patients).filter(plan__status=PlanStatus.CANCELLED)
    patient_ids = set(rows.values_list("patient_id", flat=True))
    if patient_ids:
        with transaction.atomic(), _kept(patient_ids, settled=settled):
            rows.delete()
            count_patient_courses(patients=patient_ids)


def _scope(clinic=None, patients=None):
    rows = CourseSummary.objects.all()
    if clinic is not None:
        rows = rows.filter(clinic=clinic)
    if patients is not None:
        rows = rows.filter(patient__in=patients)
    return rows


def count_patient_courses(*, clinic=None, patients=None) -> int:
    """Set each summary's `patient_courses` (its patient's summaries in all). Only the rows
    whose count changes are written (and locked): a refresh batch recounts its patients."""
    per_patient = (
        CourseSummary.objects.filter(patient_id=OuterRef("patient_id"))
        .values("patient_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = _scope(clinic, patients).exclude(patient_courses=Subquery(per_patient))
    return rows.update(patient_courses=Subquery(per_patient))


def outdate_cubes(*, clinic=None, patients=None) -> None:
    """The cohort cubes of these clinics are no longer current (the dashboard reads the
    summaries until the cube is rebuilt): before a bulk change that does not keep them
    (synth's settled refresh, `registry-refresh --cube-only`)."""
    cubes = CohortCube.objects.filter(current=True)
    if clinic is not None:
        cubes = cubes.filter(clinic=clinic)
    if patients is not None:
        cubes = cubes.filter(clinic__in=_scope(None, patients).values("clinic_id"))
    cubes.update(current=False)


def refresh_stale(*, clinic=None) -> RefreshResult:
    """Rebuild the rows marked stale, and build those of courses that have none yet (of
    `clinic`, or of every clinic)."""
    stale = CourseSummary.objects.filter(stale=True)
    if clinic is not None:
        stale = stale.filter(clinic=clinic)
    patient_ids = set(stale.values_list("patient_id", flat=True))
    missing = _plans(clinic).filter(course_summary__isnull=True)
    patient_ids |= set(missing.values_list("patient_id", flat=True))
    if not patient_ids:
        return RefreshResult(courses=0, batches=0)
    return refresh_summaries(clinic=clinic, patients=patient_ids)
