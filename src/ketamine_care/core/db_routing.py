"""Read-only reports may read from a streaming replica (`DATABASE_REPLICA_URL`).

Only code that asks for it reads from the replica: inside `replica_reads()` (or a view
decorated with `@reads_from_replica`), queries go to the "replica" database when one is
configured. Everything else, and every write, uses the primary ("default"). A replica lags its
primary by a moment, so clinical reads that must see the latest writes (the chart, doses,
vital signs, the ledger, REMS forms) never use it.

Two rules keep a report correct: every write goes to the primary (the report's own audit
record included), and a read inside a transaction on the primary stays on the primary, so a
service that reads and then writes (audit's chain head, locks) sees its own data. With no
replica configured the router answers None everywhere: nothing changes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may use the replica (when there is one)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view):
    """A read-only report view: its queries (and its template's) may use the replica."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with replica_reads():
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response.render()  # a lazy template reads now, still from the replica
        return response

    return wrapped


class ReplicaRouter:
    """`DATABASE_ROUTERS` entry, installed only when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model, **hints) -> str | None:
        if not (_replica_reads.get() and has_replica()):
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # reading inside a write: see that write's data
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read there is the same object.
        dbs = {obj1._state.db, obj2._state.db}
        return True if dbs <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db, app_label, **hints) -> bool | None:
        # The replica is a copy made by the database server: never migrated by us.
        return False if db == REPLICA else None
