"""An aggregate over a cohort of course summaries, its SQL kept once per cohort shape and
database connection.

Django builds `aggregates.outcome_counts`' query (some 110 filtered aggregates over a grouped
subquery) in about 70 ms of CPU, far more than the database takes to answer it for a clinic's
cohort; the dashboard's reference path and the cube's checks ask it many times with cohorts
that differ only in their values (the clinic, a protocol, the dates). The statement's SQL
depends on the cohort's SQL, never on those values, so the first call of a shape runs the
ORM's query and keeps the SQL it sent; each later call of that shape sends the kept SQL with
its own cohort's values in place of the first one's and converts the row as the ORM does.

A shape is kept only when the values can only go where the ORM put them: the ORM sent one
statement, the cohort's parameters are all in its WHERE clause (which the statement holds
whole), and they appear exactly once, as one run, among the statement's parameters. Any
other shape always goes through the ORM. The rows are converted by the converters the ORM
uses for the columns (the model field's, for a value of a field; an int for a count or a
sum); `registry/tests/test_kept_aggregate.py` checks, on both engines, that the kept
statement gives what the ORM gives for generated cohorts, value for value and type for type.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Field, QuerySet

from ketamine_care.core.compiled import compiled_statements

SHAPES = 128  # kept statements per connection, the oldest dropped first
_ORM_ONLY = "orm"  # a shape that is always built by the ORM


class Kept(NamedTuple):
    sql: str
    params: tuple
    start: int  # where the cohort's parameters begin in `params`
    names: tuple[str, ...]  # the aggregate's keys, in column order
    converters: tuple[tuple[tuple[Callable, Any], ...], ...]  # per column: (converter, column)


def kept_aggregate(
    rows: QuerySet, name: Hashable, build: Callable[[QuerySet], dict], fields: dict[str, Field]
) -> dict:
    """`build(rows)` (one `aggregate()` over the cohort `rows`), through the statement kept
    for the cohort's shape. `name` and the cohort's SQL make the shape; `fields` gives, for
    each key that is not an integer, the model field whose values it holds."""
    using = rows.db
    connection = connections[using]
    cohort = _cohort(rows, using)
    if cohort is None:
        return build(rows)
    cohort_sql, where_sql, cohort_params = cohort
    kept = compiled_statements(using).setdefault("aggregates", {})
    shape = (name, cohort_sql, tuple(type(p) for p in cohort_params))
    statement = kept.get(shape)
    if statement is None:
        result, kept[shape] = _first(rows, build, fields, connection, where_sql, cohort_params)
        if len(kept) > SHAPES:
            kept.pop(next(iter(kept)))
        return result
    if statement is _ORM_ONLY:
        return build(rows)
    return _run(statement, connection, cohort_params)


def _cohort(rows: QuerySet, using: str) -> tuple[str, str, list] | None:
    """The cohort's SQL, its WHERE clause and its parameters, when these are all the WHERE
    clause's (none in its SELECT or ORDER BY); None for any other cohort, and for one the
    ORM answers without SQL (`none()`)."""
    compiler = rows.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    if compiler.where is None:
        return None
    try:
        where_sql, where_params = compiler.compile(compiler.where)
    except (EmptyResultSet, FullResultSet):
        return None
    if list(where_params) != list(params):
        return None
    return sql, where_sql, list(params)


def _first(rows, build, fields, connection, where_sql: str, cohort_params: list):
    """The ORM's answer, and the statement to keep for the shape (or `_ORM_ONLY`)."""
    sent: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        sent.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        result = build(rows)
    if len(sent) != 1 or where_sql not in sent[0][0]:
        return result, _ORM_ONLY
    sql, params = sent[0]
    n = len(cohort_params)
    starts = [
        i
        for i in range(len(params) - n + 1)
        if all(
            type(a) is type(b) and a == b
            for a, b in zip(params[i : i + n], cohort_params, strict=True)
        )
    ]
    if n and len(starts) != 1:
        return result, _ORM_ONLY
    names = tuple(result)
    converters = tuple(_converters(fields.get(key), connection) for key in names)
    return result, Kept(sql, params, starts[0] if n else 0, names, converters)


def _converters(field: Field | None, connection) -> tuple[tuple[Callable, Any], ...]:
    """What the ORM applies to a column: for a model field's values, the backend's and the
    field's converters; for a count or a sum, an int (PostgreSQL sums as numeric)."""
    if field is None:
        return ((_integer, None),)
    column = field.get_col(field.model._meta.db_table)
    found = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
    return tuple((convert, column) for convert in found)


def _integer(value: Any, expression, connection) -> int | None:
    return None if value is None else int(value)


def _run(statement: Kept, connection, cohort_params: list) -> dict:
    params = list(statement.params)
    params[statement.start : statement.start + len(cohort_params)] = cohort_params
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
    out = {}
    for name, value, converters in zip(statement.names, row, statement.converters, strict=True):
        for convert, column in converters:
            value = convert(value, column, connection)
        out[name] = value
    return out
