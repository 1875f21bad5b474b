"""Large runs on PostgreSQL: after the first batches (the pool) are generated in Python and
loaded by COPY, each further batch is a copy of a pool batch made by the server
(INSERT ... SELECT): every row of the batch with its ids moved into a freshly reserved block,
its foreign keys moved with the rows they point at, new public ids (md5 of the run's seed, the
table and the new id), a new MRN, and the lot numbers of a new lot. The copies are the pool's
patients again under new identities (same dates, scores and doses), so they keep every
invariant the pool has; the course summaries are copied with their courses, as
`refresh_summaries` would compute them for identical facts (a test checks this).

Python's share of the work then no longer grows with the number of patients, only the
server's does (indexes, foreign-key checks)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, models

from ketamine_care.demo.synth import deferred
from ketamine_care.demo.synth.batch import PER_PATIENT
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.patients.models import Patient
from ketamine_care.registry.models import CourseSummary
from ketamine_care.treatment_sessions.models import (
    DoseAdministration,
    RemsMonitoringForm,
    TreatmentSession,
)

MODELS = [model for model, _per in PER_PATIENT]
REPLICATED = set(MODELS)
# Patients generated in Python before batches are copied (rounded up to whole batches).
POOL = 5000


@dataclass(frozen=True)
class Source:
    """A loaded pool batch: its number, first patient number, and per table the first id and
    the id after its last row."""

    number: int
    first: int
    count: int
    bases: dict
    ends: dict


def split(jobs: list[tuple], batch_size: int, copying: bool) -> tuple[list, list]:
    """(batches to generate, batches to copy): the pool's whole batches and a last partial
    batch are generated; the rest are copies (on PostgreSQL)."""
    pool = max(1, -(-POOL // batch_size))
    if not copying or len(jobs) <= pool:
        return jobs, []
    generated = [j for i, j in enumerate(jobs) if i < pool or j[2] < batch_size]
    return generated, [j for j in jobs if j not in generated]


def copy_all(
    run, sources: list[Source], copies: list[tuple], progress, total: int, *, defer=None
) -> None:
    """Copy the pool's whole batches, in turn, into each batch of `copies`, in one
    transaction. With `defer` (by default when the copies at least double the patients),
    the copied tables' secondary indexes, unique constraints and foreign keys are set aside
    and built again, validated, at the end (`deferred`)."""
    from django.db import transaction

    from ketamine_care.demo.synth.run import _add, _fast_commit

    if not copies:
        return
    whole = [s for s in sources if s.count == max(x.count for x in sources)]
    if defer is None:
        defer = sum(job[2] for job in copies) >= Patient.objects.count()
    with transaction.atomic():
        _fast_commit()
        summaries = _summary_ids(whole)
        aside = deferred.set_aside(_tables()) if defer else None
        for index, (number, first, count) in enumerate(copies):
            started = time.perf_counter()
            source = whole[index % len(whole)]
            copied = copy_batch(run, source, number, first, run.ids, summaries)
            for label, rows in copied.items():
                run.rows[label] = run.rows.get(label, 0) + rows
            _add(run.timings, "copy", time.perf_counter() - started)
            run.done += count
            progress(run.done, total, run.rows)
        if aside is not None:
            started = time.perf_counter()
            deferred.restore(aside, getattr(progress, "stage", None))
            _add(run.timings, "rebuild", time.perf_counter() - started)


def _tables() -> list[str]:
    return [m._meta.db_table for m in (*MODELS, CourseSummary)]


def _summary_ids(sources: list[Source]) -> tuple[int, int]:
    """The id range of the pool's course summaries (they are read by it while the plan
    index is set aside)."""
    from ketamine_care.dosing.models import TreatmentPlan

    low = min(s.bases[TreatmentPlan] for s in sources)
    high = max(s.ends[TreatmentPlan] for s in sources) - 1
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT min(id), max(id) FROM "{CourseSummary._meta.db_table}" '  # noqa: S608
            "WHERE plan_id BETWEEN %s AND %s",
            [low, high],
        )
        first, last = cursor.fetchone()
    return (first or 0, last or -1)


def lot_prefix(dataset: int, batch: int) -> str:
    """The start of every lot number of a batch (stock.Stock.lot)."""
    return f"SYN-{dataset:03d}-{batch:05d}-"


def copy_batch(
    run, source: Source, number: int, first: int, ids, summaries: tuple[int, int]
) -> dict[str, int]:
    """Copy `source` as batch `number` (patients `first + 1` ...); rows copied per model.
    `summaries`: the id range of the pool's course summaries."""
    offsets, params = {}, _params(run, source, number, first)
    for model in MODELS:
        size = source.ends[model] - source.bases[model]
        offsets[model] = ids.block(model, size) - source.bases[model] if size else 0
    params.update({f"off_{m._meta.db_table}": offsets[m] for m in MODELS})
    copied = {}
    with connection.cursor() as cursor:
        for model in MODELS:
            if source.ends[model] == source.bases[model]:
                continue
            params["lo"], params["hi"] = source.bases[model], source.ends[model] - 1
            params["dose_lo"] = source.bases[DoseAdministration]
            params["dose_hi"] = source.ends[DoseAdministration] - 1
            cursor.execute(_sql(model), params)
            copied[model._meta.label] = cursor.rowcount
        cursor.execute(_summary_sql(), _summary_params(source, offsets, summaries))
        copied[CourseSummary._meta.label] = cursor.rowcount
    return copied


