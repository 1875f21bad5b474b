"""Keeping the cohort cube current inside each refresh batch's own transaction.

The cube's cells are sums over a clinic's single-course summaries (`cube.py`), so a batch
that rewrites some patients' summaries changes the cube by what those patients' rows add
after the write minus what they added before. `keeping_cubes(patient_ids)` wraps the batch's
write: it locks the clinics' cube rows (lock order: the cube row, then the summaries, their
dose bins, the cells; the request-side stale marks take only summary rows), reads the
patients' share of the cube, lets the batch write (summaries, dose bins, course counts),
reads the share again and adds the difference to the cells by upsert. A reader that takes
its figures in one snapshot (`cube_read.consistent_read`) sees the old summaries with the
old cube or the new with the new, never a mix, and never waits for the job.

The "refreshed" figure is a maximum, not a sum: a cell keeps the newer of its stored value
and the batch's rows; only when the batch took away the row that held the cell's maximum is
the maximum read again from the cell's summaries. A cube that is not current (never built,
or outdated by a deletion outside the job) is left alone: the job rebuilds it at its end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from ketamine_care.patients.models import Patient
from ketamine_care.registry.cube import (
    BLANK,
    BY_PROTOCOL,
    DIMS,
    REFRESHED,
    age_band,
    cells_of,
    to_micros,
)
from ketamine_care.registry.models import CohortCell, CohortCube, CourseDoseBin, CourseSummary

COURSES = "c:courses"  # every cell has this figure (>= 1 course): its row says the cell exists
# Set while a batch keeps the cubes: its own deletions of summaries do not outdate them.
KEEPING: ContextVar[bool] = ContextVar("registry_keeping_cubes", default=False)


def share(clinic_id: int, patient_ids: Iterable[int]) -> dict[tuple, int]:
    """The cube rows that the patients' single-course summaries make, at both levels:
    (level, *DIMS, figure, key) -> n (for "refreshed": the newest row, a maximum)."""
    ids = list(patient_ids)
    base = CourseSummary.objects.filter(clinic_id=clinic_id, patient_id__in=ids, patient_courses=1)
    bins = CourseDoseBin.objects.filter(
        summary__clinic_id=clinic_id, summary__patient_id__in=ids, summary__patient_courses=1
    )
    out: dict[tuple, int] = {}
    for *cell, figure, key, n in cells_of(base, bins):
        out[(*cell, figure, key)] = n
        rolled = (BY_PROTOCOL, cell[1], *(BLANK[d] for d in DIMS[1:]), figure, key)
        if figure == REFRESHED:
            out[rolled] = max(out.get(rolled, n), n)
        else:
            out[rolled] = out.get(rolled, 0) + n
    return out


def _lock(clinic_ids: list[int]) -> list[CohortCube]:
    """The clinics' cube rows, created when missing, locked in clinic order (so the first
    rebuild of a cube waits for the batch, and the batch for it)."""
    CohortCube.objects.bulk_create(
        [CohortCube(clinic_id=c) for c in clinic_ids], ignore_conflicts=True
    )
    cubes = CohortCube.objects.select_for_update(of=("self",), no_key=True)
    return list(cubes.filter(clinic_id__in=clinic_ids).order_by("clinic_id"))


@contextmanager
def keeping_cubes(patient_ids: Iterable[int]) -> Iterator[None]:
    """Wrap a batch's writes of these patients' summaries (inside its transaction) so that
    their clinics' current cubes change with them, in the same transaction."""
    assert connection.in_atomic_block, "keeping_cubes runs inside the batch's transaction"
    by_clinic: dict[int, list[int]] = defaultdict(list)
    for clinic_id, patient_id in Patient.objects.filter(pk__in=set(patient_ids)).values_list(
        "clinic_id", "id"
    ):
        by_clinic[clinic_id].append(patient_id)
    kept = [cube for cube in _lock(sorted(by_clinic)) if cube.current]
    before = {cube.clinic_id: share(cube.clinic_id, by_clinic[cube.clinic_id]) for cube in kept}
    token = KEEPING.set(True)
    try:
        yield
    finally:
        KEEPING.reset(token)
    for cube in kept:
        after = share(cube.clinic_id, by_clinic[cube.clinic_id])
        apply_change(cube, before[cube.clinic_id], after)


