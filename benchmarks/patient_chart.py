"""The patient chart as its history grows: 20, 520 and 5,200 rating-scale administrations, on
a durable PostgreSQL.

Each patient has weekly administrations of five instruments (PHQ-9, GAD-7, MADRS, QIDS-SR16,
PCL-5), the first week marked as the baseline, totals falling then drifting as a treated
course does. Prints, per size, the median server time (Django test client, in process, no
network) with its spread and the machine's load, the queries per request, and growth tables
for the chart page (HTML) and the chart API (the outcome summary, and the patient record).
Goal (issue 13): the 5,200-administration chart within 1.5x of the 20-administration one.
The sizes are timed in alternating rounds, so that load from others on a shared machine
weighs on every size alike.

The history is bulk-inserted (`bulk_create`, one statement per 1,000 rows), not recorded one
`record_administration` call at a time, but it is what that service writes: answers scored by
the real scorer (`instruments.scoring.score`), with the definition's version and digest, the
total, band, subscales, flags and risk it produced. Only the per-row audit events and alert
hooks are skipped, which the chart does not read.

Usage: .venv/bin/python benchmarks/patient_chart.py [--sizes 20,520,5200] [--repeat N]
       [--only administrations]
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a durable throwaway cluster.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ratings import scored_administration  # noqa: E402
from _setup import (  # noqa: E402
    bench_clinic_user,
    interleaved,
    print_growth,
    print_header,
    start_django,
)

INSTRUMENTS = ("phq9", "gad7", "madrs", "qids_sr16", "pcl5")
GOAL = 1.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,520,5200", help="administrations per patient")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="only the endpoints whose name has this")
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def fill(patient, user, administrations: int) -> None:
    """Weekly administrations of every instrument, `administrations` in all, bulk-inserted."""
    from django.utils import timezone

    from ketamine_care.demo.score_histories import answers_for_total
    from ketamine_care.instruments.definition import (
        content_digest,
        definition_content,
        load_definition,
    )
    from ketamine_care.instruments.models import Administration
    from ketamine_care.instruments.scoring import score

    rng = random.Random(11)
    weeks = administrations // len(INSTRUMENTS)
    start = timezone.now() - timedelta(weeks=weeks)
    scored = {}  # (code, total) -> the scorer's result: the same answers score the same
    rows = []
    for code in INSTRUMENTS:
        definition = load_definition(code)
        digest = content_digest(definition_content(code))
        top = definition.total_range.max
        for week in range(weeks):
            level = 0.65 - 0.35 * min(week, 12) / 12 + 0.1 * ((week // 26) % 2)
            total = min(top, max(0, round(top * level * rng.uniform(0.85, 1.15))))
            if (code, total) not in scored:
                fixed = {"phq9_9": 0} if code == "phq9" else None
                answers = answers_for_total(code, total, rng, fixed)
                scored[code, total] = score(definition, answers)
            result = scored[code, total]
            administered_at = start + timedelta(weeks=week, hours=rng.randint(0, 8))
            rows.append(
                scored_administration(
                    patient, user, definition, digest, result,
                    administered_at=administered_at, baseline=week == 0,
                )
            )  # fmt: skip
    Administration.objects.bulk_create(rows, batch_size=1000)


RECORDING = "recording a PHQ-9 (service, rolled back)"


def time_recording(api, user, patients: dict, args) -> None:
    """One PHQ-9 recorded through `record_administration` (scoring, alert rules, audit, the
    outcome snapshot's refresh), newest of the history, in a transaction rolled back so that
    every repeat meets the same history. The snapshots are read (and stored) first."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ketamine_care.instruments.services import record_administration

    answers = [1, 1, 1, 1, 1, 1, 1, 1, 0]

    def record(patient) -> None:
        with transaction.atomic():
            record_administration(patient=patient, instrument_code="phq9", answers=answers,
                                  time_point="follow_up", actor=user,
                                  administered_at=timezone.now())  # fmt: skip
            transaction.set_rollback(True)

    print(f"-- {RECORDING}: queries per recording")
    calls = {}
    for size, patient in patients.items():
        assert api.get(f"/api/v1/patients/{patient.public_id}/outcomes").status_code == 200
        queries = count_queries(connection, lambda p=patient: record(p))
        print(f"   {size:>5,} administrations: {queries:>3} queries")
        calls[f"{size:>5,} administrations"] = lambda p=patient: record(p)
    timings = interleaved(list(calls.values()), args.repeat, args.warmup)
    print_growth(RECORDING, list(zip(calls, timings, strict=True)), goal=GOAL)


def count_queries(connection, call) -> int:
    """The number of SQL statements `call` runs, whatever DEBUG says."""
    statements = []

    def counter(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        call()
    return len(statements)


def run(args) -> None:
    import logging

    from django.db import connection
    from django.test import Client

    from ketamine_care.testing.builders import make_patient

    logging.getLogger("ketamine_care.request").disabled = True  # one log line per request

    print_header("patient chart: growth with the number of administrations")
    clinic, user, token = bench_clinic_user("Chart Benchmark Clinic", "chart@bench.clinic")
    web = Client()
    web.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    sizes = [int(s) for s in args.sizes.split(",")]
    patients = {}
    for size in sizes:
        patient = make_patient(clinic=clinic, actor=user, mrn=f"CHART-{random.randint(0, 10**9)}")
        fill(patient, user, size)
        patients[size] = patient
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    endpoints = {
        "chart page (HTML)": (web, "/patients/{}/"),
        "chart API: outcome summary": (api, "/api/v1/patients/{}/outcomes"),
        "chart API: patient record": (api, "/api/v1/patients/{}"),
        "chart API: administrations (first page)": (api, "/api/v1/patients/{}/administrations"),
        "safety plan page (HTML)": (web, "/patients/{}/safety-plan/"),
    }
    if args.only:
        endpoints = {k: v for k, v in endpoints.items() if args.only in k}
    if not args.only or args.only in RECORDING:
        time_recording(api, user, patients, args)
    for name, (client, pattern) in endpoints.items():
        calls = {}
        print(f"-- {name}: queries per request and response size")
        for size in sizes:
            url = pattern.format(patients[size].public_id)
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            queries = count_queries(connection, lambda u=url, c=client: c.get(u))
            kib = len(response.content) / 1024
            print(f"   {size:>5,} administrations: {queries:>3} queries {kib:>6.0f} KiB")
            calls[f"{size:>5,} administrations"] = lambda u=url, c=client: c.get(u)
        timings = interleaved(list(calls.values()), args.repeat, args.warmup)
        print_growth(name, list(zip(calls, timings, strict=True)), goal=GOAL)


if __name__ == "__main__":
    main()
