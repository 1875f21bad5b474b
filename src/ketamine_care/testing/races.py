"""Writes that really happen at the same moment, for the race tests.

On PostgreSQL each call runs on its own thread, with its own database connection (closed when
it ends), and the calls start together at a barrier, so their transactions overlap. On SQLite
(one writer at a time) they run one after the other: the outcome a race test asserts must be
the same either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

# How long a thread may take before the test gives up on it: a bound against a hang, not a
# timing the test depends on (a loaded machine can take seconds to open a connection).
PATIENCE_S = 300


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call's outcome, in the order they finished: what it returned, or the `repr` of
    the exception it raised."""
    outcomes: list[Any] = []
    together = connection.vendor == "postgresql"
    barrier = threading.Barrier(len(calls)) if together else None

    def one(call: Callable[[], Any]) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=PATIENCE_S)
            outcomes.append(call())
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            outcomes.append(repr(exc))
        finally:
            if together:
                connection.close()  # this thread's own connection

    if not together:
        for call in calls:
            one(call)
        return outcomes
    threads = [threading.Thread(target=one, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=PATIENCE_S)
    assert not any(thread.is_alive() for thread in threads), "a write never finished"
    return outcomes