def _params(run, source: Source, number: int, first: int) -> dict:
    salt = f"synth:{run.seed}:{run.dataset}:{number}:"
    return {
        "salt": salt,
        "old_lot": lot_prefix(run.dataset, source.number),
        "new_lot": lot_prefix(run.dataset, number),
        "mrn": f"SYN-{run.dataset:03d}-",
        "shift": first - source.first,  # added to the patient number in the MRN
        "first_patient": source.bases[Patient],
        "source_first": source.first,
    }


def _sql(model: type[models.Model]) -> str:
    table = model._meta.db_table
    columns, values = [], []
    for field in model._meta.concrete_fields:
        columns.append(f'"{field.column}"')
        values.append(_value(model, field))
    return (
        f'INSERT INTO "{table}" ({", ".join(columns)}) '  # noqa: S608
        f'SELECT {", ".join(values)} FROM "{table}" AS src {_JOINS.get(model, "")}'
        "WHERE src.id BETWEEN %(lo)s AND %(hi)s"
    )


# A ledger entry's dose (at most one; its batch's), by a join: no index on the dose's ledger
# entry is needed while the copies run.
_JOINS = {
    LedgerEntry: (
        f'LEFT JOIN "{DoseAdministration._meta.db_table}" AS dose '
        "ON dose.ledger_entry_id = src.id AND dose.id BETWEEN %(dose_lo)s AND %(dose_hi)s "
    )
}


def _value(model, field) -> str:
    table = model._meta.db_table
    column = f'src."{field.column}"'
    special = _special(model, field.attname)
    if special:
        return special
    if field.primary_key:
        return f"{column} + %(off_{table})s"
    if field.name == "public_id":
        return f"md5(%(salt)s || '{table}:' || (src.id + %(off_{table})s))::uuid"
    if field.is_relation and field.related_model in REPLICATED:
        return f"{column} + %(off_{field.related_model._meta.db_table})s"
    return column


def _special(model, attname: str) -> str | None:
    """Columns that name the copy's own identity: MRN, lot numbers, the dose reference."""
    number = "(%(source_first)s + %(shift)s + src.id - %(first_patient)s + 1)"
    mrn = f"%(mrn)s || lpad({number}::text, 7, '0')"
    dose = DoseAdministration._meta.db_table
    specials = {
        (Patient, "mrn"): mrn,
        (Patient, "mrn_search"): f"lower({mrn})",
        (Lot, "lot_number"): "replace(src.lot_number, %(old_lot)s, %(new_lot)s)",
        (DoseAdministration, "lot_number"): "replace(src.lot_number, %(old_lot)s, %(new_lot)s)",
        (LedgerEntry, "invoice_number"): "replace(src.invoice_number, %(old_lot)s, %(new_lot)s)",
        (LedgerEntry, "administration_ref"): (
            f"COALESCE(md5(%(salt)s || '{dose}:' || (dose.id + %(off_{dose})s))::uuid::text, '')"
        ),
        (TreatmentSession, "signed_summary"): (
            "replace(src.signed_summary::text, %(old_lot)s, %(new_lot)s)::jsonb"
        ),
        (
            RemsMonitoringForm,
            "values",
        ): "replace(src.values::text, %(old_lot)s, %(new_lot)s)::jsonb",
        (RemsMonitoringForm, "submission_reference"): (
            f"'SYN-' || (src.session_id + %(off_{TreatmentSession._meta.db_table})s)"
        ),
    }
    return specials.get((model, attname))


def _summary_sql() -> str:
    """The course summaries of the source batch's plans, moved to the copied courses (new
    ids from the table's own sequence)."""
    fields = [f for f in CourseSummary._meta.concrete_fields if not f.primary_key]
    moved = {"patient_id": "%(off_patient)s", "plan_id": "%(off_plan)s"}
    values = [
        f'src."{f.column}" + {moved[f.attname]}' if f.attname in moved else f'src."{f.column}"'
        for f in fields
    ]
    table = CourseSummary._meta.db_table
    return (
        f'INSERT INTO "{table}" ({", ".join(chr(34) + f.column + chr(34) for f in fields)}) '  # noqa: S608
        f'SELECT {", ".join(values)} FROM "{table}" AS src '
        "WHERE src.id BETWEEN %(first)s AND %(last)s AND src.plan_id BETWEEN %(lo)s AND %(hi)s"
    )


def _summary_params(source: Source, offsets: dict, summaries: tuple[int, int]) -> dict:
    from ketamine_care.dosing.models import TreatmentPlan

    return {
        "off_patient": offsets[Patient],
        "off_plan": offsets[TreatmentPlan],
        "lo": source.bases[TreatmentPlan],
        "hi": source.ends[TreatmentPlan] - 1,
        "first": summaries[0],
        "last": summaries[1],
    }
