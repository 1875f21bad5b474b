"""The de-identified research export (issue 16 item 3) on a durable PostgreSQL:
`research.export.write_export`'s wall time at growing cohorts, Parquet and CSV together and
Parquet alone, with the cost of each table and how it grows with the number of patients.

Usage: nice -n 19 .venv/bin/python benchmarks/research_export.py [--sizes 1000,10000]
       [--sessions 4] [--repeat 3]
   or, against a database that already holds a clinic (e.g. one `synth` filled; the first
   export writes the project's research ids and offsets into it, so use a copy):
       DATABASE_URL=postgres://... nice -n 19 .venv/bin/python benchmarks/research_export.py \
           --existing "Synthetic Clinic" [--repeat 3] [--python] [--csv]

On PostgreSQL `write_export` makes each table with one SQL statement (research/export/
fast.py); `--python` also times the Python path (`sql=False`) once per size, for the ratio.

Data: one patient made through the services (the export tests' full patient: a course of 14
planned visits, a discharged session with its pre-checks, three readings and a dose, an
adverse event, a PHQ-9 with its nine answers, research consent), then copied with
`bulk_create` for each synthetic patient: the same rows the services wrote, with new keys,
each patient's own birth date, sex and dates (moved by the patient's own number of days),
`--sessions` sessions per patient, and its course summary (analysable for half of them).
The registry's `synth` (benchmarks/registry.py) measures the export at 10^4-10^6 patients
on realistic trajectories; this script isolates the export.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import Timing, machine_load, print_growth, print_header, start_django  # noqa: E402

# benchmarks/fhir.py would shadow the `fhir.resources` package: the folder leaves sys.path.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in (_HERE, "")]

BATCH = 2000


def copy_of(row, **changes):
    """A new unsaved row with `row`'s column values (not its keys), then `changes`."""
    model = type(row)
    values = {
        f.attname: getattr(row, f.attname)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name != "public_id"
    }
    values.update(changes)
    return model(**values)


def template(case) -> dict:
    """The full patient's rows, as the services wrote them."""
    from ketamine_care.instruments.models import Administration
    from ketamine_care.patients.models import ResearchConsent
    from ketamine_care.registry.models import CourseSummary
    from ketamine_care.registry.services import refresh_summaries
    from ketamine_care.treatment_sessions.models import (
        AdverseEvent,
        DoseAdministration,
        PreSessionChecks,
        VitalSignsReading,
    )

    refresh_summaries(clinic=case.clinic)
    session = case.session
    return {
        "patient": case.star,
        "plan": case.plan,
        "visits": list(case.plan.visits.all()),
        "session": session,
        "checks": PreSessionChecks.objects.get(session=session),
        "dose": DoseAdministration.objects.get(session=session),
        "readings": list(VitalSignsReading.objects.filter(session=session)),
        "event": AdverseEvent.objects.get(session=session),
        "rating": Administration.objects.get(pk=case.rating.pk),
        "consent": ResearchConsent.objects.filter(patient=case.star).first(),
        "summary": CourseSummary.objects.get(plan=case.plan),
    }


def _patients(t: dict, start: int, stop: int) -> list:
    from ketamine_care.patients.models import Patient

    rows = []
    for k in range(start, stop):
        born = date(1940, 1, 1) + timedelta(days=(k * 7919) % 23000)
        sex = ("female", "male")[k % 2]
        patient = copy_of(t["patient"], mrn=f"SYN-{k}", given_name="Syn", family_name=f"P{k}",
                          email="", phone="", sex=sex, date_of_birth=born)  # fmt: skip
        patient.refresh_search_fields()
        rows.append(patient)
    return Patient.objects.bulk_create(rows, batch_size=BATCH)


def _children(t: dict, patients: list, sessions: int) -> None:
    from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan

    days = {p.pk: timedelta(days=(int(p.mrn[4:]) * 37) % 700) for p in patients}
    plans = TreatmentPlan.objects.bulk_create(
        [copy_of(t["plan"], patient_id=p.pk, start_date=t["plan"].start_date + days[p.pk])
         for p in patients], batch_size=BATCH)  # fmt: skip
    PlannedVisit.objects.bulk_create(
        [copy_of(v, plan_id=plan.pk, date=v.date + days[plan.patient_id],
                 planned_date=v.planned_date + days[plan.patient_id])
         for plan in plans for v in t["visits"]], batch_size=BATCH)  # fmt: skip
    _sessions(t, patients, days, sessions)
    _ratings_and_summaries(t, patients, plans, days)


