"""What keeping the cohort cube current in each refresh batch costs (benchmarks/registry.py).

Three measures on the synthetic clinic, each repeated:
- the whole clinic's summary refresh with the cube kept by every batch (`cube_delta`), and
  the same refresh without it (`settled=True`: the cube outdated, the dashboard on the slow
  summaries path until a rebuild) followed by the rebuild of the cube that path needs;
- each batch's write transaction (summaries, dose bins, course counts and, when kept, the
  cube), the time a request's stale mark of one of its courses may wait: median and longest;
- the dashboard read right after a change: some patients' courses marked stale (as a write
  does), the stale-only refresh, then one dashboard read, which must come from the cube.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from _setup import Timing, machine_load


def _batch_times(run: Callable[[], object]) -> tuple[float, list[float]]:
    """Run `run`, timing each batch's write transaction (`services._store`); ms."""
    from ketamine_care.registry import services

    real, times = services._store, []

    def timed(*args, **kwargs):
        started = time.perf_counter()
        real(*args, **kwargs)
        times.append((time.perf_counter() - started) * 1000)

    services._store = timed
    try:
        started = time.perf_counter()
        run()
        return (time.perf_counter() - started) * 1000, times
    finally:
        services._store = real


def _print(label: str, timing: Timing) -> None:
    print(f"   {label:<44} {timing}; {machine_load()}")


def measure_delta(director, repeat: int) -> dict:
    """The three measures above; their Timings by name."""
    from ketamine_care.registry.cube import rebuild_cube
    from ketamine_care.registry.models import CohortCube, CourseSummary
    from ketamine_care.registry.services import refresh_summaries

    clinic = director.clinic
    if not CohortCube.objects.filter(clinic=clinic, current=True).exists():
        rebuild_cube(clinic)
    kept, plain, rebuild, batches_kept, batches_plain = [], [], [], [], []
    for _ in range(repeat):
        total, batches = _batch_times(lambda: refresh_summaries(clinic=clinic))
        assert CohortCube.objects.get(clinic=clinic).current, "a batch outdated the cube"
        kept.append(total)
        batches_kept += batches
        total, batches = _batch_times(lambda: refresh_summaries(clinic=clinic, settled=True))
        plain.append(total)
        batches_plain += batches
        started = time.perf_counter()
        rebuild_cube(clinic)
        rebuild.append((time.perf_counter() - started) * 1000)
    found = {
        "refresh_kept": Timing.of(kept),
        "refresh_plain": Timing.of(plain),
        "cube_rebuild": Timing.of(rebuild),
        "batch_kept": Timing.of(batches_kept),
        "batch_plain": Timing.of(batches_plain),
    }
    courses = CourseSummary.objects.filter(clinic=clinic).count()
    _print(f"refresh of {courses:,} courses, cube kept", found["refresh_kept"])
    _print("the same refresh, cube not kept", found["refresh_plain"])
    _print("  + the rebuild of the cube it then needs", found["cube_rebuild"])
    _print("one batch's transaction, cube kept", found["batch_kept"])
    _print("one batch's transaction, cube not kept", found["batch_plain"])
    ratio = found["refresh_kept"].median / found["refresh_plain"].median
    print(f"   refresh, cube kept / not kept: x{ratio:.2f}")
    found["after_change"] = _dashboard_after_change(clinic, director, repeat)
    _print("dashboard right after a change (cube)", found["after_change"])
    return found


def _dashboard_after_change(clinic, director, repeat: int) -> Timing:
    """Mark 50 patients' courses stale, refresh them, read the dashboard once: timed."""
    from ketamine_care.registry.cohorts import CohortFilter
    from ketamine_care.registry.models import CourseSummary
    from ketamine_care.registry.queries import clinic_dashboard
    from ketamine_care.registry.services import refresh_stale

    samples = []
    rows = CourseSummary.objects.filter(clinic=clinic).order_by("?")
    for _ in range(repeat):
        patients = list(rows.values_list("patient_id", flat=True)[:50])
        CourseSummary.objects.filter(patient_id__in=patients).update(stale=True)
        refresh_stale(clinic=clinic)
        started = time.perf_counter()
        board = clinic_dashboard(director, CohortFilter())
        samples.append((time.perf_counter() - started) * 1000)
        assert board.cube_built_at is not None, "the dashboard fell back to the summaries"
    return Timing.of(samples)
