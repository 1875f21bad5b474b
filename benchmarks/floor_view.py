"""The treatment floor (active sessions, last vitals with trends, open alerts, discharge
countdown) with 30 sessions in monitoring on PostgreSQL.

Usage: .venv/bin/python benchmarks/floor_view.py [--sessions N] [--readings N] [--repeat N]
Prints the median server time (Django test client, in process). Target: under 100 ms.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sessions import monitoring_sessions  # noqa: E402
from _setup import median_ms, start_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--readings", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        stop()


def run(args) -> None:
    from django.test import Client
    from django.utils import timezone

    from ketamine_care.treatment_sessions import services

    _, nurse, _, sessions = monitoring_sessions(args.sessions, "FloorBench")
    for session in sessions:
        if session.readings.count() >= args.readings:
            continue
        now = timezone.now()
        services.record_vitals(
            session=session,
            actor=nurse,
            readings=[
                {
                    "measured_at": now - timedelta(minutes=3 * i),
                    "bp_systolic_mmhg": 118 + i % 9,
                    "bp_diastolic_mmhg": 76,
                    "heart_rate_bpm": 72 + i % 5,
                    "spo2_percent": 97,
                    "moaas": 5,
                }
                for i in range(args.readings)
            ],
        )
    web = Client()
    web.force_login(nurse)
    htmx = {"HX-Request": "true", "HX-Target": "chairs"}
    assert web.get("/sessions/").status_code == 200
    page_ms = median_ms(lambda: web.get("/sessions/"), args.repeat)
    poll_ms = median_ms(lambda: web.get("/sessions/", headers=htmx), args.repeat)
    print(f"active sessions: {len(sessions)}, readings each: >= {args.readings}")
    print(f"floor page (full HTML)      median {page_ms:6.1f} ms (target < 100 ms)")
    print(f"floor refresh (HTMX poll)   median {poll_ms:6.1f} ms")


if __name__ == "__main__":
    main()
