"""The treatment floor (active sessions, last vitals with trends, open alerts, discharge
countdown, the reading waiting for its recheck) with 30 chairs in monitoring, on a durable
PostgreSQL, as the sessions grow: 30, 300 and 3,600 readings per chair. The issue's goal:
growth <= 1.5x from 30 to 3,600 readings per chair.

Usage: .venv/bin/python benchmarks/floor_view.py [--sessions 30] [--sizes 30,300,3600]
       [--repeat N] [--warmup N]
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a durable throwaway cluster.
Each size is its own clinic of `--sessions` chairs whose readings (spread over the 90 minutes
since the dose) are bulk-inserted as the app writes them (`_readings.py`). Prints the median
server time of the full page and of the HTMX poll (Django test client, in process).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _readings import store_readings  # noqa: E402
from _sessions import monitoring_sessions  # noqa: E402
from _setup import measure, print_growth, print_header, start_django  # noqa: E402

GOAL = 1.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--sizes", default="30,300,3600")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def run(args) -> None:
    import logging

    # One log line per request would drown the figures.
    logging.getLogger("ketamine_care.request").setLevel(logging.WARNING)
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    sizes = [int(size) for size in args.sizes.split(",")]
    nurses, chairs = {}, {}
    for size in sizes:
        _, nurse, _, sessions = monitoring_sessions(
            args.sessions, f"FloorBench{size}x{time.time()}"
        )
        last_at = timezone.now() - timedelta(minutes=1)
        for session in sessions:
            every = timedelta(minutes=88) / size
            store_readings(session, nurse, size, last_at=last_at, every=every)
        nurses[size] = nurse
        chairs[size] = [session.pk for session in sessions]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print_header(f"floor view, {args.sessions} chairs, by readings per chair")
    htmx = {"HX-Request": "true", "HX-Target": "chairs"}
    pages, polls = [], []
    for size in sizes:
        web = Client()
        web.force_login(nurses[size])
        assert web.get("/sessions/").status_code == 200
        page = measure(lambda web=web: web.get("/sessions/"), args.repeat, args.warmup)
        poll = measure(
            lambda web=web: web.get("/sessions/", headers=htmx), args.repeat, args.warmup
        )
        print(f"   {size:>5,} per chair  page {page}")
        print(f"   {size:>5,} per chair  poll {poll}")
        pages.append((f"{size:>5,} readings per chair", page))
        polls.append((f"{size:>5,} readings per chair", poll))
    print_growth(f"floor page, {args.sessions} chairs", pages, GOAL)
    print_growth(f"floor poll (HTMX), {args.sessions} chairs", polls, GOAL)
    explain(chairs[sizes[-1]], sizes[-1])


def explain(session_ids: list[int], size: int) -> None:
    """The plan of the floor's latest-readings query at the largest size."""
    from django.db import connection

    from ketamine_care.treatment_sessions.latest_readings import lateral_sql

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + lateral_sql(),
            [session_ids, 2],
        )
        plan = [row[0] for row in cursor.fetchall()]
    print(f"-- EXPLAIN of the latest-readings query, {len(session_ids)} chairs x {size:,}")
    for line in plan:
        print(f"   {line}")


if __name__ == "__main__":
    main()
