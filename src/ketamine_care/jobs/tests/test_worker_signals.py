"""A worker run inside a test installs its own signal handlers (django-tasks' db_worker); the
next test starts with the test run's handlers again (root conftest.py). A test that forks a
process pool after a worker test once hung: its children kept the worker's SIGTERM handler,
which only asks a finished worker to stop, so the pool's SIGTERM never ended them."""

from __future__ import annotations

import multiprocessing
import signal

import pytest

from ketamine_care.testing.jobs import run_worker

# As the run set them, before any test of this module (the module's tests run in this order,
# in one process: pytest-xdist's --dist loadscope keeps a module together).
RUN_HANDLER = signal.getsignal(signal.SIGTERM)


@pytest.mark.django_db
def test_a_worker_run_in_a_test_installs_its_own_sigterm_handler():
    run_worker()
    assert signal.getsignal(signal.SIGTERM) is not RUN_HANDLER


def _pid(_: int) -> int:
    import os

    return os.getpid()


def test_the_next_test_has_the_runs_handler_and_a_forked_pool_ends():
    assert signal.getsignal(signal.SIGTERM) is RUN_HANDLER
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert len(set(pool.map(_pid, range(4)))) >= 1
    # leaving the block terminated the children: joined, none left running
    assert multiprocessing.active_children() == []
