"""A batch of 60 device readings through the API on a durable PostgreSQL, alerts evaluated on
each write, as the session grows: 0, 1,200, 3,600 and 14,400 readings already stored (a
monitor sending one a second for four hours). The issue's goal: the batch's cost depends on
the batch, not on the session's length (growth <= 1.5x from 0 to 14,400).

Usage: .venv/bin/python benchmarks/vitals_ingest.py [--sizes 0,1200,3600,14400]
       [--batch-size 60] [--repeat N] [--warmup N]
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a durable throwaway cluster.

Each size has its own session (IV infusion started 5 hours ago) whose stored readings are
bulk-inserted as the app writes them (`_readings.py`: checked values, digests, keys, then the
app's own alert refresh). Each measured call is one POST /api/v1/treatment-sessions/{id}/vitals
(Django test client, in process: no network) of the 60 readings that follow the stored ones,
sent newest-first, inside a transaction rolled back afterwards, so every repeat meets exactly
the stored size (the commit itself, the same for every size, is left out). The sizes are
measured in rounds, one batch of each per round, so a shared machine's drifting load weighs on
every size alike.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _readings import normal_reading, store_readings  # noqa: E402
from _sessions import monitoring_sessions  # noqa: E402
from _setup import interleaved, print_growth, print_header, start_django  # noqa: E402

GOAL = 1.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0,1200,3600,14400")
    parser.add_argument("--batch-size", type=int, default=60)
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
    name = f"IngestBench{int(time.time())}"
    _, nurse, token, sessions = monitoring_sessions(len(sizes), name, started_min_ago=300)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # Stored readings end 5 minutes ago, one a second; the batch follows them.
    last_at = timezone.now() - timedelta(minutes=5)
    for session, size in zip(sessions, sizes, strict=True):
        store_readings(session, nurse, size, last_at=last_at, every=timedelta(seconds=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print_header(f"vitals batch of {args.batch_size} readings, by readings already stored")
    posts = [batch_post(client, session, last_at, args) for session in sessions]
    stored = [session.readings.count() for session in sessions]  # size + the baseline reading
    timings = interleaved(posts, args.repeat, args.warmup)
    assert [session.readings.count() for session in sessions] == stored  # all rolled back
    rows = []
    for size, timing in zip(sizes, timings, strict=True):
        rows.append((f"{size:>6,} stored", timing))
        print(f"   {size:>6,} stored  {timing}")
    print_growth(f"vitals batch of {args.batch_size}, 0 -> {sizes[-1]:,} stored", rows, GOAL)


def batch_post(client, session, last_at, args):
    """One POST of the batch that follows the stored readings, rolled back afterwards."""
    from django.db import transaction

    body = {
        "idempotency_key": f"bench-{session.public_id}",
        "readings": [
            {"measured_at": (last_at + timedelta(seconds=i + 1)).isoformat(), **normal_reading(i)}
            for i in reversed(range(args.batch_size))
        ],
    }
    url = f"/api/v1/treatment-sessions/{session.public_id}/vitals"

    def post():
        with transaction.atomic():
            response = client.post(url, body, content_type="application/json")
            assert response.status_code == 201, response.content
            assert response.json()["stored"] == args.batch_size
            transaction.set_rollback(True)

    return post


if __name__ == "__main__":
    main()
