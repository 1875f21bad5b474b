"""One production app server under load: `ketamine-care serve` (gunicorn, 4 workers) on a
throwaway PostgreSQL, production settings (DEBUG off, HTTPS as a proxy reports it), nurses
with API bearer tokens driving the mixed clinical workload (patient search, chart reads,
vitals batches, score entries) at 8, 32 and 64 concurrent clients. Beside each level, the same
number of clients asks only `/healthz` (one `SELECT 1`): the framework's ceiling on this
machine, against which the clinical figures read.

Usage: .venv/bin/python benchmarks/serve.py [--clients 8,32,64] [--requests 600] [--workers 4]
       (or: make bench-serve; not part of make test)
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a throwaway cluster. A
failure is an answer of 500 or more, or no answer at all. Prints one row per level and load.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from concurrency import _configure, _free_port  # noqa: E402

# Relative weights of the mixed workload's operations.
MIX = {"search": 20, "chart": 30, "vitals": 30, "score": 20}


def _start_serve(port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "ketamine_care", "serve", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--timeout", "120", "--no-collectstatic"]
    server = subprocess.Popen(command, env=os.environ.copy())
    probe = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("serve did not start") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("serve did not answer /healthz within 120 s")


def _mixed_client_class():
    from ketamine_care.testing.traffic import Client

    class MixedClient(Client):
        def run(self, requests: int) -> None:
            kinds, weights = list(MIX), list(MIX.values())
            serial = 0
            while len(self.outcomes) < requests:
                serial += 1
                getattr(self, f"_{self.rng.choices(kinds, weights)[0]}")(serial)

        def _search(self, serial: int) -> None:
            self.call("search", "GET", "/patients?q=Chair")

        def _chart(self, serial: int) -> None:
            patient = self.rng.choice(self.ward.patients)
            path = self.rng.choice([f"/patients/{patient}", f"/patients/{patient}/administrations"])
            self.call("chart", "GET", path)

    return MixedClient


class HealthClient:
    def __init__(self, port: int) -> None:
        self.port = port
        self.outcomes = []

    def run(self, requests: int) -> None:
        from ketamine_care.testing.traffic import Outcome

        for _ in range(requests):
            started = time.perf_counter()
            outcome = Outcome("healthz", "GET", "/healthz", 0, 0.0)
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
                response = connection.getresponse()
                response.read()
                connection.close()
                outcome.status = response.status
            except (OSError, http.client.HTTPException) as exc:
                outcome.error = repr(exc)
            outcome.ms = (time.perf_counter() - started) * 1000
            self.outcomes.append(outcome)


def _run(clients: list, per_client: int) -> tuple[list, float]:
    start = threading.Barrier(len(clients) + 1)

    def work(client) -> None:
        start.wait()
        client.run(per_client)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return [o for c in clients for o in c.outcomes], time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="8,32,64", help="comma-separated levels")
    parser.add_argument("--requests", type=int, default=600, help="requests per level and kind")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    os.environ.setdefault("AUDIT_HMAC_KEY", "benchmark-only-" + "a" * 40)
    os.environ.update(STATIC_MANIFEST="False", COLLECTSTATIC_ON_MIGRATE="False")

    stop_cluster = _configure()
    import random

    from ketamine_care.testing.traffic import summary
    from ketamine_care.testing.ward import seed_ward

    run = time.strftime("%H%M%S")
    wards = {
        n: seed_ward(clients=n, walks_per_client=0, name=f"Serve {n} Clinic {run}") for n in levels
    }
    mixed = _mixed_client_class()
    port = _free_port()
    server = _start_serve(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    rows, kinds = [], []
    try:
        for n in levels:
            per_client = max(5, args.requests // n)
            ward = wards[n]
            clients = [
                mixed(base, ward.tokens[i % len(ward.tokens)], ward, i, random.Random(i))
                for i in range(n)
            ]
            outcomes, seconds = _run(clients, per_client)
            rows.append((n, "mixed", summary(outcomes, seconds), os.getloadavg()[0]))
            for kind in ("search", "chart", "vitals", "score"):
                mine = [o for o in outcomes if o.kind.startswith(kind)]
                if mine:
                    kinds.append((n, kind, summary(mine, seconds)))
            outcomes, seconds = _run([HealthClient(port) for _ in range(n)], per_client)
            rows.append((n, "/healthz", summary(outcomes, seconds), os.getloadavg()[0]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        stop_cluster()

    print(
        f"\nketamine-care serve --workers {args.workers}, PostgreSQL ({os.cpu_count()} CPUs); "
        f"mixed = search {MIX['search']}%, chart {MIX['chart']}%, vitals batch "
        f"{MIX['vitals']}%, score entry {MIX['score']}%; load = 1-minute load average"
    )
    print(
        f"{'clients':>7} {'workload':>9} {'requests':>8} {'failures':>8} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'load':>5}"
    )
    for n, kind, s, load in rows:
        print(
            f"{n:>7} {kind:>9} {s['requests']:>8} {s['failures']:>8} {s['rps']:>7.1f} "
            f"{s['p50']:>7.0f} {s['p95']:>7.0f} {s['p99']:>7.0f} {load:>5.2f}"
        )
    print("\nthe mixed workload by operation (req/s: that operation's share of the throughput)")
    print(f"{'clients':>7} {'operation':>9} {'requests':>8} {'failures':>8} {'req/s':>7} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")  # fmt: skip
    for n, kind, s in kinds:
        print(
            f"{n:>7} {kind:>9} {s['requests']:>8} {s['failures']:>8} {s['rps']:>7.1f} "
            f"{s['p50']:>7.0f} {s['p95']:>7.0f} {s['p99']:>7.0f}"
        )
    if any(s["failures"] for _, _, s, _ in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
