"""The outcomes registry at scale (issue 16): `ketamine-care synth` fills a durable PostgreSQL
with synthetic patients, then for each size the benchmark measures the clinic outcomes
dashboard (the whole clinic and one protocol), the Kaplan-Meier computation of time to
relapse, the de-identified Parquet export, and the same cohort aggregates in DuckDB over the
exported Parquet, printed as a ratio. It prints how each cost grows with the number of
patients and whether the issue's goals hold at the largest size.

Usage: nice -n 19 .venv/bin/python benchmarks/registry.py [--sizes 10000,100000,1000000]
       [--repeat 5] [--workers 2] [--seed 1]

Data: `synth` itself (demo/synth; docs/RESEARCH.md, "Synthetic data"): the rows the app's own
services would write, generated in bulk and loaded by COPY. The sizes grow one database: each
size adds the patients it lacks (a new synth run in the same synthetic clinic), so the load
time of a size is the sum of the runs so far. The export and DuckDB parts are skipped (and
say so) when the research export cannot be imported.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import Timing, machine_load, measure, print_growth, print_header, start_django  # noqa: E402

# benchmarks/fhir.py would shadow the `fhir.resources` package: the folder leaves sys.path.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in (_HERE, "")]

PROTOCOL = "iv-ketamine-trd"
GOALS = {"dashboard_s": 2.0, "duckdb_ratio": 1.5, "export_s": 60.0, "synth_s": 30 * 60.0}
# The dashboard's headline aggregates in DuckDB: courses, analysable, and per time point the
# analysable courses with a known response and the responders, by protocol.
DUCKDB_COUNTS = """
SELECT protocol, count(*) AS courses,
       count(response_induction) AS induction_n, count(*) FILTER (WHERE response_induction),
       count(remission_induction), count(*) FILTER (WHERE remission_induction),
       count(response_3m), count(*) FILTER (WHERE response_3m),
       count(response_6m), count(*) FILTER (WHERE response_6m),
       count(response_12m), count(*) FILTER (WHERE response_12m),
       count(early_4h), count(*) FILTER (WHERE early_4h),
       sum(sessions), sum(adverse_events), sum(bp_alerts), max(cadss_peak)
