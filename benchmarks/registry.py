"""The outcomes registry at scale (issue 16): `ketamine-care synth` fills a durable PostgreSQL
with synthetic patients, then for each size the benchmark measures the clinic outcomes
dashboard (the whole clinic and one protocol), the Kaplan-Meier computation of time to
relapse, the de-identified Parquet export, and the same cohort aggregates in DuckDB over the
exported Parquet, printed as a ratio; and what keeping the cohort cube current in each
summary refresh batch costs (benchmarks/_registry_delta.py). It prints how each cost grows
with the number of patients and whether the issue's goals hold at the largest size.

Usage: nice -n 19 .venv/bin/python benchmarks/registry.py [--sizes 10000,100000,1000000]
       [--repeat 5] [--workers 2] [--seed 1] [--existing] [--export-dir PATH]

`--existing`: measure the database DATABASE_URL names as it is (e.g. a copy of a large
synthetic clinic): never synth; a size larger than the clinic is skipped; the cohort cube is
built first when it is not current (timed). `--export-dir`: write the Parquet export there,
or reuse the one already there (not timed again).

Data: `synth` itself (demo/synth; docs/RESEARCH.md, "Synthetic data"): the rows the app's own
services would write, generated in bulk and loaded by COPY. The sizes grow one database: each
size adds the patients it lacks (a new synth run in the same synthetic clinic), so the load
time of a size is the sum of the runs so far. The export and DuckDB parts are skipped (and
say so) when the research export cannot be imported.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _registry_delta as delta  # noqa: E402
import _registry_duckdb as duck  # noqa: E402
from _setup import Timing, machine_load, measure, print_growth, print_header, start_django  # noqa: E402

# benchmarks/fhir.py would shadow the `fhir.resources` package: the folder leaves sys.path.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in (_HERE, "")]

PROTOCOL = "iv-ketamine-trd"
GOALS = {"dashboard_s": 2.0, "duckdb_ratio": 1.5, "export_s": 60.0, "synth_s": 30 * 60.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--existing", action="store_true", help="never synth; as it is")
    parser.add_argument("--export-dir", type=Path, help="where the Parquet export is (reused)")
    args = parser.parse_args()
    if args.existing and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--existing needs DATABASE_URL (a PostgreSQL database)")
    sizes = [int(s) for s in args.sizes.split(",")]
    stop = start_django()
    try:
        results = [r for r in (run_size(size, args) for size in sizes) if r]
        if results:
            report(results)
    finally:
        stop()


def run_size(size: int, args) -> dict:
    """Grow the synthetic clinic to `size` patients, then measure every part."""
    from ketamine_care.demo.models import SyntheticDataset

    have = sum(SyntheticDataset.objects.values_list("patients", flat=True))
    if args.existing and size > have:
        print(f"   {size:,} patients: SKIPPED (--existing: the clinic has {have:,})")
        return {}
    synth = grow(size - have, args) if size > have else {"seconds": 0.0, "rows": 0, "timings": {}}
    loaded = sum(d.seconds for d in _SYNTH_RUNS)
    print_header(f"registry at {size:,} patients")
    print(
        f"   synth: +{size - have:,} patients in {synth['seconds']:.0f} s ({synth['rows']:,} "
        f"rows; {_phases(synth['timings'])}); {loaded:.0f} s in all so far"
    )
    result = {"size": size, "synth_total": loaded, **measure_parts(args)}
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


def measure_parts(args) -> dict:
    """Each part warmed up and repeated; the dashboard, the export and DuckDB when
    importable (a part that is not says so and is skipped)."""
    repeat = args.repeat
    director = _director()
    parts: dict = {}
    try:
        from ketamine_care.registry.cohorts import CohortFilter
        from ketamine_care.registry.queries import cohort_figures
    except ImportError as exc:
        print(f"   dashboard and Kaplan-Meier: SKIPPED ({exc})")
        return parts
    _ensure_cube(director.clinic)
    clinic, one = director.clinic, CohortFilter(protocol=PROTOCOL)
    for key, label, cohort in (("", "whole clinic", CohortFilter()), ("_protocol", PROTOCOL, one)):
        parts[f"dashboard{key}"] = _timed(
            f"dashboard, {label}", lambda c=cohort: _board(director, c), repeat
        )
        parts[f"aggregates{key}"] = _timed(
            f"its aggregates only (cohort_figures), {label}",
            lambda c=cohort: cohort_figures(clinic, c, full=True), repeat,
        )  # fmt: skip
        parts[f"summaries{key}"] = _timed(
            f"dashboard from the summaries (no cube), {label}",
            lambda c=cohort: _board(director, c, use_cube=False), 1, warmup=0,
        )  # fmt: skip
    parts["km"] = _timed("Kaplan-Meier, time to relapse", lambda: _kaplan_meier(clinic), repeat)
    parts.update(delta.measure_delta(director, min(repeat, 3)))  # the cube kept by the refresh
    try:
        from ketamine_care.research.export import write_export
    except ImportError as exc:
        print(f"   export and DuckDB: SKIPPED ({exc})")
        return parts
    project = _project(director)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.export_dir or Path(tmp) / "export"
        if not (folder / "outcomes.parquet").exists():
            calls: list[int] = []

            def target() -> Path:  # the first export where DuckDB reads it, the rest aside
                calls.append(len(calls))
                return folder if len(calls) == 1 else Path(tmp) / f"export-{len(calls)}"

            parts["export"] = _timed(
                "Parquet export (write_export, csv=False)",
                lambda: write_export(project, target(), csv=False), max(1, repeat // 2), warmup=0,
            )  # fmt: skip
        else:
            print(f"   Parquet export: reused from {folder}")
        parts.update(_duckdb(folder, repeat, parts))
    return parts


def _ensure_cube(clinic) -> None:
    """Build the clinic's cube (with the dose bins and course counts it reads) when it is
    not current, as `registry-refresh --cube-only` does; timed once."""
    from ketamine_care.registry.cube import rebuild_cube
    from ketamine_care.registry.dosebins import rebuild_clinic_dose_bins
    from ketamine_care.registry.models import CohortCube
    from ketamine_care.registry.services import count_patient_courses

    if CohortCube.objects.filter(clinic=clinic, current=True).exists():
        print("   cohort cube: current")
        return
    for label, step in (
        ("course counts per patient", lambda: count_patient_courses(clinic=clinic)),
        ("dose bins (INSERT ... SELECT)", lambda: rebuild_clinic_dose_bins(clinic)),
        ("cohort cube", lambda: rebuild_cube(clinic)),
    ):
        started = time.perf_counter()
        rows = step()
        print(f"   build {label}: {rows:,} rows in {time.perf_counter() - started:.1f} s; "
              f"{machine_load()}")  # fmt: skip


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


def _board(membership, cohort, use_cube: bool = True):
    from ketamine_care.registry.queries import clinic_dashboard

    return clinic_dashboard(membership, cohort, use_cube=use_cube)


def _kaplan_meier(clinic):
    """Time to relapse as the dashboard computes it: the pooled life table (from the cube
    when current), then `registry.stats.kaplan_meier` with the counts as weights."""
    from ketamine_care.registry.cohorts import CohortFilter
    from ketamine_care.registry.queries import cohort_figures
    from ketamine_care.registry.stats import kaplan_meier

    times = cohort_figures(clinic, CohortFilter(), full=True).relapse_times
    return kaplan_meier([t[0] for t in times], [t[1] for t in times], [t[2] for t in times])


def _project(director):
    from ketamine_care.research.models import ResearchProject
    from ketamine_care.research.services import create_project

    found = ResearchProject.objects.filter(clinic=director.clinic, slug="registry-benchmark")
    return found.first() or create_project(
        clinic=director.clinic, actor=director.user, name="Registry benchmark"
    )


def _duckdb(folder: Path, repeat: int, parts: dict) -> dict:
    """The dashboard's aggregates (whole clinic, one protocol) in DuckDB over the export
    (benchmarks/_registry_duckdb.py), and as ratios: the dashboard (every figure drawn, the
    curves fitted, the read audited) and its aggregates alone, over DuckDB's time."""
    from ketamine_care.registry.models import CourseSummary

    outcomes = None
    clinic = _director().clinic
    if duck.exported_courses(folder) < CourseSummary.objects.filter(clinic=clinic).count():
        # The export holds the consenting patients' analysable courses only: DuckDB then
        # reads every course summary instead (the dashboard's cohort), with the export's
        # doses and sessions.
        outcomes = Path(tempfile.mkdtemp()) / "course_summaries.parquet"
        courses = duck.summaries_parquet(clinic, outcomes)
        print(f"   DuckDB reads {courses:,} course summaries (the export has fewer courses)")
    db = duck.connect(folder, outcomes)
    found: dict = {}
    found["duckdb"] = _timed(
        "DuckDB: the same aggregates, whole clinic", lambda: duck.run_all(db), repeat
    )
    only = f"AND protocol = '{PROTOCOL}'"
    found["duckdb_protocol"] = _timed(
        f"DuckDB: the same, {PROTOCOL}", lambda: duck.run_all(db, only), repeat
    )
    for key in ("dashboard", "aggregates"):
        for suffix in ("", "_protocol"):
            ratio = parts[key + suffix].median / found["duckdb" + suffix].median
            found[f"{key}{suffix}_ratio"] = ratio
            print(f"   {key}{suffix} / DuckDB{suffix}: x{ratio:.2f}")
    return found


