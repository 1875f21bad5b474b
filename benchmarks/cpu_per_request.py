"""CPU per request of the mixed workload's operations, in process: the CPU time
(`time.process_time`) this process spends answering one request through Django's test client,
on a durable PostgreSQL, beside `/healthz`. Unlike requests per second through a server, CPU
time per request hardly moves with what else runs on a shared machine, so it is the figure to
compare before and after a change.

Operations: patient search (`GET /patients?q=`, the search shapes of `_mixed_data.SEARCHES` in
turn), the chart (`GET /patients/<id>`), the chart's administrations
(`GET /patients/<id>/administrations`, a year of weekly ratings of three scales: 156 rows), a
vitals batch of 60 readings (`POST /treatment-sessions/<id>/vitals`, committed, each batch to
the next of the sessions in monitoring, a few thousand readings in all: the batch's cost does
not grow with the session's readings, docs/PERFORMANCE.md "Vitals and the floor"), a late
vitals batch as `http_mixed.py` sends it (`vitals_late`: two readings, one 5 s old, so its
alerts resume a little way back; not in the mixed request below) and `/healthz`.
The clinic is `_mixed_data.seed_clinic` (bulk-inserted rows the app's own code would write).
The operations are timed in rounds, one request of each per round, so a drifting load weighs
on all alike. Prints, per operation: median CPU ms with IQR and range, queries per request,
the database's CPU per request (PostgreSQL's processes from /proc, summed over the run and
divided by the requests: coarse, 10 ms ticks), and the machine's load. Then the share of the
`/healthz` ceiling a mixed workload (search 50 %, chart 30 % split evenly between the record
and its administrations, vitals 20 %) could reach if CPU is the cap: (app + db CPU of
/healthz) / (app + db CPU of the mixed request). The server adds the same HTTP and logging
cost to both, which this leaves out, so the share through a server is lower.

Usage: .venv/bin/python benchmarks/cpu_per_request.py [--repeat 60] [--warmup 5]
           [--patients 10000] [--weeks 52] [--profile OPERATION] [--search-shapes]
           [--plan-cache-mode MODE]
`--profile search|chart|administrations|vitals|vitals_late|healthz` prints cProfile's top functions
over the repeats of one operation instead of the table (`PROFILE_LINES` of them, default 45);
`--sql OPERATION` prints the SQL statements of one request.
`--search-shapes` times each search shape of `_mixed_data.SEARCHES` as an operation of its own
(beside `/healthz`), with its number of matches, instead of the mixed table.
`--plan-cache-mode force_generic_plan|force_custom_plan|auto` sets PostgreSQL's
`plan_cache_mode` on this process's connection first: how the prepared statements would run
if each were planned once, or every time.
Uses DATABASE_URL when it points at PostgreSQL, otherwise starts a durable throwaway cluster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _http_load import ProcessCpu, postgres_pid  # noqa: E402
from _setup import Timing, machine_load, print_header, start_django  # noqa: E402

MIX = {"search": 0.5, "chart": 0.15, "administrations": 0.15, "vitals": 0.2}
BATCH = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--profile", default="", help="cProfile one operation")
    parser.add_argument("--sql", default="", help="print the SQL of one request of an operation")
    parser.add_argument("--search-shapes", action="store_true", help="each search shape alone")
    parser.add_argument("--plan-cache-mode", default="", help="SET plan_cache_mode first")
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        stop()


def run(args) -> None:
    import logging

    from _mixed_data import seed_clinic

    # This process answers the requests; one log line each would drown the figures. The
    # line's formatting is left out of every operation alike.
    logging.getLogger("ketamine_care.request").disabled = True
    print_header("CPU per request, in process (Django test client)")
    started = time.perf_counter()
    ward = seed_clinic(
        name=f"CPU Clinic {time.strftime('%H%M%S')}",
        clients=1,
        patients=args.patients,
        monitoring=4,
        weeks=args.weeks,
    )
    print(f"   seeded in {time.perf_counter() - started:.0f} s: {args.patients:,} patients, "
          f"charts with {args.weeks} weeks of 3 scales, sessions in monitoring")  # fmt: skip
    if args.plan_cache_mode:
        set_plan_cache_mode(args.plan_cache_mode)
    if args.search_shapes:
        search_shapes(ward, args)
        return
    calls = operations(ward)
    if args.profile:
        profile(calls[args.profile], args)
        return
    if args.sql:
        print_sql(calls[args.sql])
        return
    queries = {name: count_queries(call) for name, call in calls.items()}
    cpu, db = timed_rounds(calls, args.repeat, args.warmup)
    print(f"{'operation':<16} {'CPU ms/request (process_time)':<60} {'queries':>7} {'db ms':>6}")
    for name in calls:
        print(f"{name:<16} {Timing.of(cpu[name])!s:<60} {queries[name]:>7} {db[name]:>6.1f}")
    app = {name: statistics.median(values) for name, values in cpu.items()}
    mixed_app = sum(app[name] * share for name, share in MIX.items())
    mixed_db = sum(db[name] * share for name, share in MIX.items())
    health = app["healthz"] + db["healthz"]
    print(f"mixed request (search 50 %, chart 15 %, administrations 15 %, vitals 20 %): "
          f"{mixed_app:.1f} ms app + {mixed_db:.1f} ms db; /healthz {app['healthz']:.1f} + "
          f"{db['healthz']:.1f} ms")  # fmt: skip
    print(f"share of the /healthz ceiling if CPU is the cap: "
          f"{100 * health / (mixed_app + mixed_db):.1f} %  (goal >= 25 %); "
          f"on 2 cores at most {2000 / (mixed_app + mixed_db):.0f} mixed requests/s")  # fmt: skip
    print(machine_load())


def operations(ward) -> dict:
    """Each operation as a call that asserts its answer."""
    from _mixed_data import SEARCHES
    from _readings import normal_reading
    from django.test import Client
    from django.utils import timezone

    web = Client(HTTP_AUTHORIZATION=f"Bearer {ward.tokens[0]}", HTTP_X_FORWARDED_PROTO="https")
    patient = ward.patients[0]
    searches = iter(range(10**9))

    def get(path):
        def call():
            response = web.get(path)
            assert response.status_code == 200, response.content
            return response

        return call

    def search():
        q = SEARCHES[next(searches) % len(SEARCHES)]
        response = web.get("/api/v1/patients", {"q": q})
        assert response.status_code == 200, response.content

    batches = iter(range(10**9))

    def post_batch(kind: str, ages: list[int]) -> None:
        """One batch of readings `ages` seconds old to the next session in monitoring,
        committed as through the server: a rolled-back transaction would make psycopg forget
        the connection's prepared statements (it deallocates them on every ROLLBACK)."""
        number = next(batches)
        session = ward.monitoring[number % len(ward.monitoring)]
        now = timezone.now()
        readings = [
            {"measured_at": (now - timedelta(seconds=age)).isoformat(), **normal_reading(i)}
            for i, age in enumerate(ages)
        ]
        key = f"{kind}-{session}-{number}-{now.timestamp()}"
        body = {"idempotency_key": key, "readings": readings}
        url = f"/api/v1/treatment-sessions/{session}/vitals"
        response = web.post(url, body, content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["stored"] == len(readings)

    def vitals():
        post_batch("cpu", list(range(BATCH)))  # a reading a second, the newest now

    def vitals_late():
        # As `http_mixed.py` sends it: two readings, one of them 5 s old, so every batch lands
        # behind the session's newest reading and resumes its alerts a little way back.
        post_batch("late", [5, 0])

    return {
        "search": search,
        "chart": get(f"/api/v1/patients/{patient}"),
        "administrations": get(f"/api/v1/patients/{patient}/administrations"),
        "vitals": vitals,
        "vitals_late": vitals_late,
        "healthz": get("/healthz"),
    }


def set_plan_cache_mode(mode: str) -> None:
    """PostgreSQL's `plan_cache_mode` for this process's connection (the one that answers)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('plan_cache_mode', %s, false)", [mode])
    print(f"   plan_cache_mode = {mode}")


def search_shapes(ward, args) -> None:
    """CPU per request of each search shape alone, beside /healthz."""
    from _mixed_data import SEARCHES
    from django.test import Client

    web = Client(HTTP_AUTHORIZATION=f"Bearer {ward.tokens[0]}", HTTP_X_FORWARDED_PROTO="https")

    def search(query: str):
        def call():
            response = web.get("/api/v1/patients", {"q": query})
            assert response.status_code == 200, response.content
            return response

        return call

    calls = {f"search {query!r}": search(query) for query in SEARCHES}
    calls["healthz"] = lambda: web.get("/healthz")
    matches = {name: call().json()["count"] for name, call in calls.items() if name != "healthz"}
    queries = {name: count_queries(call) for name, call in calls.items()}
    cpu, db = timed_rounds(calls, args.repeat, args.warmup)
    print(f"{'operation':<22} {'CPU ms/request (process_time)':<60} {'queries':>7} "
          f"{'db ms':>6} {'matches':>8}")  # fmt: skip
    for name in calls:
        print(f"{name:<22} {Timing.of(cpu[name])!s:<60} {queries[name]:>7} {db[name]:>6.2f} "
              f"{matches.get(name, ''):>8}")  # fmt: skip
    print(machine_load())


def count_queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def print_sql(call) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    with CaptureQueriesContext(connection) as captured:
        call()
    for query in captured:
        print(f"   {query['sql'][:160]}")


def timed_rounds(calls: dict, repeat: int, warmup: int):
    """CPU ms per call of each operation, and the database's CPU ms per call."""
    database = ProcessCpu(postgres_pid())
    for call in calls.values():
        for _ in range(warmup):
            call()
    cpu = {name: [] for name in calls}
    db = dict.fromkeys(calls, 0.0)
    for _ in range(repeat):
        for name, call in calls.items():
            before_db = database.seconds()
            before = time.process_time()
            call()
            cpu[name].append((time.process_time() - before) * 1000)
            db[name] += database.seconds() - before_db
    return cpu, {name: 1000 * seconds / repeat for name, seconds in db.items()}


def profile(call, args) -> None:
    import cProfile
    import pstats

    for _ in range(args.warmup):
        call()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.repeat):
        call()
    profiler.disable()
    if os.environ.get("PROFILE_DUMP"):
        profiler.dump_stats(os.environ["PROFILE_DUMP"])
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(int(os.environ.get("PROFILE_LINES", "45")))
    stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
