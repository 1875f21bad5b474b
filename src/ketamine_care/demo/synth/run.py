"""`synthesize`: fill the database with synthetic patients, batch by batch, each batch in its
own transaction (COPY on PostgreSQL), after writing the `SyntheticDataset` mark; then bring
the planner's statistics up to date, build the registry's course summaries
(`registry.services.refresh_summaries`) and record one audit event for the run. The rows
carry no audit event each (they record no one's act), as bulk-loaded benchmark data never
does."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.demo.models import SyntheticDataset
from ketamine_care.demo.synth import catalogue, parallel, replicate
from ketamine_care.demo.synth.batch import Batch, draw, reserve
from ketamine_care.demo.synth.clinical import Clinical
from ketamine_care.demo.synth.context import Context, batch_random, prepare
from ketamine_care.demo.synth.course import course_rows
from ketamine_care.demo.synth.guard import check_may_load
from ketamine_care.demo.synth.people import patient_rows, verdict_row
from ketamine_care.demo.synth.scores import AnswerBank
from ketamine_care.demo.synth.stock import Stock
from ketamine_care.demo.synth.tables import Ids, copy_rendered, render, write
from ketamine_care.demo.synth.vitals import alerts_for, make_profiles
from ketamine_care.patients.models import Patient
from ketamine_care.registry.dosebins import rebuild_clinic_dose_bins
from ketamine_care.registry.services import refresh_summaries

DEFAULT_CLINIC = "Synthetic Clinic"
BATCH = 2000


@dataclass
class Run:
    """One synth run's shared state (see `context`)."""

    ctx: Context
    seed: int
    dataset: int
    clinical: Clinical
    bank: AnswerBank
    profiles: dict
    stock: Stock | None = None
    ids: Ids = field(default_factory=Ids)
    done: int = 0  # patients loaded so far
    rows: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    _alerts: dict = field(default_factory=dict)

    def alerts(self, protocol_id: str, route: str, number: int) -> tuple:
        key = (protocol_id, number)
        if key not in self._alerts:
            monitoring = self.ctx.courses[(protocol_id, 0)].monitoring
            self._alerts[key] = alerts_for(self.profiles[route][number], monitoring)
        return self._alerts[key]


def synthesize(
    *,
    patients: int,
    seed: int,
    clinic: str = DEFAULT_CLINIC,
    batch_size: int = BATCH,
    workers: int = 1,
    progress: Callable[[int, int, dict], None] | None = None,
    defer: bool | None = None,
) -> SyntheticDataset:
    """Load `patients` synthetic patients into `clinic`; the run's `SyntheticDataset`.
    Raises `guard.SynthRefused` (nothing written) if the database may hold real patients.
    On PostgreSQL, `workers` processes generate batches while this one COPYs them in;
    `defer` sets the indexes and constraints aside during the server copies (None: when
    the copies at least double the patients; see `replicate.copy_all`)."""
    with transaction.atomic():
        check_may_load()
        dataset = SyntheticDataset.objects.create(
            clinic=_clinic(clinic), seed=seed, patients=patients
        )
        run = _run(prepare(clinic), seed, dataset.pk)
    jobs = [
        (number, first, min(batch_size, patients - first))
        for number, first in enumerate(range(0, patients, batch_size))
    ]
    generated, copies = replicate.split(jobs, batch_size, connection.vendor == "postgresql")
    progress = progress or (lambda done, total, rows: None)
    if connection.vendor == "postgresql" and workers > 1 and len(generated) > 1:
        sources = parallel.load(run, generated, workers, _store, progress, patients)
    else:
        sources = [_generate_and_store(run, job, progress, patients) for job in generated]
    _summaries(run, sources)
    replicate.copy_all(run, sources, copies, progress, patients, defer=defer)
    if copies:
        _dose_bins(run)
    _analyze(run)
    return _finish(dataset, run)


def _generate_and_store(run: Run, job: tuple, progress, total: int) -> replicate.Source:
    number, first, count = job
    bases = _reserve(run, count)
    started = time.perf_counter()
    rendered = render_batch(run, number, first, count, bases)
    _add(run.timings, "generate", time.perf_counter() - started)
    source = _store(run, job, bases, rendered)
    run.done += count
    progress(run.done, total, run.rows)
    return source


def _summaries(run: Run, sources: list) -> None:
    """The course summaries of the generated patients (`registry.services`)."""
    started = time.perf_counter()
    patients = [pk for s in sources for pk in range(s.bases[Patient], s.ends[Patient])]
    result = refresh_summaries(patients=patients, settled=True)
    run.rows["registry.CourseSummary"] = result.courses
    _add(run.timings, "refresh_summaries", time.perf_counter() - started)