def apply_change(cube: CohortCube, before: dict, after: dict) -> None:
    """Add `after - before` to the cube's cells (rows that reach 0 go), set the cells'
    "refreshed" maxima, and outdate the cube if a count went negative (it disagreed with
    its summaries: never read; the job rebuilds it)."""
    clinic_id = cube.clinic_id
    change = {}
    for key in before.keys() | after.keys():
        if key[-2] != REFRESHED and after.get(key, 0) != before.get(key, 0):
            change[key] = after.get(key, 0) - before.get(key, 0)
    _upsert(clinic_id, change, add=True)
    protocols = {key[1] for key in before.keys() | after.keys()}
    touched = CohortCell.objects.filter(clinic_id=clinic_id, protocol_id__in=protocols)
    touched.filter(n=0).exclude(figure=REFRESHED).delete()
    _set_refreshed(clinic_id, touched, _tops(before), _tops(after))
    if touched.filter(n__lt=0).exists():
        cube.current = False
    cube.built_at = timezone.now()
    cube.cells = CohortCell.objects.filter(clinic_id=clinic_id).count()
    cube.save(update_fields=["current", "built_at", "cells"])


def _tops(rows: dict) -> dict[tuple, int]:
    return {key[:-2]: n for key, n in rows.items() if key[-2] == REFRESHED}


def newest(stored: int | None, old: int | None, new: int | None) -> int | None:
    """A cell's "refreshed" maximum after a batch, from its stored value and the batch's
    rows before and after; None when it must be read again from the summaries."""
    if stored is None:
        return new if old is None else None
    if old is None or old < stored:  # the batch did not hold the maximum: it still stands
        return stored if new is None else max(stored, new)
    return new if new is not None and new >= stored else None


def _set_refreshed(clinic_id: int, touched, old: dict, new: dict) -> None:
    stored, alive = {}, set()
    rows = touched.filter(figure__in=(REFRESHED, COURSES)).values_list(
        "level", *DIMS, "figure", "n"
    )
    for *cell, figure, n in rows:
        if figure == REFRESHED:
            stored[tuple(cell)] = n
        else:
            alive.add(tuple(cell))
    values, gone = {}, []
    for cell in old.keys() | new.keys():
        value = newest(stored.get(cell), old.get(cell), new.get(cell)) if cell in alive else None
        if value is None and cell in alive:
            value = _read_newest(clinic_id, cell)
        if value is None:
            gone.append(cell)
        else:
            values[(*cell, REFRESHED, 0)] = value
    _upsert(clinic_id, values, add=False)
    for cell in gone:
        touched.filter(
            level=cell[0], figure=REFRESHED, **dict(zip(DIMS, cell[1:], strict=True))
        ).delete()


def _read_newest(clinic_id: int, cell: tuple) -> int | None:
    """A cell's newest single-course summary, read from the summaries."""
    level, protocol, indication, sex, band, month = cell
    rows = CourseSummary.objects.filter(
        clinic_id=clinic_id, patient_courses=1, protocol_id=protocol
    )
    if level != BY_PROTOCOL:
        rows = rows.filter(
            indication=indication, sex=sex, start_date__gte=month, start_date__lt=_next(month)
        )
        rows = rows.annotate(band=age_band()).filter(band=band)
    top = rows.aggregate(top=Max("refreshed_at"))["top"]
    return None if top is None else to_micros(top)


def _next(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _upsert(clinic_id: int, rows: dict[tuple, int], *, add: bool) -> None:
    """Insert the cells' rows, or on the cell's unique key add `n` to the stored count
    (`add`) or replace it (one statement per chunk; SQLite and PostgreSQL share the
    syntax)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ("clinic_id", "level", *DIMS, "figure", "key", "n")
    table, n = quote(CohortCell._meta.db_table), quote("n")
    names = ", ".join(quote(c) for c in columns)
    conflict = ", ".join(quote(c) for c in columns[:-1])
    value = f"{table}.{n} + EXCLUDED.{n}" if add else f"EXCLUDED.{n}"
    adapt = connection.ops.adapt_datefield_value
    items = [
        (clinic_id, key[0], *key[1:5], adapt(key[5]), *key[6:], count)
        for key, count in sorted(rows.items(), key=lambda item: str(item[0]))
    ]
    size = max(1, (connection.features.max_query_params or 5000) // len(columns))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {n} = {value}",
                [v for item in chunk for v in item],
            )
