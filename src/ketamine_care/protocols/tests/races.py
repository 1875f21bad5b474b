"""Two medical directors (or two tabs) writing to one protocol at the same moment: the
helpers the protocol race tests share.

On PostgreSQL each write runs on its own thread and connection, and the writes really overlap:
the audit write inside each transaction is slowed down so that, without the protocol's row
lock, both would read the protocol's versions before either commits. On SQLite (one writer at
a time) the writes run one after the other; the outcome must be the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from unittest import mock

from django.test import Client

from ketamine_care.accounts.models import Clinic, Role, User
from ketamine_care.audit.services import record as real_record
from ketamine_care.protocols import services
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.testing.base import make_user
from ketamine_care.testing.races import at_once
from ketamine_care.testing.treatment import activate_trd


def _slow_record(**kwargs):
    time.sleep(0.3)  # hold the transaction open while the other write tries
    return real_record(**kwargs)


def race(writes: list[Callable[[], str]]) -> list[str]:
    """Each write's outcome (`testing.races.at_once`), the audit write slowed down."""
    with mock.patch.object(services, "record", _slow_record):
        return at_once(writes)


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
