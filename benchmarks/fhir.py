"""The FHIR API on a durable PostgreSQL: search latency, Bulk `$export` throughput and
transaction-import throughput (issue 15).

Usage: .venv/bin/python benchmarks/fhir.py [--patients 100000] [--per-patient 10]
       [--repeat 50] [--import-bundles 5] [--bundle-patients 50]
       [--export-types Observation,Patient]

Data: `--patients` patients made by bulk SQL as `register_patient` writes them
(benchmarks/patient_search.py's `fill`), plus a second clinic with a tenth as many, and
`--per-patient` weighings per patient (`patients_bodymeasurement` rows as
`record_measurement` writes them: active, kg, a time in the past), each one weight
Observation (LOINC 29463-7). Measured in process (Django test client, no network; the
audit record of every request is written and committed, as in production):

- `GET /fhir/R4/Patient?name=<prefix>` and
  `GET /fhir/R4/Observation?patient=<id>&code=http://loinc.org|29463-7`: median and p95
  over `--repeat` requests after a warm-up, against the goal of < 30 ms;
- system `$export?_type=Patient,Observation` (`--export-types`): the worker's job run in
  this process (NDJSON files written to a temporary directory), resources per second,
  goal > 10,000/s;
- `POST /fhir/R4` transaction Bundles (generated Synthea-style, 6 resources per patient),
  resources per second.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import _time_ms, bench_clinic_user, machine_load, print_header, start_django  # noqa: E402
from patient_search import fill  # noqa: E402

# This file is named fhir.py: its folder must leave sys.path before anything imports the
# `fhir.resources` package, or `fhir` would resolve to this script.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in (_HERE, "")]

GOAL_MS = 30.0
GOAL_EXPORT = 10_000.0

MEASUREMENTS_SQL = """
INSERT INTO patients_bodymeasurement (
    public_id, created_at, updated_at, recorded_by_id, status, entered_in_error_reason,
    patient_id, measured_at, weight_kg, height_cm, entered_unit
)
SELECT gen_random_uuid(), now(), now(), %(user)s, 'active', '', p.id,
       now() - make_interval(days => k * 7 + (p.id %% 7)::int), 50 + (p.id * 7 + k) %% 60,
       NULL, 'metric'