def _moved(row, shift: timedelta, **changes):
    """A copy of `row` with every date and time column moved by `shift`."""
    copy = copy_of(row, **changes)
    for f in type(row)._meta.concrete_fields:
        value = getattr(copy, f.attname)
        if f.get_internal_type() in ("DateTimeField", "DateField") and value is not None:
            setattr(copy, f.attname, value + shift)
    return copy


def _sessions(t: dict, patients: list, days: dict, per_patient: int) -> None:
    from ketamine_care.treatment_sessions.models import (
        AdverseEvent,
        DoseAdministration,
        PreSessionChecks,
        TreatmentSession,
        VitalSignsReading,
    )

    shifts = [(p, days[p.pk] + timedelta(days=3 * j)) for p in patients for j in range(per_patient)]
    made = TreatmentSession.objects.bulk_create(
        [_moved(t["session"], s, patient_id=p.pk) for p, s in shifts], batch_size=BATCH
    )
    pairs = list(zip(made, (s for _, s in shifts), strict=True))
    PreSessionChecks.objects.bulk_create(
        [_moved(t["checks"], s, session_id=m.pk) for m, s in pairs], batch_size=BATCH
    )
    DoseAdministration.objects.bulk_create(
        [_moved(t["dose"], s, session_id=m.pk) for m, s in pairs], batch_size=BATCH
    )
    VitalSignsReading.objects.bulk_create(
        [_moved(r, s, session_id=m.pk) for m, s in pairs for r in t["readings"]], batch_size=BATCH
    )
    AdverseEvent.objects.bulk_create(
        [_moved(t["event"], s, session_id=m.pk) for m, s in pairs[::per_patient]],
        batch_size=BATCH,
    )


def _ratings_and_summaries(t: dict, patients: list, plans: list, days: dict) -> None:
    from ketamine_care.instruments.models import Administration
    from ketamine_care.patients.models import ResearchConsent
    from ketamine_care.registry.models import CourseSummary

    Administration.objects.bulk_create(
        [_moved(t["rating"], days[p.pk] + timedelta(days=28 * j), patient_id=p.pk)
         for p in patients for j in range(2)], batch_size=BATCH)  # fmt: skip
    ResearchConsent.objects.bulk_create(
        [copy_of(t["consent"], patient_id=p.pk) for p in patients], batch_size=BATCH
    )
    CourseSummary.objects.bulk_create(
        [copy_of(t["summary"], patient_id=plan.patient_id, plan_id=plan.pk,
                 analysable=plan.pk % 2 == 0, start_date=plan.start_date)
         for plan in plans], batch_size=BATCH)  # fmt: skip


