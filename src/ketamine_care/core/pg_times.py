"""Times read from PostgreSQL by psycopg's C loader, not by Django's Python one.

To give every `timestamptz` the zone Django expects, Django registers its own loader, a
Python subclass of psycopg's (`SpecificTzLoader`), and with it psycopg's compiled loader is
never used: parsing the times of a page of administrations or of a stretch of vitals cost
about a twentieth of the API's CPU under load. When the connection's own zone is UTC and
Django expects UTC, as this project's settings make it (TIME_ZONE "UTC", USE_TZ), psycopg's
compiled loader gives the same instants with the same `datetime.UTC` (`psycopg._tz`), so it
is put back (`use_compiled_loader`, on every new connection). Anything else (another zone,
naive times, psycopg without its C module) keeps Django's loader
(core/tests/test_pg_times.py)."""

from __future__ import annotations

import datetime

from django.conf import settings
from psycopg import _cmodule
from psycopg.pq import Format

_COMPILED = getattr(_cmodule._psycopg, "TimestamptzLoader", None)


class UtcTimestamptzLoader:
    """Stands for psycopg's compiled `timestamptz` loader (which cannot be subclassed) in a
    connection's adapters: what Django reads of a loader (`timezone`, `format`) on the class,
    and an instance of the compiled loader for each result."""

    timezone = datetime.UTC
    format = Format.TEXT

    def __new__(cls, oid: int, context=None):
        return _COMPILED(oid, context)  # type: ignore[misc]


def use_compiled_loader(sender, connection, **kwargs) -> None:
    """`connection_created`: the compiled loader where it gives what Django's would."""
    if connection.vendor != "postgresql" or _COMPILED is None or not settings.USE_TZ:
        return
    raw = connection.connection
    if connection.timezone is not datetime.UTC or raw.info.parameter_status("TimeZone") != "UTC":
        return
    raw.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
