"""The real workload through a real server: `ketamine-care serve` (gunicorn, 4 workers) on a
durable PostgreSQL, production settings (DEBUG off, HTTPS as a proxy reports it, one JSON log
line per request), nurses with API bearer tokens sending the mixed workload of issue 13
(patient search 50 %, chart reads 30 %, vitals batches 20 %) at 1, 8, 32 and 64 concurrent
clients. Beside each level the same clients ask only `/healthz` (one `SELECT 1`): the
framework's ceiling on this machine, against which the clinical figures read.

Usage: .venv/bin/python benchmarks/http_mixed.py [--clients 1,8,32,64] [--requests 800]
           [--rounds 1] [--workers 4] [--threads 1] [--patients 10000]    (or: make bench-mixed)
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a throwaway durable cluster
(benchmarks/_setup.py). The clinic is seeded as `_mixed_data.py` says. Each client is a
thread with one keep-alive connection (http.client); every level warms up before it is
measured. With `--rounds R` each level runs the mixed workload and /healthz in turn R times:
the load of a shared machine drifts within minutes, and a ceiling measured minutes away from
its workload moves the share with it. The share is then the median of the R rounds' shares
(with their range); latencies and CPU pool every round. An error is an answer of 500 or
more, or no answer at all. Prints, per level:
requests/s, p50/p95/p99, errors, the share of the /healthz ceiling, the CPU the app server
and PostgreSQL spent per request (from /proc), and the machine's load. The clients run on
the same machine and take CPU too: the ceiling pays the same price.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _http_load import (  # noqa: E402
    HealthClient,
    ProcessCpu,
    count_queries,
    mixed_client_class,
    pooled,
    postgres_pid,
    run_level,
)
from _setup import machine_load, print_header, start_django  # noqa: E402
from concurrency import LockWaits  # noqa: E402

MIX = {"search": 50, "chart": 30, "vitals": 20}
LEVELS = "1,8,32,64"
GOAL_SHARE, GOAL_P99_MS = 25.0, 300.0  # issue 13: >= 25 % of /healthz at 32; p99 < 300 ms at 64


def parse(mix: dict[str, int], levels: str, doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--clients", default=levels, help="comma-separated levels")
    parser.add_argument("--requests", type=int, default=800, help="measured requests per level")
    parser.add_argument("--rounds", type=int, default=1, help="mixed and /healthz in turn")
    parser.add_argument("--warmup", type=int, default=4, help="warm-up requests per client")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--patients", type=int, default=10_000, help="patients in the register")
    parser.add_argument("--weeks", type=int, default=52, help="weeks of ratings per chart")
    args = parser.parse_args()
    args.levels = [int(n) for n in args.clients.split(",")]
    args.mix = mix
    return args


def main(mix: dict[str, int] = MIX, levels: str = LEVELS, doc: str = __doc__) -> None:
    args = parse(mix, levels, doc)
    os.environ.update(
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        STATIC_MANIFEST="False",
        COLLECTSTATIC_ON_MIGRATE="False",
        KC_DATA_DIR=str(ROOT / "data" / "bench"),
    )
    (Path(os.environ["KC_DATA_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    stop_cluster = start_django()
    # This process only seeds and counts queries: its own request lines would drown the table.
    logging.getLogger("ketamine_care.request").disabled = True
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        stop_cluster()


def run(args: argparse.Namespace) -> None:
    import random

    from _mixed_data import seed_clinic

    from ketamine_care.testing.servers import start_serve

    print_header(f"ketamine-care serve --workers {args.workers} --threads {args.threads}")
    started = time.perf_counter()
    ward = seed_clinic(
        name=f"Mixed Clinic {time.strftime('%H%M%S')}",
        clients=max(args.levels),
        patients=args.patients,
        monitoring=16,
        weeks=args.weeks,
    )
    print(f"   seeded in {time.perf_counter() - started:.0f} s: {args.patients:,} patients, "
          f"16 charts with {args.weeks} weeks of ratings, 16 sessions in monitoring")  # fmt: skip
    mixed = mixed_client_class(args.mix)
    queries = count_queries(mixed, ward)
    log = Path(os.environ["KC_DATA_DIR"]) / "http_mixed-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as server_log:
        server = start_serve(
            os.environ, workers=args.workers, threads=args.threads, stderr=server_log
        )
    app_cpu, db_cpu = ProcessCpu(server.process.pid), ProcessCpu(postgres_pid())
    rows, kinds = [], []
    try:
        for n in args.levels:
            per_client = max(5, args.requests // n)
            clients = [
                mixed(server.base_url, ward.tokens[i % len(ward.tokens)], ward, i, random.Random(i))
                for i in range(n)
            ]
            health = [HealthClient(server.port) for _ in range(n)]
            mixed_row, health_row = run_rounds(args, clients, health, per_client, app_cpu, db_cpu)
            rows.append((n, "mixed", mixed_row))
            for kind in args.mix:
                mine = [o for o in mixed_row.outcomes if o.kind == kind]
                if mine:
                    kinds.append((n, kind, mine, mixed_row.seconds))
            rows.append((n, "/healthz", health_row))
    finally:
        server.stop()
    report(args, rows, kinds, queries, log)


def run_rounds(args, clients, health, per_client, app_cpu, db_cpu):
    """The level's mixed workload and its /healthz ceiling, in turn `args.rounds` times."""
    mixed_rounds, health_rounds, head, active = [], [], 0, 0
    for _ in range(max(1, args.rounds)):
        with LockWaits(interval=0.1) as waits:
            mixed_rounds.append(run_level(clients, per_client, args.warmup, app_cpu, db_cpu))
        head, active = head + waits.head, active + waits.active
        health_rounds.append(run_level(health, per_client, args.warmup, app_cpu, db_cpu))
    mixed_row, health_row = pooled(mixed_rounds), pooled(health_rounds)
    mixed_row.head_wait = 100 * head / active if active else 0.0
    mixed_row.shares = [
        m.stats["rps"] / h.stats["rps"] for m, h in zip(mixed_rounds, health_rounds, strict=True)
    ]
    return mixed_row, health_row


