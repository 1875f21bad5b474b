"""A patient's administrations a page at a time, newest first (administered_at, then id).

A page starts after the administration the cursor names (its public id): no page sorts or
skips the rows before it, and the rows come from the `administration_recent` index (patient,
time, id), so a page costs the same with 20 administrations as with 5,000.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import F, Q

from ketamine_care.core.compiled import INT, INTS, TEXT, CompiledQuery
from ketamine_care.core.errors import DomainError
from ketamine_care.core.lookups import AnyOf
from ketamine_care.instruments.models import Administration

NEWEST_FIRST = ("-administered_at", "-id")


class BadCursor(DomainError):
    pass


@dataclass(frozen=True)
class AdministrationsPage:
    rows: list[Administration]
    next_cursor: str | None


def _after(patient, cursor: str) -> Q:
    """The administrations older than the one `cursor` names; a cursor that is not one of
    this patient's administrations is a 400 naming `cursor`."""
    try:
        public_id = uuid.UUID(cursor)
    except (ValueError, AttributeError, TypeError):
        public_id = None
    last = (
        Administration.objects.filter(patient=patient, public_id=public_id)
        .values_list("administered_at", "id")
        .first()
        if public_id
        else None
    )
    if last is None:
        raise BadCursor(
            "The cursor is not an administration of this patient: start from the first page.",
            fields={"cursor": "Unknown cursor; use the `next` value of the previous page."},
        )
    moment, pk = last
    return Q(administered_at__lt=moment) | Q(administered_at=moment, id__lt=pk)


def _page_rows(patient, instrument: str, cursor: str):
    rows = Administration.objects.filter(patient=patient)
    if instrument:
        rows = rows.filter(instrument_code=instrument)
    if cursor:
        rows = rows.filter(_after(patient, cursor))
    return rows.order_by(*NEWEST_FIRST)


def administrations_page(patient, *, instrument: str = "", cursor: str = "", limit: int):
    """`limit` administrations of `patient` (every status; of one instrument if given), newest
    first, after `cursor`, with their alerts, and the cursor of the next page (None on the
    last)."""
    rows = _page_rows(patient, instrument, cursor).prefetch_related("safety_alerts")
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return AdministrationsPage(found, str(found[-1].public_id) if more and found else None)


@dataclass(frozen=True)
class AdministrationValuesPage:
    rows: list[dict[str, Any]]
    alerts: dict[int, list[dict[str, Any]]]  # by administration id, in the alerts' own order
    next_cursor: str | None


def administrations_page_values(
    patient, fields, alert_fields, *, instrument: str = "", cursor: str = "", limit: int
) -> AdministrationValuesPage:
    """`administrations_page` as plain values: the rows' `fields` (which must include "id"
    and "public_id") and their alerts' `alert_fields`, in one query each, without building a
    model instance or a related queryset per row (most of the CPU of a long page)."""
    if cursor or type(patient.pk) is not int:
        found = list(_page_rows(patient, instrument, cursor).values(*fields)[: limit + 1])
    else:
        found = _first_page(patient, tuple(fields), instrument, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    alerts: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in found}
    if alerts:
        # Each field once, as `values()` selects it.
        fields_once = tuple(dict.fromkeys(("administration_id", *alert_fields)))
        for alert in _alerts_of(list(alerts), fields_once):
            alerts[alert["administration_id"]].append(alert)
    cursor_out = str(found[-1]["public_id"]) if more and found else None
    return AdministrationValuesPage(found, alerts, cursor_out)


# A chart opens on the first page: its query, and its alerts' query (on SQLite one for each
# number of rows),
# are compiled once per connection (`core.compiled`), keyed by what shapes their SQL.
_COMPILED: dict[tuple, CompiledQuery] = {}


def first_page_rows(*, patient_id: int, instrument: str | None = None, fields, size: int):
    """The first page's query as `_page_rows` builds it, as values of `fields`."""
    rows = Administration.objects.filter(patient_id=patient_id)
    if instrument is not None:
        rows = rows.filter(instrument_code=instrument)
    return rows.order_by(*NEWEST_FIRST).values_list(*fields)[:size]


def page_alerts(*, fields, ids=None, **each: int):
    """The alerts of the administrations `ids` (one list: `AnyOf`, PostgreSQL) or `each`
    (id0, id1, ...: `in`), as values of `fields`."""
    model = Administration._meta.get_field("safety_alerts").related_model
    if ids is not None:
        rows = model.objects.filter(AnyOf(F("administration_id"), ids))
    else:
        rows = model.objects.filter(administration_id__in=list(each.values()))
    return rows.values_list(*fields)


def _compiled(
    key: tuple, build, *names: str, integers: tuple[str, ...], lists: tuple[str, ...] = ()
) -> CompiledQuery:
    if key not in _COMPILED:
        name = "administrations:" + ":".join(map(str, key))
        params = {n: INTS if n in lists else INT if n in integers else TEXT for n in names}
        _COMPILED[key] = CompiledQuery(name, build, **params)
    return _COMPILED[key]


def _first_page(patient, fields: tuple[str, ...], instrument: str, size: int) -> list[dict]:
    names = ("patient_id", "instrument") if instrument else ("patient_id",)
    build = functools.partial(first_page_rows, fields=fields, size=size)
    query = _compiled(("page", fields, bool(instrument), size), build, *names,
                      integers=("patient_id",))  # fmt: skip
    values = {"patient_id": patient.pk, "instrument": instrument}
    using = router.db_for_read(Administration)
    rows = query.rows(using, **{name: values[name] for name in names})
    return [dict(zip(fields, row, strict=True)) for row in rows]


def _alerts_of(ids: list[int], fields: tuple[str, ...]) -> list[dict]:
    model = Administration._meta.get_field("safety_alerts").related_model
    if any(type(pk) is not int for pk in ids):
        return list(model.objects.filter(administration_id__in=ids).values(*fields))
    using = router.db_for_read(model)
    build = functools.partial(page_alerts, fields=fields)
    if connections[using].vendor == "postgresql":
        # One statement whatever the page's length: the ids as one array.
        query = _compiled(("alerts", fields), build, "ids", integers=(), lists=("ids",))
        rows = query.rows(using, ids=ids)
    else:
        names = tuple(f"id{n}" for n in range(len(ids)))
        query = _compiled(("alerts", fields, len(ids)), build, *names, integers=names)
        rows = query.rows(using, **dict(zip(names, ids, strict=True)))
    return [dict(zip(fields, row, strict=True)) for row in rows]