FROM read_parquet(?) {where} GROUP BY ALL
"""
DUCKDB_RELAPSE = (
    "SELECT relapse_days, relapse_event FROM read_parquet(?) WHERE relapse_days IS NOT NULL {where}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stop = start_django()
    try:
        results = [run_size(size, args) for size in sizes]
        report(results)
    finally:
        stop()


def run_size(size: int, args) -> dict:
    """Grow the synthetic clinic to `size` patients, then measure every part."""
    from ketamine_care.demo.models import SyntheticDataset

    have = sum(SyntheticDataset.objects.values_list("patients", flat=True))
    synth = grow(size - have, args) if size > have else {"seconds": 0.0, "rows": 0, "timings": {}}
    loaded = sum(d.seconds for d in _SYNTH_RUNS)
    print_header(f"registry at {size:,} patients")
    print(
        f"   synth: +{size - have:,} patients in {synth['seconds']:.0f} s ({synth['rows']:,} "
        f"rows; {_phases(synth['timings'])}); {loaded:.0f} s in all so far"
    )
    result = {"size": size, "synth_total": loaded, **measure_parts(args.repeat)}
    return result


class _Run:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


_SYNTH_RUNS: list[_Run] = []


def grow(patients: int, args) -> dict:
    from ketamine_care.demo.synth.run import synthesize

    started = time.perf_counter()
    dataset = synthesize(
        patients=patients, seed=args.seed + len(_SYNTH_RUNS), workers=args.workers,
        progress=_progress(started),
    )  # fmt: skip
    sys.stderr.write("\n")
    seconds = time.perf_counter() - started
    _SYNTH_RUNS.append(_Run(seconds))
    rows = sum(v for k, v in dataset.loaded_rows.items() if k != "registry.CourseSummary")
    return {"seconds": seconds, "rows": rows, "timings": dataset.timings}


def _progress(started: float):
    def tell(done: int, total: int, rows: dict) -> None:
        seconds = time.perf_counter() - started
        sys.stderr.write(f"\r   synth {done:,}/{total:,} patients, {sum(rows.values()):,} rows, "
                         f"{seconds:.0f} s; {machine_load()}")  # fmt: skip

    return tell


def _phases(timings: dict) -> str:
    return ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())


def measure_parts(repeat: int) -> dict:
    """Each part warmed up and repeated; the dashboard, the export and DuckDB when
    importable (a part that is not says so and is skipped)."""
    director = _director()
    parts: dict = {}
    try:
        from ketamine_care.registry.cohorts import CohortFilter
        from ketamine_care.registry.queries import clinic_dashboard  # noqa: F401
    except ImportError as exc:
        print(f"   dashboard and Kaplan-Meier: SKIPPED ({exc})")
        return parts
    parts["dashboard"] = _timed(
        "dashboard, whole clinic", lambda: _board(director, CohortFilter()), repeat
    )
    one = CohortFilter(protocol=PROTOCOL)
    parts["dashboard_protocol"] = _timed(
        f"dashboard, {PROTOCOL}", lambda: _board(director, one), repeat
    )
    parts["km"] = _timed(
        "Kaplan-Meier, time to relapse", lambda: _kaplan_meier(director.clinic), repeat
    )
    parts["sql"] = _timed(
        "SQL: DuckDB's aggregates, whole clinic", lambda: _headline(director.clinic), repeat
    )
    try:
        from ketamine_care.research.export import write_export
    except ImportError as exc:
        print(f"   export and DuckDB: SKIPPED ({exc})")
        return parts
    project = _project(director)
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**6))
        target = lambda: Path(tmp) / f"export-{next(counter)}"  # noqa: E731
        parts["export"] = _timed(
            "Parquet export (write_export, csv=False)",
            lambda: write_export(project, target(), csv=False), max(1, repeat // 2), warmup=0,
        )  # fmt: skip
        outcomes = str(Path(tmp) / "export-0" / "outcomes.parquet")
        parts.update(_duckdb(outcomes, repeat, parts))
    return parts


def _timed(label: str, call, repeat: int, warmup: int = 1) -> Timing:
    timing = measure(call, repeat=repeat, warmup=warmup)
    print(f"   {label:<44} {timing}; {machine_load()}")
    return timing


def _director():
    from ketamine_care.accounts.models import Membership, Role
    from ketamine_care.demo.models import SyntheticDataset

    clinic = SyntheticDataset.objects.first().clinic
    return Membership.objects.select_related("clinic", "user").get(
        clinic=clinic, role=Role.MEDICAL_DIRECTOR
    )


def _board(membership, cohort):
    from ketamine_care.registry.queries import clinic_dashboard

    return clinic_dashboard(membership, cohort)


def _kaplan_meier(clinic):
    from ketamine_care.registry import aggregates
    from ketamine_care.registry.cohorts import CohortFilter, filter_summaries
    from ketamine_care.registry.stats import kaplan_meier

    times = aggregates.relapse_times(filter_summaries(clinic, CohortFilter()))
    return kaplan_meier([t for t, _ in times], [e for _, e in times])


def _headline(clinic):
    """What the DuckDB side computes, in PostgreSQL: the outcome counts and relapse times."""
    from ketamine_care.registry import aggregates
    from ketamine_care.registry.cohorts import CohortFilter, filter_summaries

    rows = filter_summaries(clinic, CohortFilter())
    return aggregates.outcome_counts(rows), aggregates.relapse_times(rows)


def _project(director):
    from ketamine_care.research.models import ResearchProject
    from ketamine_care.research.services import create_project

    found = ResearchProject.objects.filter(clinic=director.clinic, slug="registry-benchmark")
    return found.first() or create_project(
        clinic=director.clinic, actor=director.user, name="Registry benchmark"
    )


def _duckdb(outcomes: str, repeat: int, parts: dict) -> dict:
    """The dashboard's aggregates (whole clinic, one protocol) and the relapse times in
    DuckDB over the export's outcomes table, and the dashboard's time as a ratio of them."""
    import duckdb

    db = duckdb.connect()

    def counts(where: str = ""):
        db.execute(DUCKDB_COUNTS.format(where=where), [outcomes]).fetchall()
        db.execute(
            DUCKDB_RELAPSE.format(where=where.replace("WHERE", "AND")), [outcomes]
        ).fetchall()

    found: dict = {}
    found["duckdb"] = _timed("DuckDB: the same aggregates, whole clinic", counts, repeat)
    only = f"WHERE protocol = '{PROTOCOL}'"
    found["duckdb_protocol"] = _timed(f"DuckDB: the same, {PROTOCOL}", lambda: counts(only), repeat)
    pairs = (("dashboard", "duckdb"), ("dashboard_protocol", "duckdb_protocol"), ("sql", "duckdb"))
    for key, other in pairs:
        ratio = parts[key].median / found[other].median
        found[f"{key}_ratio"] = ratio
        print(f"   {key} / DuckDB: x{ratio:.1f}")
    return found


def report(results: list[dict]) -> None:
    """Growth tables across the sizes, and the goals at the largest size."""
    print_header("registry: growth with the number of patients")
    for key, title in (
        ("dashboard", "dashboard, whole clinic"), ("dashboard_protocol", f"dashboard, {PROTOCOL}"),
        ("km", "Kaplan-Meier"), ("sql", "SQL: DuckDB's aggregates"),
        ("export", "Parquet export"), ("duckdb", "DuckDB aggregates"),
    ):  # fmt: skip
        rows = [(f"{r['size']:>9,}", r[key]) for r in results if key in r]
        if rows:
            print_growth(title, rows)
    synth = [(f"{r['size']:>9,}", Timing.of([r["synth_total"] * 1000])) for r in results]
    print_growth("synth, all patients so far (one run per size)", synth)
    _goals(results[-1])


def _goals(last: dict) -> None:
    size = f"{last['size']:,} patients"
    checks = [("synth < 30 min", last["synth_total"] < GOALS["synth_s"])]
    if "dashboard" in last:
        checks.append(("dashboard < 2 s", last["dashboard"].median / 1000 < GOALS["dashboard_s"]))
    if "export" in last:
        checks.append(("export < 60 s", last["export"].median / 1000 < GOALS["export_s"]))
    if "dashboard_ratio" in last:
        checks.append(
            ("dashboard <= 1.5x DuckDB", last["dashboard_ratio"] <= GOALS["duckdb_ratio"])
        )
    for name, met in checks:
        print(f"   goal at {size}: {name}: {'met' if met else 'NOT met'}")
    print(f"   {machine_load()}")


if __name__ == "__main__":
    main()
