"""Where the measure and safety tables come from: rating-scale administrations, their item
answers (numeric answers to the definition's own items only: anything else is dropped, so
no typed text can leave) and adverse events (their kind, severity and outcome; never the
description or the action taken, which are free text)."""

from __future__ import annotations

from functools import cache

import pyarrow as pa
from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import TruncDate

from ketamine_care.instruments.definition import UnknownInstrument, UnknownInstrumentVersion
from ketamine_care.instruments.definition import definition as instrument_definition
from ketamine_care.instruments.models import Administration
from ketamine_care.research.export import columns as c
from ketamine_care.research.export.arrays import minutes, shifted, typed
from ketamine_care.research.export.scope import Scope, offset, research_id, row_number, scoped
from ketamine_care.research.export.sources import Source, session_number
from ketamine_care.treatment_sessions.models import AdverseEvent


def _administrations_query(scope: Scope) -> QuerySet:
    rows = scoped(Administration.objects.active(), scope, "patient")
    return rows.annotate(
        rid=F(research_id("patient")),
        shift=F(offset("patient")),
        number=row_number("administered_at"),
        day=TruncDate("administered_at", tzinfo=scope.zone),
    ).order_by("patient_id", "administered_at", "pk")


@cache
def instrument_codes(code: str, version: str) -> tuple[str | None, dict[str, str | None]]:
    """(the scale's LOINC panel, {item id: item LOINC}) of one definition version; unknown
    versions give no codes and no items (their answers are left out)."""
    try:
        loaded = instrument_definition(code, version)
    except (UnknownInstrument, UnknownInstrumentVersion):
        return None, {}
    panel = loaded.loinc.panel if loaded.loinc is not None else None
    return panel, {item.id: item.loinc for item in loaded.items}


def _build_administrations(scope: Scope, row: dict) -> list[pa.Array]:
    codes = row["instrument_code"]
    panels = [
        instrument_codes(code, v)[0]
        for code, v in zip(codes, row["definition_version"], strict=True)
    ]
    return [
        typed(row["rid"], pa.string()),
        typed(row["number"], pa.int64()),
        typed(codes, pa.string()),
        typed(panels, pa.string()),
        typed(row["definition_version"], pa.string()),
        shifted(row["day"], row["shift"]),
        typed(row["time_point"], pa.string()),
        typed(row["follow_up_day"], pa.int64()),
        typed(row["source"], pa.string()),
        typed(row["total"], pa.int64()),
        typed(row["band"], pa.string()),
    ]


ADMINISTRATIONS = Source(
    c.ADMINISTRATIONS,
    _administrations_query,
    ("rid", "shift", "number", "instrument_code", "definition_version", "day", "time_point",
     "follow_up_day", "source", "total", "band"),
    _build_administrations,
)  # fmt: skip


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _build_answers(scope: Scope, row: dict) -> list[pa.Array]:
    out: dict[str, list] = {name: [] for name in c.ITEM_ANSWERS.names}
    fields = ("rid", "number", "instrument_code", "definition_version", "answers")
    for rid, number, code, version, answers in zip(*(row[f] for f in fields), strict=True):
        items = instrument_codes(code, version)[1]
        for item, value in (answers or {}).items():
            if item in items and _is_number(value):
                out["research_id"].append(rid)
                out["administration_number"].append(number)
                out["instrument"].append(code)
                out["item"].append(item)
                out["item_loinc"].append(items[item])
                out["value"].append(float(value))
    return [typed(out[col.name], col.arrow_type) for col in c.ITEM_ANSWERS.columns]


ITEM_ANSWERS = Source(
    c.ITEM_ANSWERS,
    _administrations_query,
    ("rid", "number", "instrument_code", "definition_version", "answers"),
    _build_answers,
)


def _adverse_events(scope: Scope) -> QuerySet:
    events = scoped(AdverseEvent.objects.all(), scope, "session__patient")
    return events.annotate(
        rid=F(research_id("session__patient")),
        number=session_number("session__"),
        onset=ExpressionWrapper(
            F("onset_at") - F("session__dose_started_at"), output_field=DurationField()
        ),
    ).order_by("session__patient_id", "session__scheduled_for", "onset_at", "pk")


def _build_adverse_events(scope: Scope, row: dict) -> list[pa.Array]:
    return [
        typed(row["rid"], pa.string()),
        typed(row["number"], pa.int64()),
        typed(row["event_type"], pa.string()),
        typed(row["severity"], pa.string()),
        typed(row["serious"], pa.bool_()),
        typed(row["outcome"], pa.string()),
        minutes(row["onset"]),
    ]


ADVERSE_EVENTS = Source(
    c.ADVERSE_EVENTS,
    _adverse_events,
    ("rid", "number", "event_type", "severity", "serious", "outcome", "onset"),
    _build_adverse_events,
)
