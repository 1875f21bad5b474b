"""Who is in an export: the project's consenting patients, their research ids and date
offsets made (in bulk) where missing, and the patients table, k-anonymised before anything
is written. Patients the check suppresses leave every table.

The quasi-identifiers are the patients table's age band, sex, protocol and start month (of
the first course; the month of its *shifted* date, which is what the file shows)."""

from __future__ import annotations

import secrets
from datetime import date
from zoneinfo import ZoneInfo

import pyarrow as pa
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.patients.queries import research_consenting
from ketamine_care.research import deid
from ketamine_care.research.export import columns as c
from ketamine_care.research.export.arrays import ages, month_of, shifted, typed
from ketamine_care.research.export.kanon import k_anonymise_table, map_values
from ketamine_care.research.export.scope import Scope, batches, count_of, offset, research_id
from ketamine_care.research.export.scope import scoped as _scoped
from ketamine_care.research.models import PatientShift, ResearchSubject
from ketamine_care.research.subjects import shifts_for, subjects_for

QUASI_IDENTIFIERS = ("age_band", "sex", "protocol", "start_month")
ANALYZE_AFTER = 1000  # new research ids and offsets made by one export


def consenting(project) -> QuerySet:
    """Primary keys of the project's clinic's patients whose latest research consent is
    given (for the project's consent text version, when it names one)."""
    patients = research_consenting(
        project.clinic, consent_text_version=project.consent_text_version
    )
    return patients.values("pk")


def make_secrets(project, cohort: str) -> None:
    """Research ids and date offsets for the patients of the cohort table `cohort` (made by
    `cohort_table`) who have none yet; a few queries per chunk of patients, and nothing to
    do on the next export."""
    made = len(subjects_for(project, _without(cohort, ResearchSubject, project_id=project.pk)))
    made += len(shifts_for(_without(cohort, PatientShift)))
    if made > ANALYZE_AFTER and connection.vendor == "postgresql":
        # The tables every export query joins just grew: without fresh statistics the
        # planner would take them for nearly empty and loop over them row by row.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE research_researchsubject, research_patientshift")


def _without(cohort: str, model, **match: int) -> list[int]:
    """The ids in the cohort table with no row of `model` (for `match`'s values). NOT
    EXISTS, not NOT IN: PostgreSQL runs it as an anti-join (NOT IN over a subquery it cannot
    hash scans the subquery once per patient: hours at a million patients); and over the
    cohort's own rows, not every patient of the database joined to the cohort (half the
    time at a million patients, no parallel workers)."""
    table = connection.ops.quote_name(model._meta.db_table)
    where = "".join(f" AND s.{connection.ops.quote_name(name)} = %s" for name in match)
    sql = (
        f"SELECT c.pk FROM {cohort} c WHERE NOT EXISTS "  # names made here, never input
        f"(SELECT 1 FROM {table} s WHERE s.patient_id = c.pk{where})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(match.values()))
        return [row[0] for row in cursor.fetchall()]


def cohort_table(project) -> str:
    """A temporary table of the consenting patients' ids, made once per export. Every table's
    query reads it rather than deciding each patient's latest consent again, and the planner
    knows its size: a filter on each patient's latest consent row is estimated at a row or
    two, which turned the joins into loops over whole tables (minutes at 10,000 patients)."""
    name = f"research_export_{secrets.token_hex(6)}"
    sql, params = consenting(project).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {name}")
    return name


def drop_cohort_table(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def scope_for(project, table: str) -> Scope:
    """The export's scope over the cohort table `table` (made by `cohort_table`)."""
    patients = RawSQL(f"SELECT * FROM {table}", [])  # a name made here, never input
    make_secrets(project, table)
    zone = ZoneInfo(project.clinic.time_zone)
    return Scope(project=project, patients=patients, zone=zone, cohort=table)


def _first_plan(field: str) -> Subquery:
    plans = TreatmentPlan.objects.filter(patient_id=OuterRef("pk")).order_by("start_date", "pk")
    return Subquery(plans.values(field)[:1])


def _patients_query(scope: Scope) -> QuerySet:
    patients = _scoped(scope.project.clinic.patients.all(), scope, "")
    return patients.annotate(
        rid=F(research_id("")),
        shift=F(offset("")),
        first_start=_first_plan("start_date"),
        first_protocol=_first_plan("protocol_id"),
        plans=count_of(TreatmentPlan.objects.filter(patient_id=OuterRef("pk"))),
    ).order_by("pk")


FIELDS = ["rid", "shift", "sex", "date_of_birth", "first_start", "first_protocol", "plans"]


def _patients_batch(row: dict, today: date) -> pa.RecordBatch:
    starts = row["first_start"]
    age_on = [start or today for start in starts]
    bands = map_values(ages(row["date_of_birth"], age_on), lambda age: deid.age_band(int(age)))
    arrays = [
        typed(row["rid"], pa.string()),
        typed(row["sex"], pa.string()),
        bands.cast(pa.string()),
        typed(row["first_protocol"], pa.string()),
        month_of(shifted(starts, row["shift"])),
        typed(row["plans"], pa.int64()),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=c.PATIENTS.schema)


def patients_table(scope: Scope, today: date) -> tuple[pa.Table, deid.KAnonymityReport]:
    """The k-anonymous patients table (generalised, small classes suppressed) and the report;
    `scope.suppressed` receives the research ids removed."""
    parts = [_patients_batch(row, today) for row in batches(_patients_query(scope), FIELDS)]
    table = pa.Table.from_batches(parts, schema=c.PATIENTS.schema)
    anonymous, report = k_anonymise_table(table, QUASI_IDENTIFIERS)
    kept = set(anonymous.column("research_id").to_pylist())
    scope.suppressed = set(table.column("research_id").to_pylist()) - kept
    return anonymous, report