FROM patients_patient p CROSS JOIN generate_series(1, %(per)s) AS k
WHERE p.clinic_id = %(clinic)s
"""


def fill_measurements(clinic, user, per: int) -> None:
    from django.db import connection

    from ketamine_care.patients.models import BodyMeasurement

    if BodyMeasurement.objects.filter(patient__clinic=clinic).exists():
        return
    with connection.cursor() as cursor:
        cursor.execute(MEASUREMENTS_SQL, {"user": user.pk, "per": per, "clinic": clinic.pk})
        cursor.execute("VACUUM ANALYZE patients_bodymeasurement")


def timed(call, repeat: int, warmup: int = 5) -> tuple[float, float]:
    """(median, p95) in ms."""
    for _ in range(warmup):
        call()
    samples = sorted(_time_ms(call) for _ in range(repeat))
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def system_token(clinic, user) -> str:
    from ketamine_care.accounts.models import Membership
    from ketamine_care.accounts.services import issue_api_token

    membership = Membership.objects.select_related("clinic", "user").get(user=user, clinic=clinic)
    return issue_api_token(membership=membership, scopes="system/*.read system/*.write")[1]


def search_rows(client, patient_id: str, repeat: int) -> list[tuple[str, float, float]]:
    def get(path, data):
        response = client.get(path, data)
        assert response.status_code == 200, response.content[:200]

    calls = [
        ("Patient?name=kalomar", lambda: get("/fhir/R4/Patient", {"name": "kalomar"})),
        ("Patient?name=ka (broad)", lambda: get("/fhir/R4/Patient", {"name": "ka"})),
        (
            "Observation?patient=..&code=29463-7",
            lambda: get(
                "/fhir/R4/Observation",
                {"patient": patient_id, "code": "http://loinc.org|29463-7"},
            ),
        ),
    ]
    return [(label, *timed(call, repeat)) for label, call in calls]


def export_rate(grant, types: list[str]) -> tuple[int, float, float]:
    """(resources, per second of wall time, per second of this process's CPU time): on a
    shared machine the second says what the worker itself costs, whatever the load."""
    from django.test import override_settings

    from ketamine_care.fhir import bulk
    from ketamine_care.fhir.models import BulkLevel

    with tempfile.TemporaryDirectory() as tmp, override_settings(FHIR_BULK_DIR=Path(tmp)):
        export = bulk.kick_off(
            grant=grant, level=BulkLevel.SYSTEM, types=types, since=None, request_url="/b"
        )
        started, cpu = time.perf_counter(), time.process_time()
        bulk.run_export(export.job)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        export.refresh_from_db()
        count = sum(o["count"] for o in export.output)
    return count, count / seconds, count / cpu


def import_rate(client, bundles: int, per_bundle: int) -> tuple[int, float]:
    import json

    from ketamine_care.testing.synthea import synthea_bundle

    bodies = [
        json.dumps(synthea_bundle(per_bundle, seed=n, prefix=f"IMP{n}-")) for n in range(bundles)
    ]
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/fhir/R4", body, content_type="application/fhir+json")
        assert response.status_code == 200, response.content[:300]
    seconds = time.perf_counter() - started
    resources = bundles * per_bundle * 6
    return resources, resources / seconds


def run(args) -> None:
    from django.test import Client

    from ketamine_care.accounts.models import Membership
    from ketamine_care.fhir.access import Grant
    from ketamine_care.patients.models import Patient

    clinic, user, _ = bench_clinic_user("FHIR Benchmark Clinic", "fhir@bench.clinic")
    Membership.objects.filter(user=user, clinic=clinic).update(role="medical_director")
    other, other_user, _ = bench_clinic_user("FHIR Second Clinic", "fhir-other@bench.clinic")
    fill(clinic, args.patients, "F")
    fill(other, args.patients // 10, "F")
    fill_measurements(clinic, user, args.per_patient)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {system_token(clinic, user)}")
    patient = Patient.objects.filter(clinic=clinic).order_by("pk")[args.patients // 2]
    print_header(
        f"FHIR: {args.patients:,} patients, {args.patients * args.per_patient:,} weight "
        f"Observations (+{args.patients // 10:,} patients in a second clinic)"
    )
    print(f"   {'request':<40} {'median':>9} {'p95':>9}  goal < {GOAL_MS:.0f} ms")
    for label, median, p95 in search_rows(client, str(patient.public_id), args.repeat):
        verdict = "met" if median < GOAL_MS else "NOT met"
        print(f"   {label:<40} {median:7.1f}ms {p95:7.1f}ms  {verdict}")
    membership = Membership.objects.select_related("clinic", "user").get(user=user, clinic=clinic)
    grant = Grant(membership=membership, context="system", patient_id=None)
    types = args.export_types.split(",")
    count, rate, cpu_rate = export_rate(grant, types)
    verdict = "met" if rate > GOAL_EXPORT else "NOT met"
    print(f"   system $export ({', '.join(types)}): {count:,} resources, {rate:,.0f}/s "
          f"(goal > {GOAL_EXPORT:,.0f}/s: {verdict}; {cpu_rate:,.0f} per second of the "
          f"worker's CPU time); {machine_load()}")  # fmt: skip
    resources, rate = import_rate(client, args.import_bundles, args.bundle_patients)
    print(f"   transaction import: {resources:,} resources in {args.import_bundles} bundles, "
          f"{rate:,.0f}/s; {machine_load()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--per-patient", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--import-bundles", type=int, default=5)
    parser.add_argument("--bundle-patients", type=int, default=50)
    parser.add_argument("--export-types", default="Observation,Patient")
    args = parser.parse_args()
    stop = start_django()
    # One log line per request would bury the figures.
    logging.getLogger("ketamine_care.request").setLevel(logging.WARNING)
    try:
        run(args)
    finally:
        stop()


if __name__ == "__main__":
    main()
