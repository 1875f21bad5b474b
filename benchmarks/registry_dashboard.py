"""The clinic outcomes dashboard's aggregates over the course summary table, on a durable
PostgreSQL, as the clinic grows: the whole clinic and one protocol, and the Kaplan-Meier
computation alone (two columns fetched, lifelines). The figures come from SQL over
`registry.CourseSummary`, never from a loop over rows, so the cost should follow the rows the
database scans, not Python.

Usage: .venv/bin/python benchmarks/registry_dashboard.py [--sizes 10000,100000]
       [--repeat N] [--warmup N]
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a durable throwaway cluster.
Each size is its own clinic: one real course through the services (screening, plan) whose
protocol version and verdict the bulk rows share; then patients, plans and summary rows are
bulk-inserted (1.5 courses per patient, two protocols) with values the refresh writes: outcome
facts only where a course is analysable and reached the time point, relapse only after a
response. (The issue's benchmark at 10^6 patients with `synth` and DuckDB is
`benchmarks/registry.py`.)
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The script's own folder goes last, not first: benchmarks/fhir.py must not shadow the
# `fhir.resources` package the app imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.append(str(HERE))

from _setup import measure, print_growth, print_header, start_django  # noqa: E402

BATCH = 5000
PROTOCOLS = ("iv-ketamine-trd", "esketamine-trd-label")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def _base_course(clinic):
    from ketamine_care.accounts.models import Membership, User
    from ketamine_care.patients import services as patients
    from ketamine_care.testing.builders import make_patient
    from ketamine_care.testing.treatment import activate_trd, treatable_plan

    def user(role):
        made = User.objects.create_user(
            f"{role}-{clinic.pk}@bench.registry", "benchmark-password", full_name=role.title()
        )
        Membership.objects.create(user=made, clinic=clinic, role=role)
        return made

    director, prescriber = user("medical_director"), user("prescriber")
    version = activate_trd(clinic=clinic, director=director)
    patient = make_patient(clinic=clinic, actor=prescriber, mrn="BENCH-0")
    patients.add_diagnosis(patient=patient, actor=prescriber, icd10_code="F33.2", label="MDD")
    plan = treatable_plan(patient=patient, version=version, prescriber=prescriber)
    membership = Membership.objects.select_related("clinic", "user").get(user=prescriber)
    return plan, membership


def _tri(rng, p_known, p_true):
    return None if rng.random() > p_known else rng.random() < p_true


def _summary_values(rng, start: date) -> dict:
    analysable = rng.random() < 0.6
    followup = rng.randint(0, 500)
    values = {
        "analysable": analysable,
        "followup_days": followup,
        "induction_end_date": start + timedelta(days=17) if followup >= 17 else None,
        "sessions": rng.randint(1, 30),
        "adverse_events": rng.choice((0, 0, 0, 1, 2)),
        "bp_alerts": rng.choice((0, 0, 0, 0, 1)),
        "cadss_peak": rng.choice((None, rng.randint(0, 60))),
        "expected_measures": (expected := rng.randint(4, 60)),
        "received_measures": rng.randint(0, expected),
        "instrument": "madrs",
    }
    for key, day in (("induction", 17), ("3m", 91), ("6m", 182), ("12m", 365)):
        known = analysable and followup >= day
        values[f"response_{key}"] = _tri(rng, 0.8, 0.5) if known else None
        values[f"remission_{key}"] = _tri(rng, 0.8, 0.3) if known else None
    for key in ("4h", "24h", "day7"):
        values[f"early_{key}"] = _tri(rng, 0.2, 0.4)
    if analysable:
        responded = rng.random() < 0.55
        values["observed_days"] = rng.randint(14, max(followup, 14))
        values["first_response_day"] = rng.randint(0, 40) if responded else None
        if responded:
            values["relapse_event"] = rng.random() < 0.4
            values["relapse_days"] = rng.randint(5, 300)
    return values


def populate(size: int, seed: int):
    """A clinic of `size` courses; returns the prescriber's membership."""
    from django.utils import timezone

    from ketamine_care.accounts.models import Clinic
    from ketamine_care.dosing.models import TreatmentPlan
    from ketamine_care.patients.models import Patient
    from ketamine_care.registry.models import CourseSummary

    rng = random.Random(seed)
    clinic = Clinic.objects.create(name=f"Registry benchmark {size}")
    base, membership = _base_course(clinic)
    now = timezone.now()
    made = 0
    while made < size:
        count = min(BATCH, size - made)
        people = Patient.objects.bulk_create(
            Patient(
                clinic=clinic, mrn=f"B{size}-{made + i}", given_name="Bench", family_name=f"P{i}",
                date_of_birth=date(1950 + rng.randint(0, 55), 1 + rng.randint(0, 11), 1),
                sex=rng.choice(("female", "male")), given_name_search="bench",
                family_name_search=f"p{i}", mrn_search=f"b{size}-{made + i}".lower(),
            )
            for i in range(max(count * 2 // 3, 1))
        )  # fmt: skip
        owners = [rng.choice(people) for _ in range(count)]
        starts = [date(2024, 1, 1) + timedelta(days=rng.randint(0, 700)) for _ in range(count)]
        protocols = [rng.choice(PROTOCOLS) for _ in range(count)]
        plans = TreatmentPlan.objects.bulk_create(
            TreatmentPlan(
                patient=owner, protocol_version=base.protocol_version, protocol_id=protocol,
                screening_verdict=base.screening_verdict, start_date=start,
                clinic_days=base.clinic_days, horizon_weeks=base.horizon_weeks,
                created_by=base.created_by,
            )
            for owner, start, protocol in zip(owners, starts, protocols, strict=True)
        )  # fmt: skip
        CourseSummary.objects.bulk_create(
            CourseSummary(
                clinic=clinic, patient=plan.patient, plan=plan, protocol_id=plan.protocol_id,
                indication="treatment_resistant_depression", sex=plan.patient.sex,
                age_at_start=plan.start_date.year - plan.patient.date_of_birth.year,
                start_date=plan.start_date, first_session_date=plan.start_date,
                refreshed_at=now, **_summary_values(rng, plan.start_date),
            )
            for plan in plans
        )  # fmt: skip
        made += count
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_coursesummary")
    return membership


def run(args) -> None:
    from ketamine_care.registry import aggregates as sql
    from ketamine_care.registry.cohorts import CohortFilter, filter_summaries
    from ketamine_care.registry.queries import clinic_dashboard
    from ketamine_care.registry.stats import kaplan_meier

    sizes = [int(s) for s in args.sizes.split(",")]
    print_header("Clinic outcomes dashboard over the course summaries")
    clinic_rows, protocol_rows, km_rows = [], [], []
    for size in sizes:
        membership = populate(size, seed=size)
        everyone, one = CohortFilter(), CohortFilter(protocol=PROTOCOLS[0])

        def relapse_curve(m=membership, cohort=everyone):
            times = sql.relapse_times(filter_summaries(m.clinic, cohort))
            return kaplan_meier(
                [t for t, _, _ in times], [e for _, e, _ in times], [n for *_, n in times]
            )

        clinic = measure(
            lambda m=membership, c=everyone: clinic_dashboard(m, c), args.repeat, args.warmup
        )
        protocol = measure(
            lambda m=membership, c=one: clinic_dashboard(m, c), args.repeat, args.warmup
        )
        km = measure(relapse_curve, args.repeat, args.warmup)
        label = f"{size:>9,} courses"
        print(f"   {label}: whole clinic {clinic}")
        print(f"   {label}: one protocol {protocol}")
        print(f"   {label}: Kaplan-Meier {km}")
        clinic_rows.append((label, clinic))
        protocol_rows.append((label, protocol))
        km_rows.append((label, km))
    print_growth("dashboard, whole clinic", clinic_rows)
    print_growth("dashboard, one protocol", protocol_rows)
    print_growth("Kaplan-Meier time to relapse (fetch + fit)", km_rows)


if __name__ == "__main__":
    main()
