"""The patient chart with five years of measurement-based care, on PostgreSQL.

A patient with weekly administrations of five instruments over five years (1,300 in all;
150 of the weeks are session weeks whose ratings carry the pre-session time point), rendered
as the HTML chart (outcomes table, five SVG trajectories, their data tables) and as the API
outcome summary. Prints the median server time (Django test client, in process, no network)
and the number of queries per request. Target: chart under 100 ms median.

Usage: .venv/bin/python benchmarks/patient_chart.py [--weeks N] [--repeat N]
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a throwaway cluster.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import bench_clinic_user, median_ms, start_django  # noqa: E402

INSTRUMENTS = ("phq9", "gad7", "madrs", "qids_sr16", "pcl5")
SESSION_WEEKS = 150


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def fill(patient, user, weeks: int) -> None:
    """Bulk-load scored administrations (scored by the real pure scorer; set-up skips the
    per-row audit events that record_administration would write)."""
    from django.utils import timezone

    from ketamine_care.demo.score_histories import answers_for_total
    from ketamine_care.instruments.definition import load_definition
    from ketamine_care.instruments.models import Administration
    from ketamine_care.instruments.scoring import score

    rng = random.Random(11)
    start = timezone.now() - timedelta(weeks=weeks)
    rows = []
    for week in range(weeks):
        session_week = week % (weeks // SESSION_WEEKS or 1) == 0 and week // 2 < SESSION_WEEKS
        for code in INSTRUMENTS:
            definition = load_definition(code)
            top = definition.total_range.max
            level = 0.65 - 0.35 * min(week, 12) / 12 + 0.1 * ((week // 26) % 2)
            total = max(0, round(top * level * rng.uniform(0.85, 1.15)))
            fixed = {"phq9_9": 0} if code == "phq9" else None
            result = score(definition, answers_for_total(code, min(total, top), rng, fixed))
            rows.append(
                Administration(
                    patient=patient,
                    instrument_code=code,
                    definition_version=definition.version,
                    answers=result.item_values,
                    total=result.total,
                    band=result.band or "",
                    subscales=result.subscales,
                    flags=list(result.flags),
                    risk=result.risk or "",
                    administered_at=start + timedelta(weeks=week, hours=rng.randint(0, 8)),
                    time_point="baseline" if week == 0 else (
                        "pre_session" if session_week else "follow_up"),
                    source="clinician",
                    entered_by=user,
                )
            )  # fmt: skip
    Administration.objects.bulk_create(rows, batch_size=500)


def count_queries(connection, call):
    """(number of SQL statements run by `call`, its result), whatever DEBUG says."""
    statements = []

    def counter(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = call()
    return len(statements), result


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from ketamine_care.instruments.models import Administration
    from ketamine_care.testing.builders import make_patient

    clinic, user, token = bench_clinic_user("Chart Benchmark Clinic", "chart@bench.clinic")
    patient = make_patient(clinic=clinic, actor=user, mrn=f"CHART-{random.randint(0, 10**9)}")
    fill(patient, user, args.weeks)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    count = Administration.objects.filter(patient=patient).count()
    web = Client()
    web.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    chart = f"/patients/{patient.public_id}/"
    outcomes = f"/api/v1/patients/{patient.public_id}/outcomes"
    assert web.get(chart).status_code == 200
    chart_queries, size = count_queries(connection, lambda: len(web.get(chart).content))
    api_queries, _ = count_queries(connection, lambda: api.get(outcomes))
    chart_ms = median_ms(lambda: web.get(chart), args.repeat)
    api_ms = median_ms(lambda: api.get(outcomes), args.repeat)
    print(f"administrations: {count:,} ({len(INSTRUMENTS)} instruments, {args.weeks} weeks)")
    print(f"median of {args.repeat} requests (ms), queries per request, response size")
    print(f"{'chart page (HTML)':<28}{chart_ms:>8.1f} ms {chart_queries:>4} queries "
          f"{size / 1024:>7.0f} KiB")  # fmt: skip
    print(f"{'outcome summary (API)':<28}{api_ms:>8.1f} ms {api_queries:>4} queries")


if __name__ == "__main__":
    main()
