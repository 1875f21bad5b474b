"""The patient search's SQL that the ORM does not write (`patients.search` builds the ways of
matching with the ORM and hands their SQL here): the bounded count of every way of matching in
one statement, the first page's rows from it, the rows of a page walked in index order; and
what the search asks PostgreSQL about itself (its collation, the planner's estimate)."""

from __future__ import annotations

import functools
import json

from django.db import connections
from django.db.models import Lookup, QuerySet


class InArrayOf(Lookup):
    """`lhs = ANY(ARRAY(subquery))` (PostgreSQL): the subquery's rows are made an array once
    and each is looked up on the left side's index, where `lhs IN (subquery)` leaves the
    planner free to hash the subquery and read every row of the left side's table (all the
    clinic's patients) to probe it. The same rows for values that are never NULL (the
    search's names)."""

    lookup_name = "in_array_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


def counts_sql(sqls: list[tuple[str, tuple]], limit: int) -> tuple[str, list]:
    """One statement answering, per way of matching, an array: its count of at most
    limit + 1 ids, then the ids when the count is within the limit. A way's count is an
    uncorrelated subquery in a CASE whose condition is that every way before it was within
    the limit: PostgreSQL runs such a subquery (an InitPlan) only when the CASE needs it, so
    a broad first way of matching spares the others, as one query per way did. `OFFSET 0`
    keeps each level a subquery of its own, so that no count is copied into the next level's
    expressions and run twice."""
    counts = [
        (
            "(SELECT CASE WHEN count(*) <= %s "
            "THEN array_prepend(count(*), array_agg(bounded.id::bigint)) ELSE ARRAY[count(*)] END "
            f"FROM ({sql}) AS bounded)",  # noqa: S608 (the ORM's own SQL)
            [limit, *params],
        )
        for sql, params in sqls
    ]
    statement, params = f"SELECT {counts[0][0]} AS a0", counts[0][1]
    for k, (count, count_params) in enumerate(counts[1:], start=1):
        earlier = [f"a{j}" for j in range(k)]
        within = " AND ".join(f"{a}[1] <= %s" for a in earlier)
        statement = (
            f"SELECT {', '.join(earlier)}, CASE WHEN {within} THEN {count} END AS a{k} "
            f"FROM ({statement} OFFSET 0) AS t{k}"
        )
        params = [*([limit] * k), *count_params, *params]
    return statement, params


def rows_sql(columns, table: str) -> str:
    """The page's columns, then the search order's (o1, o2, o3: the id)."""
    selected = "".join(f'"{column}" AS c{i}, ' for i, column in enumerate(columns))
    order = '"family_name_search" AS o1, "given_name_search" AS o2, "id" AS o3'
    return f'{selected}{order} FROM "{table}"'


def first_page_sql(ways, counts, clinic_id, limit, few, at, columns, table):
    """One statement: the bounded count's arrays (`counts_sql`, `ways` of them) merged into
    the distinct ids matched when every way was within the limit (else NULL) and their
    number `n`; when `n` is at most `few` (SORT_AT_MOST and the limit), the page's rows: the
    first `size` after `offset` of those ids in the search order (a gating condition on `n`:
    otherwise no row is read). Each row: n, the patient's id (NULL when there is no row on
    the page: the one row then carries only n), then `columns`."""
    offset, size = at
    within = " AND ".join(f"a{j}[1] <= %s" for j in range(ways))
    merged = " || ".join(f"a{j}[2:]" for j in range(ways))
    listed = "".join(f", p.c{i}" for i in range(len(columns)))
    statement = (
        f"SELECT m.n, p.o3{listed} FROM (SELECT cardinality(d.ids) AS n, d.ids FROM "  # noqa: S608
        f"(SELECT CASE WHEN {within} THEN ARRAY(SELECT DISTINCT u.id FROM unnest({merged}) "
        f"AS u(id)) END AS ids FROM ({counts[0]} OFFSET 0) AS c OFFSET 0) AS d OFFSET 0) AS m "
        f"LEFT JOIN LATERAL (SELECT {rows_sql(columns, table)} WHERE m.n <= %s "
        'AND "clinic_id" = %s AND "id" = ANY(m.ids) ORDER BY o1, o2, o3 LIMIT %s OFFSET %s) '
        "AS p ON true ORDER BY p.o1, p.o2, p.o3"
    )
    return statement, [*([limit] * ways), *counts[1], few, clinic_id, size, offset]


def walked_page_sql(keys: str, params, clinic_id, columns, table: str) -> tuple[str, list]:
    """The rows of a page whose order's keys `keys` selects (the first page's keys of each way
    of matching), read by primary key, in the search order."""
    statement = (
        f"SELECT o3{''.join(f', c{i}' for i in range(len(columns)))} FROM (SELECT "  # noqa: S608
        f'{rows_sql(columns, table)} WHERE "clinic_id" = %s AND "id" = ANY(ARRAY(SELECT page.id '
        f"FROM ({keys}) AS page))) AS p ORDER BY o1, o2, o3"
    )
    return statement, [clinic_id, *params]


@functools.cache
def codepoint_ordered(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        return cursor.fetchone()[0] in ("C", "POSIX", "C.UTF-8", "C.utf8")


def planner_estimate(matches: QuerySet, limit: int) -> int:
    """The planner's estimate of the matches (never below the limit + 1); the full count where
    there is no planner estimate to read (SQLite: small databases)."""
    if connections[matches.db].vendor != "postgresql":
        return matches.count()
    plan = json.loads(matches.order_by().values("id").explain(format="json"))
    return max(int(plan[0]["Plan"]["Plan Rows"]), limit + 1)