def report(args, rows, kinds, queries, log) -> None:
    from ketamine_care.testing.traffic import summary

    mix = ", ".join(f"{kind} {share} %" for kind, share in args.mix.items())
    print(f"\nmixed = {mix}; CPU = ms of CPU per request (app: gunicorn and its workers; db: "
          f"PostgreSQL; client: this process, the clients' threads); share = mixed req/s over "
          f"/healthz req/s at the same clients; head "
          f"wait = share of active backends waiting for an audit-chain head")  # fmt: skip
    print(f"{'clients':>7} {'workload':>9} {'requests':>8} {'errors':>6} {'req/s':>7} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'share':>6} {'app CPU':>7} "
          f"{'db CPU':>6} {'client':>6} {'head wait':>9} {'load':>5}")  # fmt: skip
    ceilings = {n: row.stats["rps"] for n, kind, row in rows if kind == "/healthz"}
    verdicts = []
    for n, kind, row in rows:
        s = row.stats
        share = f"{100 * _share(row, ceilings[n]):5.1f}%" if kind == "mixed" else "      "
        head = f"{row.head_wait:8.0f}%" if kind == "mixed" else ""
        print(f"{n:>7} {kind:>9} {s['requests']:>8} {s['failures']:>6} {s['rps']:>7.1f} "
              f"{s['p50']:>7.0f} {s['p95']:>7.0f} {s['p99']:>7.0f} {share:>6} "
              f"{row.app_ms:>7.1f} {row.db_ms:>6.1f} {row.client_ms:>6.1f} {head:>9} "
              f"{row.load:>5.2f}")  # fmt: skip
        if kind == "mixed" and n == 32:
            got = 100 * _share(row, ceilings[n])
            spread = ""
            if len(row.shares) > 1:
                low, high = 100 * min(row.shares), 100 * max(row.shares)
                spread = f", median of {len(row.shares)} rounds, range {low:.1f}-{high:.1f} %"
            verdicts.append(f"share at 32 clients {got:.1f} %{spread} (goal >= {GOAL_SHARE:.0f} %)")
        if kind == "mixed" and n == 64:
            verdicts.append(f"p99 at 64 clients {s['p99']:.0f} ms (goal < {GOAL_P99_MS:.0f} ms)")
    print("\nby operation (req/s: that operation's share of the mixed throughput)")
    print(f"{'clients':>7} {'operation':>9} {'requests':>8} {'errors':>6} {'req/s':>7} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'queries':>7}")  # fmt: skip
    for n, kind, outcomes, seconds in kinds:
        s = summary(outcomes, seconds)
        print(f"{n:>7} {kind:>9} {s['requests']:>8} {s['failures']:>6} {s['rps']:>7.1f} "
              f"{s['p50']:>7.0f} {s['p95']:>7.0f} {s['p99']:>7.0f} "
              f"{queries.get(kind, 0):>7}")  # fmt: skip
    errors = sum(row.stats["failures"] for _, _, row in rows)
    failed = Counter(
        f"{o.kind} {o.status or 'no answer'} {o.error[:80]}"
        for _, _, row in rows
        for o in row.outcomes
        if o.failed
    )
    for what, count in failed.most_common(5):
        print(f"   error x{count}: {what}")
    print("\n" + "; ".join([*verdicts, f"errors {errors} (goal 0)"]))
    print(f"{machine_load()}; server log: {log.name} in the data folder")
    if errors:
        raise SystemExit(1)


def _share(row, ceiling: float) -> float:
    """Mixed req/s over /healthz req/s: the median of the rounds' own shares when the level
    ran in rounds (each against the ceiling measured beside it), else the one run's."""
    return statistics.median(row.shares) if len(row.shares) > 1 else row.stats["rps"] / ceiling


if __name__ == "__main__":
    main()
