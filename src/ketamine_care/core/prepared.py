"""Querysets that every request runs, compiled once per database connection.

Building a queryset and compiling it to SQL costs Django about as much CPU as a whole
`/healthz` answer; for the few queries that run on every request (the API token, the audit
chain's head) the SQL never changes, only a few values in it. `PreparedQuery` builds the
queryset once with a marker in place of each such value, keeps the SQL and the compiler, and
then only runs that SQL with the values and converts the rows as the ORM does (time zones,
booleans, JSON). The queryset stays the definition: what it finds is what the ORM finds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet


class PreparedQuery:
    """`build(**markers)` returns a `values_list` queryset in which each named value is the
    marker given for it (used once each); `rows(using, **values)` runs it with the values.
    The values reach the database as given, not through a field's conversion: text compared
    with text columns only (a UUID or a date is stored differently on each backend)."""

    def __init__(self, name: str, build: Callable[..., QuerySet], *names: str) -> None:
        self.name, self.build, self.names = name, build, names

    def rows(self, using: str, **values: Any) -> list[tuple]:
        connection = connections[using]
        compiled = connection.__dict__.setdefault("prepared_queries", {})
        if self.name not in compiled:
            compiled[self.name] = self._compile(using)
        compiler, sql, params, positions = compiled[self.name]
        params = list(params)
        for name, position in positions.items():
            params[position] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return [tuple(row) for row in compiler.results_iter(results=[found])]

    def _compile(self, using: str):
        markers = {name: f"\x00{self.name}:{name}\x00" for name in self.names}
        compiler = self.build(**markers).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = {}
        for name, marker in markers.items():
            found = [i for i, value in enumerate(params) if value == marker]
            if len(found) != 1:
                raise ValueError(f"{self.name}: {name} must be in the query once")
            positions[name] = found[0]
        return compiler, sql, tuple(params), positions