def grow(t: dict, have: int, want: int, sessions: int) -> None:
    """Add patients up to `want`, then ANALYZE: the planner must know the tables' sizes, as
    autovacuum would have told it on a database that grew by use."""
    from django.db import connection, transaction

    for start in range(have, want, BATCH):
        with transaction.atomic():
            _children(t, _patients(t, start, min(start + BATCH, want)), sessions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def backend_cpu_s() -> float | None:
    """CPU seconds the database server's process for this connection has used (Linux, the
    server on this machine), or None where /proc does not show it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: list[tuple[float, float | None]] = []  # (this process, the server's) CPU s per export


def one_export(
    project, csv: bool, sql: bool | None = None
) -> tuple[float, dict[str, float], dict[str, int]]:
    """(wall ms, ms per step, rows per table) of one export; its CPU seconds go to CPU."""
    from ketamine_care.research.export import write_export

    steps: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        steps[step] = (now - last[0]) * 1000
        last[0] = now

    with tempfile.TemporaryDirectory() as tmp:
        server, mine = backend_cpu_s(), time.process_time()
        started = time.perf_counter()
        manifest = write_export(project, Path(tmp) / "out", progress=progress, csv=csv, sql=sql)
        wall = (time.perf_counter() - started) * 1000
        after = backend_cpu_s()
        used = None if server is None or after is None else after - server
        CPU.append((time.process_time() - mine, used))
        return wall, steps, manifest.tables


def cpu_line(runs: int) -> str:
    """The last `runs` exports' median CPU seconds, this process and the server's."""
    mine = Timing.of([c[0] * 1000 for c in CPU[-runs:]]).median / 1000
    server = [c[1] for c in CPU[-runs:] if c[1] is not None]
    theirs = f"{Timing.of([s * 1000 for s in server]).median / 1000:.1f} s" if server else "n/a"
    return (
        f"CPU: this process {mine:.1f} s, the server for Django's connection {theirs} "
        "(median; the export's own ADBC connection is not counted)"
    )


def setup_case():
    from ketamine_care.accounts.models import Clinic, Role
    from ketamine_care.research.tests.export_fixtures import seed_cohort
    from ketamine_care.testing.base import make_user

    clinic = Clinic.objects.create(name="Research export benchmark")
    case = SimpleNamespace(clinic=clinic)
    for role in (Role.MEDICAL_DIRECTOR, Role.PRESCRIBER, Role.NURSE):
        setattr(case, role.value, make_user(f"{role.value}@bench.export", clinic, role.value))
    seed_cohort(case)
    return case


def _existing_project(clinic):
    from ketamine_care.accounts.models import Membership, User
    from ketamine_care.research.models import ResearchProject

    member = Membership.objects.filter(clinic=clinic).select_related("user").first()
    user = member.user if member else User.objects.filter(email="export@bench.export").first()
    user = user or User.objects.create_user("export@bench.export", "benchmark-password")
    project, _ = ResearchProject.objects.get_or_create(
        clinic=clinic, slug="export-benchmark",
        defaults={"name": "Export benchmark", "created_by": user},
    )  # fmt: skip
    return project


def per_table(runs: list) -> None:
    """Each table's median time over the runs, and its rows per second."""
    for step in runs[0][1]:
        ms = Timing.of([r[1][step] for r in runs]).median
        rows = runs[0][2].get(step)
        rate = f", {rows / ms * 1000:>11,.0f} rows/s" if rows and ms else ""
        print(
            f"     {step:<18} median {ms:9.1f} ms{rate}  ({rows if rows is not None else '-'} rows)"
        )


def existing(name: str, repeat: int, *, python: bool, csv: bool) -> None:
    """The export of a clinic already in the database: the first export (which makes the
    research ids and offsets it lacks), then `repeat` timed exports."""
    from ketamine_care.accounts.models import Clinic
    from ketamine_care.patients.models import Patient

    clinic = Clinic.objects.get(name=name)
    project = _existing_project(clinic)
    print(f"-- {Patient.objects.filter(clinic=clinic).count():,} patients in {name!r}; "
          f"{machine_load()}")  # fmt: skip
    first, _, _ = one_export(project, csv=False)
    print(f"   first export (research ids, offsets where missing) {first:.0f} ms")
    for label, with_csv in (("Parquet only ", False), ("Parquet + CSV", True)):
        if with_csv and not csv:
            continue
        runs = [one_export(project, with_csv) for _ in range(repeat)]
        print(f"   SQL path, {label} {Timing.of([r[0] for r in runs])}; {machine_load()}")
        print(f"     {cpu_line(repeat)}")
        per_table(runs)
    if python:
        slow = one_export(project, csv=False, sql=False)
        print(f"   Python path, Parquet only, once: {slow[0]:.0f} ms; {machine_load()}")
        print(f"     {cpu_line(1)}")
        per_table([slow])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--existing", metavar="CLINIC", help="export this clinic's patients")
    parser.add_argument("--python", action="store_true", help="also time the Python path")
    parser.add_argument("--csv", action="store_true", help="also time Parquet + CSV")
    args = parser.parse_args()
    stop = start_django()
    try:
        if args.existing:
            print_header(f"research export (write_export) of {args.existing!r}")
            existing(args.existing, args.repeat, python=args.python, csv=args.csv)
            return
        print_header("research export (write_export)")
        case = setup_case()
        t = template(case)
        results: dict[bool, list] = {True: [], False: []}
        have = 0
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            grow(t, have, size, args.sessions)
            have = size
            print(f"-- {size} synthetic patients (+6 seeded) made in "
                  f"{time.perf_counter() - started:.0f} s; {machine_load()}")  # fmt: skip
            first, _, _ = one_export(case.project, csv=True)
            print(f"   first export (makes new patients' research ids, offsets) {first:.0f} ms")
            for csv in (True, False):
                runs = [one_export(case.project, csv) for _ in range(args.repeat)]
                timing = Timing.of([r[0] for r in runs])
                results[csv].append((f"{size} patients", timing))
                label = "Parquet + CSV" if csv else "Parquet only "
                print(f"   {label} {timing}")
                slowest = sorted(runs[0][1].items(), key=lambda kv: -kv[1])[:4]
                print("     slowest steps: " + ", ".join(f"{k} {v:.0f} ms" for k, v in slowest))
            print("     rows: " + ", ".join(f"{k} {v}" for k, v in runs[0][2].items()))
            if args.python:
                slow = one_export(case.project, csv=False, sql=False)[0]
                print(f"   Python path, Parquet only, once: {slow:.0f} ms")
        print_growth("Parquet + CSV", results[True])
        print_growth("Parquet only", results[False])
    finally:
        stop()


if __name__ == "__main__":
    main()