def _reserve(run: Run, count: int) -> dict:
    return reserve(run.ids, count)


def render_batch(run: Run, number: int, first: int, count: int, bases: dict) -> list:
    """Batch `number` generated from ids `bases`: per table (model, rendered COPY text) on
    PostgreSQL, (model, the Table itself) on SQLite."""
    batch = Batch()
    batch.start_at(bases)
    generate(run, number, first, count, batch)
    if connection.vendor == "postgresql":
        return [(table.model, render(table)) for table in batch.ordered()]
    return [(table.model, table) for table in batch.ordered()]


def _store(run: Run, job: tuple, bases: dict, rendered: list) -> replicate.Source:
    """Write one batch in one transaction; where its rows went."""
    started = time.perf_counter()
    ends = dict(bases)
    with transaction.atomic():
        _fast_commit()
        for model, data in rendered:
            if isinstance(data, tuple):
                name, columns, text, count = data
                copy_rendered(name, columns, text)
            else:
                count = write(data)
            label = model._meta.label
            run.rows[label] = run.rows.get(label, 0) + count
            ends[model] = bases[model] + count
    _add(run.timings, "write", time.perf_counter() - started)
    number, first, count = job
    return replicate.Source(number=number, first=first, count=count, bases=bases, ends=ends)


def _clinic(name: str):
    from ketamine_care.accounts.models import Clinic

    return Clinic.objects.get_or_create(name=name)[0]


def _run(ctx: Context, seed: int, dataset: int) -> Run:
    vitals = random.Random(f"vitals:{seed}")
    return Run(
        ctx=ctx,
        seed=seed,
        dataset=dataset,
        clinical=Clinical(ctx.versions),
        bank=AnswerBank(seed, ctx.instruments, catalogue.ANSWER_VARIANTS),
        profiles={
            route: make_profiles(vitals, route, catalogue.VITAL_PROFILES)
            for route in ("iv", "intranasal")
        },
    )


def generate(run: Run, number: int, first: int, count: int, batch: Batch) -> Batch:
    """The rows of batch `number` (patients `first + 1` .. `first + count`) into `batch`,
    whose ids are reserved: the same seed, dataset and ids give the same rows."""
    rng = batch_random(run.seed, run.dataset, number)
    run.stock = Stock(run, number)
    for offset in range(count):
        d = draw(rng, first + offset + 1, run.ctx.today)
        batch.draws.append(d)
        patient = patient_rows(batch, run, d, rng)
        verdict = verdict_row(batch, run, d, patient, rng) if d.journey != "registered" else None
        if verdict is not None and d.journey == "course":
            course_rows(batch, run, d, patient, verdict, rng)
    run.stock.close(batch, rng)
    return batch


def _add(totals: dict, key: str, value: float) -> None:
    totals[key] = totals.get(key, 0) + value


def _fast_commit() -> None:
    """A lost batch on a crash is acceptable for synthetic data: commit without waiting for
    the WAL flush (this transaction only)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _dose_bins(run: Run) -> None:
    """The copied courses' mg/kg dose bins, which the registry's cube reads beside the copied
    summaries (`registry.dosebins`: one INSERT ... SELECT over the clinic's doses)."""
    started = time.perf_counter()
    run.rows["registry.CourseDoseBin"] = rebuild_clinic_dose_bins(run.ctx.clinic)
    _add(run.timings, "dose_bins", time.perf_counter() - started)


def _analyze(run: Run) -> None:
    """Fresh planner statistics for the tables just filled (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    from django.apps import apps

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for label in run.rows:
            cursor.execute(f'ANALYZE "{apps.get_model(label)._meta.db_table}"')
    _add(run.timings, "analyze", time.perf_counter() - started)


def _finish(dataset: SyntheticDataset, run: Run) -> SyntheticDataset:
    started = time.perf_counter()
    with transaction.atomic():
        dataset.completed_at = timezone.now()
        dataset.save(update_fields=["completed_at"])
        record(
            event_type="synthetic_data.loaded",
            clinic=run.ctx.clinic,
            obj=dataset,
            changes={"seed": run.seed, "patients": dataset.patients, "rows": run.rows},
        )
    _add(run.timings, "finish", time.perf_counter() - started)
    # What the run did, for the command's summary and the benchmark (not stored).
    dataset.loaded_rows = dict(run.rows)
    dataset.timings = dict(run.timings)
    return dataset
