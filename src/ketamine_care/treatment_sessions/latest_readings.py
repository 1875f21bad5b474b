"""The latest N readings of many sessions, and each one's latest blood-pressure time, in one
query whose cost follows the sessions asked for, not the readings stored.

On PostgreSQL a LATERAL join walks the (session, measured_at) index backwards from each
session's newest reading and stops after N (and after the first reading with a BP). SQLite
has no LATERAL: the same answer comes from a window function (ROW_NUMBER per session) and a
correlated subquery, which reads every reading of the sessions asked for.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber

from ketamine_care.treatment_sessions.models import VitalSignsReading
from ketamine_care.treatment_sessions.monitoring import READING_VALUES

Latest = dict[int, tuple[list[dict[str, Any]], datetime | None]]


def latest_readings(session_ids: list[int], count: int) -> Latest:
    """{session id: (its latest `count` readings newest first, as dicts of READING_VALUES;
    the time of its latest reading with a blood pressure, or None)} for the sessions that
    have readings. No query when `session_ids` is empty."""
    if not session_ids:
        return {}
    if connection.vendor == "postgresql":
        return _lateral(session_ids, count)
    return _windowed(session_ids, count)


def _columns() -> list[str]:
    meta = VitalSignsReading._meta
    return [meta.get_field(name).column for name in READING_VALUES]


def lateral_sql(count_placeholder: str = "%s") -> str:
    """The PostgreSQL statement: parameters are the session ids (an array) and N."""
    table = VitalSignsReading._meta.db_table
    columns = ", ".join(f"r.{column}" for column in _columns())
    return (
        f"SELECT chosen.id, {columns}, bp.measured_at "
        "FROM unnest(%s::bigint[]) AS chosen(id) "
        f"CROSS JOIN LATERAL (SELECT * FROM {table} AS v WHERE v.session_id = chosen.id "
        f"ORDER BY v.measured_at DESC, v.id DESC LIMIT {count_placeholder}) AS r "
        f"LEFT JOIN LATERAL (SELECT b.measured_at FROM {table} AS b "
        "WHERE b.session_id = chosen.id AND b.bp_systolic_mmhg IS NOT NULL "
        "ORDER BY b.measured_at DESC LIMIT 1) AS bp ON true "
        "ORDER BY chosen.id, r.measured_at DESC, r.id DESC"
    )


def _lateral(session_ids: list[int], count: int) -> Latest:
    field = VitalSignsReading._meta.get_field("symptoms")
    found: Latest = {}
    with connection.cursor() as cursor:
        cursor.execute(lateral_sql(), [list(session_ids), count])
        for session_id, *values, last_bp in cursor.fetchall():
            row = dict(zip(READING_VALUES, values, strict=True))
            if isinstance(row["symptoms"], str):
                row["symptoms"] = field.from_db_value(row["symptoms"], None, connection)
            found.setdefault(session_id, ([], last_bp))[0].append(row)
    return found


def _windowed(session_ids: list[int], count: int) -> Latest:
    last_bp = VitalSignsReading.objects.filter(
        session_id=OuterRef("session_id"), bp_systolic_mmhg__isnull=False
    ).order_by("-measured_at")
    rows = (
        VitalSignsReading.objects.filter(session_id__in=session_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("session_id")],
                order_by=[F("measured_at").desc(), F("id").desc()],
            ),
            last_bp=Subquery(last_bp.values("measured_at")[:1]),
        )
        .filter(rank__lte=count)
        .order_by("session_id", "-measured_at", "-id")
        .values("session_id", "last_bp", *READING_VALUES)
    )
    found: dict[int, tuple[list[dict[str, Any]], datetime | None]] = {}
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        session_id, bp_at = row.pop("session_id"), row.pop("last_bp")
        grouped[session_id].append(row)
        found[session_id] = (grouped[session_id], bp_at)
    return found
