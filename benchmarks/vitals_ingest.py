"""Batched vital-sign ingestion through the API on PostgreSQL, alerts evaluated on each write.

Usage: .venv/bin/python benchmarks/vitals_ingest.py [--sessions N] [--batches N] [--batch-size N]
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a throwaway cluster.
Each batch is one POST /api/v1/treatment-sessions/{id}/vitals (Django test client, in process:
no network), followed by a retry of the same batch (stores nothing). Target: >= 2,000
readings per second. Defaults: 30 chairs x 10 batches of 60 readings (600 per session, one a
second, sent newest-first). Alerts are re-evaluated over *all* of a session's readings after
each batch, so the rate falls as sessions grow (20 batches of 60 on 10 sessions: ~1,950/s).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sessions import monitoring_sessions  # noqa: E402
from _setup import start_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=60)
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def run(args) -> None:
    from django.test import Client
    from django.utils import timezone

    _, _, token, sessions = monitoring_sessions(args.sessions, "IngestBench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    run_id = int(time.time())
    start_at = timezone.now() - timedelta(minutes=80)
    bodies = []
    for batch in range(args.batches):
        for session in sessions:
            readings = [
                {
                    # One reading a second, batches interleaved and sent newest-first.
                    "measured_at": (
                        start_at + timedelta(seconds=batch * args.batch_size + i)
                    ).isoformat(),
                    "bp_systolic_mmhg": 120 + (i % 15),
                    "bp_diastolic_mmhg": 75 + (i % 10),
                    "heart_rate_bpm": 70 + (i % 20),
                    "spo2_percent": 97,
                    "respiratory_rate_per_min": 14,
                    "moaas": 5,
                }
                for i in reversed(range(args.batch_size))
            ]
            key = f"{run_id}-{session.public_id}-{batch}"
            bodies.append((session.public_id, {"idempotency_key": key, "readings": readings}))
    started = time.perf_counter()
    stored = 0
    for session_id, body in bodies:
        response = client.post(
            f"/api/v1/treatment-sessions/{session_id}/vitals", body, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        stored += response.json()["stored"]
    elapsed = time.perf_counter() - started
    retry_started = time.perf_counter()
    session_id, body = bodies[-1]
    again = client.post(
        f"/api/v1/treatment-sessions/{session_id}/vitals", body, content_type="application/json"
    ).json()
    retry_ms = (time.perf_counter() - retry_started) * 1000
    print(
        f"sessions {len(sessions)}, batches {len(bodies)} of {args.batch_size} readings, "
        f"stored {stored:,} in {elapsed:.2f} s"
    )
    print(f"ingestion with alerts evaluated: {stored / elapsed:,.0f} readings/s (target >= 2,000)")
    print(f"retry of one batch: stored {again['stored']}, duplicates {again['duplicates']}, "
          f"{retry_ms:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
