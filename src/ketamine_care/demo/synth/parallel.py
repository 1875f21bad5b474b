"""Generating batches in worker processes while the main process COPYs the finished ones in
(PostgreSQL): generation is Python work, loading is the server's, and the two overlap. The
workers are forked after the run is prepared and never touch the database; ids are reserved
by the main process before a batch is handed out, so the rows are the same as a serial run's."""

from __future__ import annotations

import multiprocessing
import time
from collections import deque

from django.db import connections

_RUN = None  # the prepared run, inherited by the forked workers


def load(run, plan: list[tuple[int, int, int]], workers: int, store, progress, total) -> list:
    """Generate `plan`'s batches in `workers` processes; store each in order as it comes.
    The stored batches (`replicate.Source`), in order."""
    global _RUN
    from ketamine_care.demo.synth.run import _add, _reserve

    _RUN = run
    connections.close_all()  # the workers must not inherit an open connection
    sources = []
    pending: deque = deque()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for index, job in enumerate(plan):
            bases = _reserve(run, job[2])
            pending.append((job, bases, pool.apply_async(_work, (*job, bases))))
            last = index == len(plan) - 1
            while pending and (len(pending) > workers or last):
                done_job, done_bases, result = pending.popleft()
                rendered, seconds = result.get()
                _add(run.timings, "generate", seconds)
                sources.append(store(run, done_job, done_bases, rendered))
                run.done += done_job[2]
                progress(run.done, total, run.rows)
    return sources


def _work(number: int, first: int, count: int, bases: dict):
    from ketamine_care.demo.synth.run import render_batch

    started = time.perf_counter()
    rendered = render_batch(_RUN, number, first, count, bases)
    return rendered, time.perf_counter() - started
