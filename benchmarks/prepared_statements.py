"""The statements every request runs, prepared (`DB_PREPARED_STATEMENTS`, the default)
against the same statements sent whole, for the mixed workload's requests, in one process on
one seeded clinic: every request of `cpu_per_request.py`'s operations is answered twice in a
row, once with the connection allowed to prepare (`core.compiled.statement_cursor` binds the
values on the server and prepares the compiled statements, the search's first page and the
audit and readings inserts, once per connection) and once not (Django's cursor: values quoted
into the SQL by the driver, nothing prepared), the order swapped every round so neither way
always goes first. Both ways share the connection, the data and the moment, which a shared
machine's load cannot tell apart. The vitals batches commit (`cpu_per_request.py`): a
rollback would make psycopg forget the connection's prepared statements.

Prints, per operation and way, the median CPU ms per request of this process and of the
connection's own PostgreSQL backend (`/proc/<pid>/schedstat`, nanoseconds: the statements'
parse, plan and execution, and the commit), then the mixed request (search 50 %, chart 15 %,
administrations 15 %, vitals 20 %). `--plans` sets PostgreSQL's `plan_cache_mode` for the
prepared statements (auto, force_custom_plan, force_generic_plan). The vitals batch is
`--batch` readings (2 as in `http_mixed.py`).

Usage: .venv/bin/python benchmarks/prepared_statements.py [--rounds 120] [--batch 2]
           [--plans auto] [--patients 10000]
Uses DATABASE_URL when it points at a local PostgreSQL, otherwise starts a durable throwaway
cluster.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import cpu_per_request  # noqa: E402
from _setup import machine_load, print_header, start_django  # noqa: E402

WAYS = ("whole", "prepared")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--plans", default="auto")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    stop = start_django()
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        stop()


def run(args) -> None:
    from _mixed_data import seed_clinic
    from django.db import connection

    logging.getLogger("ketamine_care.request").disabled = True
    print_header("Statements prepared against sent whole, alternated in process")
    cpu_per_request.BATCH = args.batch
    ward = seed_clinic(
        name=f"Prepared Clinic {time.strftime('%H%M%S')}",
        clients=1,
        patients=args.patients,
        monitoring=4,
        weeks=args.weeks,
    )
    calls = cpu_per_request.operations(ward)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('plan_cache_mode', %s, false)", [args.plans])
    raw, options = connection.connection, connection.settings_dict["OPTIONS"]
    raw.prepare_threshold = 5  # what DB_PREPARED_STATEMENTS gives every connection

    def use(way: str) -> None:
        if way == "prepared":
            options["prepare_threshold"] = raw.prepare_threshold
        else:
            options.pop("prepare_threshold", None)

    def backend_ms() -> float:
        stat = Path(f"/proc/{raw.info.backend_pid}/schedstat").read_text()
        return int(stat.split()[0]) / 1e6

    for way in WAYS:
        use(way)
        for _ in range(args.warmup):
            for call in calls.values():
                call()
    app = {(name, way): [] for name in calls for way in WAYS}
    db = {(name, way): [] for name in calls for way in WAYS}
    print(f"   {machine_load()} at the start; {args.rounds} rounds, vitals batch of {args.batch}, "
          f"plan_cache_mode {args.plans}")  # fmt: skip
    for round_ in range(args.rounds):
        for name, call in calls.items():
            for way in WAYS if round_ % 2 == 0 else WAYS[::-1]:
                use(way)
                before_db, before = backend_ms(), time.process_time()
                call()
                app[name, way].append((time.process_time() - before) * 1000)
                db[name, way].append(backend_ms() - before_db)
    print(f"{'operation':<16} {'app whole':>10} {'app prepared':>13} {'db whole':>9} "
          f"{'db prepared':>12}   (median CPU ms per request)")  # fmt: skip
    mixed = dict.fromkeys(WAYS, (0.0, 0.0))
    for name in calls:
        medians = {
            way: (statistics.median(app[name, way]), statistics.median(db[name, way]))
            for way in WAYS
        }
        (app_w, db_w), (app_p, db_p) = medians["whole"], medians["prepared"]
        print(f"{name:<16} {app_w:>10.2f} {app_p:>13.2f} {db_w:>9.2f} {db_p:>12.2f}")
        share = cpu_per_request.MIX.get(name, 0.0)
        for way, (app_ms, db_ms) in medians.items():
            mixed[way] = (mixed[way][0] + share * app_ms, mixed[way][1] + share * db_ms)
    for way in WAYS:
        print(f"mixed request, {way}: {mixed[way][0]:.2f} ms app + {mixed[way][1]:.2f} ms db")
    print(machine_load())


if __name__ == "__main__":
    main()
