"""Two medical directors (or two tabs) writing to one protocol at the same moment: the
helpers the protocol race tests share.

On PostgreSQL each write runs on its own thread and connection, and the writes really overlap:
the audit write inside each transaction is slowed down so that, without the protocol's row
lock, both would read the protocol's versions before either commits. On SQLite (one writer at
a time) the writes run one after the other; the outcome must be the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from unittest import mock

from django.db import connection
from django.test import Client

from ketamine_care.accounts.models import Clinic, Role, User
from ketamine_care.audit.services import record as real_record
from ketamine_care.protocols import services
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.testing.base import make_user
from ketamine_care.testing.treatment import activate_trd

PATIENCE_S = 300  # a bound against a hang, not a timing the test depends on


def _slow_record(**kwargs):
    time.sleep(0.3)  # hold the transaction open while the other write tries
    return real_record(**kwargs)


def race(writes: list[Callable[[], str]]) -> list[str]:
    """Each write's outcome; on PostgreSQL the writes start together, each on its own
    connection."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(writes)) if connection.vendor == "postgresql" else None

    def one(write) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=PATIENCE_S)
            outcomes.append(write())
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            outcomes.append(repr(exc))
        finally:
            if barrier is not None:
                connection.close()  # this thread's own connection

    with mock.patch.object(services, "record", _slow_record):
        if barrier is None:
            for write in writes:
                one(write)
            return outcomes
        threads = [threading.Thread(target=one, args=(write,)) for write in writes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=PATIENCE_S)
    assert not any(thread.is_alive() for thread in threads), "a write never finished"
    return outcomes


def two_directors() -> tuple[Clinic, User, User]:
    clinic = Clinic.objects.create(name="Race Clinic")
    first, second = (make_user(f"md{i}@race.clinic", clinic, Role.MEDICAL_DIRECTOR) for i in (1, 2))
    return clinic, first, second


def directors() -> tuple[User, User, ProtocolVersion]:
    """Two medical directors of one clinic, and the TRD protocol active there (version 1)."""
    clinic, first, second = two_directors()
    return first, second, activate_trd(clinic=clinic, director=first)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
