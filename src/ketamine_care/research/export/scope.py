"""Who an export covers and how its rows are read: the project's consenting patients, and the
query helpers every table's source shares (its research id and date offset by join, its
ordinal numbers by a window over its own sort or, for a parent's number, a counting subquery
on the parent's index; its rows streamed in batches).

Every table's query names the patient through `path` ("patient", "session__patient") and is
filtered to the consenting patients of the project in SQL; the research id and the offset
are joined in, never looked up per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from zoneinfo import ZoneInfo

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

BATCH_ROWS = 50_000


@dataclass
class Scope:
    project: object  # research.models.ResearchProject
    patients: object  # the consenting patients' primary keys (a subquery: cohort.cohort_table)
    zone: ZoneInfo
    suppressed: set[str] = field(default_factory=set)  # research ids k-anonymity removed
    cohort: str = ""  # the temporary table `patients` reads, on Django's connection


def _join(path: str, name: str) -> str:
    return f"{path}__{name}" if path else name


def research_id(path: str) -> str:
    return _join(path, "research_subjects__research_id")


def offset(path: str) -> str:
    return _join(path, "research_shift__offset_days")


def scoped(queryset: QuerySet, scope: Scope, path: str) -> QuerySet:
    """Rows of the project's consenting patients, with their research subject joined."""
    return queryset.filter(
        **{
            f"{path}__in" if path else "pk__in": scope.patients,
            _join(path, "research_subjects__project"): scope.project,
        }
    )


class CountAll(Func):
    """COUNT(*) of a correlated subquery, without the GROUP BY an aggregate would add."""

    function = "COUNT"
    template = "%(function)s(*)"
    output_field = IntegerField()

    def __init__(self) -> None:
        super().__init__()


def count_of(queryset: QuerySet) -> Subquery:
    return Subquery(queryset.order_by().annotate(_n=CountAll()).values("_n")[:1])


def ordinal(queryset: QuerySet, *, prefix: str, moment: str) -> Subquery:
    """The row's number among its patient's rows of `queryset` ordered by (`moment`, id),
    counted from 1; 0 when the row has no such parent (a session outside any course)."""
    outer_moment = OuterRef(prefix + moment)
    earlier = queryset.filter(patient_id=OuterRef(prefix + "patient_id")).filter(
        Q(**{f"{moment}__lt": outer_moment})
        | Q(**{moment: outer_moment, "pk__lte": OuterRef(prefix + "pk")})
    )
    return count_of(earlier)


def row_number(moment: str) -> Window:
    """The row's number among its patient's rows of the query, ordered by (`moment`, id),
    from 1: one sort that the query's own ORDER BY shares. Equal to `ordinal` over the same
    rows (the children's tables number their parent that way), and cheaper at scale than a
    counting subquery per row."""
    return Window(
        RowNumber(), partition_by=[F("patient_id")], order_by=[F(moment).asc(), F("pk").asc()]
    )


def batches(queryset: QuerySet, names: list[str], size: int = BATCH_ROWS) -> Iterator[dict]:
    """The query's rows, `size` at a time, as {name: list of values}: a server-side cursor
    on PostgreSQL, so memory holds one batch whatever the table's size."""
    rows = queryset.values_list(*names).iterator(chunk_size=size)
    while chunk := list(islice(rows, size)):
        yield dict(zip(names, map(list, zip(*chunk, strict=True)), strict=True))
