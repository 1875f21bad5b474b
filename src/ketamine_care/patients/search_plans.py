"""The search's statements as `search_page` runs them, as querysets, for EXPLAIN in the
benchmarks (benchmarks/patient_search.py)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from ketamine_care.patients.search import (
    _bounded_count,
    _bounded_ids,
    _branches,
    _page,
    _page_keys,
    matching_patients,
)


def planned_queries(clinic, query: str, limit: int = 25) -> dict[str, QuerySet]:
    """The first page's query and the bounded count's queries, as `search_page` runs them
    (for EXPLAIN in benchmarks): `count` then one `count <n>` per way of matching."""
    matches = matching_patients(clinic, query)
    branches = _branches(clinic, query, matches.db, by_name=True)
    _, _, few = _bounded_count(matches, branches)
    exact_limit = settings.PATIENT_SEARCH_EXACT_COUNT_LIMIT
    if branches and few is None:
        ordered = _branches(clinic, query, matches.db, by_name=True, ordered=True)
        planned = {"page": _page_keys(ordered, Q(), 0, limit + 1)}
    else:
        planned = {"page": _page(clinic, query, matches, Q(), 0, limit + 1, few=few)}
    if not branches:
        planned["count"] = _bounded_ids(matches, branches, exact_limit)
    for number, branch in enumerate(branches or (), start=1):
        planned[f"count {number}"] = branch.order_by().values("id")[: exact_limit + 1]
    return planned
