"""Many staff at once through a real server: `ketamine-care serve` (gunicorn) with 4 workers
on PostgreSQL, production settings (DEBUG off, a secret key, HTTPS as a proxy would report
it, 2FA on; the clients are nurses with API bearer tokens), and the mixed clinical traffic of
the concurrency test (`ketamine_care.testing.traffic`) at 2, 8, 32 and 64 concurrent clients.

Usage: .venv/bin/python benchmarks/concurrency.py [--clients 2,8,32,64] [--requests N]
           [--workers 4]    (or: make bench-concurrency)
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a throwaway cluster. Each
level gets a clinic of its own, seeded through the services. After each level the database is
checked (every acknowledged write stored once, lot balances, audit chains). A failure is an
answer of 500 or more, or no answer at all. Prints one row per level and the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _configure() -> Callable[[], None]:
    stop = lambda: None  # noqa: E731
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        from ketamine_care.testing.postgres import start_cluster

        cluster = start_cluster()
        os.environ["DATABASE_URL"] = cluster.url
        stop = cluster.stop
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ketamine_care.config.settings",
        DEBUG="False",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "benchmark-only-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        REQUIRE_2FA="True",
        LOG_LEVEL="ERROR",
        LOG_REQUESTS="False",
        KC_DATA_DIR=str(ROOT / "data" / "bench"),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return stop


class LockWaits:
    """Samples PostgreSQL's active backends every `interval` seconds (default 20 ms): how
    many are waiting for the audit chain head, how many for another row lock, how many are
    working. The head's share tells whether the per-clinic chain lock caps throughput.
    Sampling takes CPU from the machine it measures (a query of pg_stat_activity and its
    reading here, each time): `http_mixed.py`, which compares a workload's throughput with
    the /healthz ceiling measured without a sampler, samples every 100 ms."""

    SAMPLE = """
        SELECT wait_event_type = 'Lock' AND query LIKE '%%audit_auditchainhead%%',
               wait_event_type = 'Lock' AND query NOT LIKE '%%audit_auditchainhead%%'
        FROM pg_stat_activity
        WHERE state = 'active' AND backend_type = 'client backend'
          AND datname = current_database() AND pid <> pg_backend_pid()
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.head = self.rows = self.active = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self._stop.wait(self.interval):
                    cursor.execute(self.SAMPLE)
                    for on_head, on_row in cursor.fetchall():
                        self.active += 1
                        self.head += bool(on_head)
                        self.rows += bool(on_row)
        finally:
            connection.close()

    def share(self, count: int) -> float:
        return 100 * count / self.active if self.active else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="2,8,32,64", help="comma-separated levels")
    parser.add_argument(
        "--requests", type=int, default=600, help="requests per level (at least 12 per client)"
    )
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]

    stop_cluster = _configure()
    from ketamine_care.testing.servers import start_serve
    from ketamine_care.testing.traffic import run_traffic, summary
    from ketamine_care.testing.traffic_checks import check_database
    from ketamine_care.testing.ward import seed_ward

    run = time.strftime("%H%M%S")
    wards = {n: seed_ward(clients=n, name=f"Bench {n} Clinic {run}") for n in levels}
    server = start_serve(os.environ, workers=args.workers)
    rows = []
    try:
        for clients in levels:
            per_client = max(12, args.requests // clients)
            with LockWaits() as waits:
                outcomes, seconds = run_traffic(
                    server.base_url,
                    wards[clients],
                    clients=clients,
                    requests_per_client=per_client,
                )
            stats = summary(outcomes, seconds)
            problems = check_database(wards[clients], outcomes)
            rows.append((clients, stats, len(problems), waits, os.getloadavg()[0]))
            for problem in problems[:5]:
                print("  database:", problem)
    finally:
        server.stop()
        from django.db import connections

        connections.close_all()
        stop_cluster()

    print(
        f"\nketamine-care serve --workers {args.workers}, PostgreSQL, mixed clinical traffic "
        f"({os.cpu_count()} CPUs; load: 1-minute load average at the end of each level;\n"
        "head/rows wait: share of active database backends waiting for the audit-chain head /"
        " for another row lock)"
    )
    header = (
        f"{'clients':>7} {'requests':>8} {'failures':>8} {'fail %':>6} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'req/s':>6} {'head wait':>9} {'rows wait':>9} "
        f"{'db problems':>11} {'load':>5}"
    )
    print(header)
    for clients, s, problems, waits, load in rows:
        print(
            f"{clients:>7} {s['requests']:>8} {s['failures']:>8} {s['failure_pct']:>6.1f} "
            f"{s['p50']:>7.0f} {s['p95']:>7.0f} {s['p99']:>7.0f} {s['rps']:>6.1f} "
            f"{waits.share(waits.head):>8.0f}% {waits.share(waits.rows):>8.0f}% "
            f"{problems:>11} {load:>5.2f}"
        )
    if any(s["failures"] or problems for _, s, problems, _, _ in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
