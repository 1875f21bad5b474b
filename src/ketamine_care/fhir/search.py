"""A searchset page: the parts of a type read in order, a keyset page at a time.

Rows come in the order of their primary key. The next page starts after the last row shown:
the cursor is `<part>.<public id>` (internal keys never leave the server; the database finds
the key from the public id inside the page's own query). So a page costs the same queries
whatever the page size or how far the client has paged: one count per part that can match,
one read per part the page touches, one read per `_include`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Subquery

from ketamine_care.fhir import registry
from ketamine_care.fhir.access import Grant, scoped
from ketamine_care.fhir.params import Query, filter_part
from ketamine_care.fhir.registry import ResourceType
from ketamine_care.fhir.responses import FhirError


@dataclass
class Page:
    total: int
    matches: list[tuple[ResourceType, object]] = field(default_factory=list)
    included: list[tuple[ResourceType, object]] = field(default_factory=list)
    next_cursor: str = ""

    def patients(self) -> list:
        rows = self.matches + self.included
        found = [part.patient_of(row) for part, row in rows]
        return [p for p in found if p is not None]


def search(name: str, query: Query, grant: Grant) -> Page:
    parts = registry.parts_of(name)
    candidates = []
    for index, part in enumerate(parts):
        if not grant.may_read(part):
            continue
        rows = filter_part(part, lambda p=part: scoped(p.queryset(grant.clinic), p, grant), query)
        if rows is not None:
            candidates.append((index, part, rows))
    counts = {index: rows.count() for index, _part, rows in candidates}
    page = Page(total=sum(counts.values()))
    start, after = _cursor(query.cursor, len(parts))
    for index, part, rows in candidates:
        if index < start or query.count == 0:
            continue
        room = query.count - len(page.matches)
        if room == 0:
            # The page filled exactly at the end of an earlier part: go on here next time.
            if counts[index]:
                page.next_cursor = f"{index}.start"
                break
            continue
        if index == start and after is not None:
            lookup = part.key_filter(after)
            if lookup is None:
                raise FhirError(400, "invalid", "_cursor is not a position in this search.")
            keys = part.queryset(grant.clinic).filter(**lookup).values("id")[:1]
            rows = rows.filter(id__gt=Subquery(keys))
        got = list(rows.order_by("id")[: room + 1])
        page.matches.extend((part, row) for row in got[:room])
        if len(got) > room:
            page.next_cursor = f"{index}.{part.key_of(got[room - 1])}"
            break
    page.included = _included(query, page, grant)
    return page


def _cursor(text: str, size: int) -> tuple[int, str | None]:
    if not text:
        return 0, None
    index, _, after = text.partition(".")
    try:
        position = int(index)
        if not 0 <= position < size:
            raise ValueError(index)
        if after != "start" and not after:
            raise ValueError(text)
        return position, None if after == "start" else after
    except ValueError as exc:
        raise FhirError(400, "invalid", "_cursor is not a position in this search.") from exc


def _included(query: Query, page: Page, grant: Grant) -> list:
    included = []
    for include_name in query.includes:
        wanted: dict[str, set[int]] = {}
        for part, row in page.matches:
            include = part.includes.get(include_name)
            if include is None:
                continue
            key = _follow(row, include.path)
            if key is not None:
                wanted.setdefault(include.target, set()).add(key)
        for target, keys in wanted.items():
            target_part = registry.parts_of(target)[0]
            rows = scoped(target_part.queryset(grant.clinic), target_part, grant)
            included.extend((target_part, row) for row in rows.filter(pk__in=keys))
    return included


def _follow(row, path: str):
    *steps, last = path.split("__")
    for step in steps:
        row = getattr(row, step, None)
        if row is None:
            return None
    return getattr(row, f"{last}_id", None)


def page_links(request, name: str, query: Query, next_cursor: str) -> list[dict]:
    base = request.build_absolute_uri(f"/fhir/R4/{name}")
    used = [(k, v) for k, values in query.params.items() for v in values]
    used += [("_include", f"{name}:{i}") for i in query.includes]
    used.append(("_count", str(query.count)))
    links = [{"relation": "self", "url": f"{base}?{urlencode(used + _at(query.cursor))}"}]
    if next_cursor:
        links.append({"relation": "next", "url": f"{base}?{urlencode(used + _at(next_cursor))}"})
    return links


def _at(cursor: str) -> list[tuple[str, str]]:
    return [("_cursor", cursor)] if cursor else []
