"""Querysets compiled once per database connection, with values of any type put in by position.

`core.prepared.PreparedQuery` takes text values only (its markers are text). `CompiledQuery`
builds the queryset once with a sentinel value of each parameter's own type (an int, a time,
a text), finds the one SQL parameter each sentinel became, and keeps the SQL and the
compiler. Each later run only puts the values in those positions, each prepared by the field
it is compared with (`get_db_prep_value`: a time becomes text on SQLite, a UUID its hex), and
converts the rows as the ORM does (`compiler.results_iter`: time zones, JSON, booleans). The
compilation checks itself: a sentinel must give exactly one parameter, and preparing the
sentinel through its field must give that parameter back; otherwise it raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet


class CompiledQuery:
    """`build(**sentinels)` returns a `values_list` queryset; `slots` names, for each value,
    (sentinel, field compared with it). `rows(using, **values)` runs it with the values."""

    def __init__(
        self,
        name: str,
        build: Callable[..., QuerySet],
        **slots: tuple[Any, Field],
    ) -> None:
        self.name, self.build, self.slots = name, build, slots

    def rows(self, using: str, **values: Any) -> list[tuple]:
        connection = connections[using]
        compiled = connection.__dict__.setdefault("compiled_queries", {})
        if self.name not in compiled:
            compiled[self.name] = self._compile(connection, using)
        compiler, sql, params, positions = compiled[self.name]
        params = list(params)
        for name, position in positions.items():
            field = self.slots[name][1]
            params[position] = field.get_db_prep_value(values[name], connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return [tuple(row) for row in compiler.results_iter(results=[found])]

    def _compile(self, connection, using: str):
        compiler = self.build(**{n: s for n, (s, _) in self.slots.items()}).query.get_compiler(
            using=using
        )
        sql, params = compiler.as_sql()
        positions = {}
        for name, (sentinel, field) in self.slots.items():
            prepared = field.get_db_prep_value(sentinel, connection)
            found = [
                i for i, value in enumerate(params) if type(value) is type(prepared)
                and value == prepared
            ]  # fmt: skip
            if len(found) != 1:
                raise ValueError(f"{self.name}: {name} must become exactly one parameter")
            positions[name] = found[0]
        return compiler, sql, tuple(params), positions