def report(results: list[dict]) -> None:
    """Growth tables across the sizes, and the goals at the largest size."""
    print_header("registry: growth with the number of patients")
    for key, title in (
        ("dashboard", "dashboard, whole clinic"), ("dashboard_protocol", f"dashboard, {PROTOCOL}"),
        ("aggregates", "its aggregates, whole clinic"), ("km", "Kaplan-Meier"),
        ("export", "Parquet export"), ("duckdb", "DuckDB aggregates"),
        ("refresh_kept", "summary refresh, cube kept"),
        ("refresh_plain", "summary refresh, cube not kept (then rebuilt)"),
        ("batch_kept", "one refresh batch's transaction, cube kept"),
        ("after_change", "dashboard right after a change"),
    ):  # fmt: skip
        rows = [(f"{r['size']:>9,}", r[key]) for r in results if key in r]
        if rows:
            print_growth(title, rows)
    synth = [(f"{r['size']:>9,}", Timing.of([r["synth_total"] * 1000])) for r in results]
    if any(r["synth_total"] for r in results):  # --existing loads nothing
        print_growth("synth, all patients so far (one run per size)", synth)
    _goals(results[-1])


def _goals(last: dict) -> None:
    size = f"{last['size']:,} patients"
    checks = []
    if last["synth_total"]:  # --existing: nothing was loaded here
        checks.append(("synth < 30 min", last["synth_total"] < GOALS["synth_s"]))
    for key in ("dashboard", "dashboard_protocol"):
        if key in last:
            checks.append((f"{key} < 2 s", last[key].median / 1000 < GOALS["dashboard_s"]))
    if "export" in last:
        checks.append(("export < 60 s", last["export"].median / 1000 < GOALS["export_s"]))
    for key in ("dashboard_ratio", "dashboard_protocol_ratio", "aggregates_ratio"):
        if key in last:
            checks.append((f"{key} <= 1.5 (DuckDB)", last[key] <= GOALS["duckdb_ratio"]))
    for name, met in checks:
        print(f"   goal at {size}: {name}: {'met' if met else 'NOT met'}")
    print(f"   {machine_load()}")


if __name__ == "__main__":
    main()
