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


def load(run, plan: list[tuple[int, int, int]], workers: int, store, progress) -> None:
    """Generate `plan`'s batches in `workers` processes; store each in order as it comes."""
    global _RUN
    from ketamine_care.demo.synth.run import _add, _reserve

    _RUN = run
    connections.close_all()  # the workers must not inherit an open connection
    total = sum(count for _, _, count in plan)
    done = 0
    pending: deque = deque()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for index, (number, first, count) in enumerate(plan):
            bases = _reserve(run, count)
            pending.append((count, pool.apply_async(_work, (number, first, count, bases))))
            last = index == len(plan) - 1
            while pending and (len(pending) > workers or last):
                count_done, result = pending.popleft()
                rendered, seconds = result.get()
                _add(run.timings, "generate", seconds)
                store(run, rendered)
                done += count_done
                if progress:
                    progress(done, total, run.rows)


def _work(number: int, first: int, count: int, bases: dict):
    from ketamine_care.demo.synth.run import render_batch

    started = time.perf_counter()
    rendered = render_batch(_RUN, number, first, count, bases)
    return rendered, time.perf_counter() - started
