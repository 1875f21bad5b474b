"""Pure preview of a partly answered form: what can be said so far. No Django imports.

The live score card on the entry form calls this on every answer; only a complete answer set
is scored (by `scoring.score`), so a preview never shows a band for a partial total.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field

from .definition import InstrumentDefinition
from .scoring import AnswerError, ScoreResult, score

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}


@dataclass(frozen=True)
class Preview:
    instrument: str
    item_count: int
    answered: int
    running_total: int | None
    flags: tuple[str, ...]
    result: ScoreResult | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.result is not None


def _parse(definition: InstrumentDefinition, raw: Mapping[str, object]) -> tuple[dict, dict]:
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    for item in definition.items:
        given = raw.get(item.id)
        if given in (None, ""):
            continue
        try:
            number = int(str(given))
        except ValueError:
            number = None
        if number is None or number not in item.allowed_values():
            errors[item.id] = f"{item.name}: allowed {item.describe_allowed()}"
            continue
        values[item.id] = number
    return values, errors


def _preview_calendar(
    definition: InstrumentDefinition, raw: Mapping[str, object], sex: str | None
) -> Preview:
    """TLFB: the day list is one field, so the preview scores it whole or names the error.
    The sex may stay empty: the patient's recorded sex picks the heavy-day line."""
    answered = sum(1 for i in definition.item_ids if raw.get(i) not in (None, ""))
    result, errors = None, {}
    assert definition.calendar is not None
    if raw.get(definition.calendar.day_item) not in (None, ""):
        try:
            result = score(definition, dict(raw), sex=sex)
        except AnswerError as exc:
            errors[exc.item_id or "answers"] = exc.message
    return Preview(definition.code, len(definition.items), answered, None, (), result, errors)


def preview(
    definition: InstrumentDefinition, raw: Mapping[str, object], *, sex: str | None = None
) -> Preview:
    """Answered count, running total (summed methods only), item flags already raised, and the
    full ScoreResult once every item is answered validly. `sex`: the patient's recorded sex,
    for a screen whose cut-off depends on it (AUDIT-C); a screen waits for a complete form."""
    if definition.calendar is not None:
        return _preview_calendar(definition, raw, sex)
    values, errors = _parse(definition, raw)
    flags = tuple(
        f.flag
        for f in definition.safety_flags
        if f.item in values and _OPS[f.op](values[f.item], f.value)
    )
    summed = definition.scoring_method in ("sum", "entered_total", "single_rating")
    result = None
    if len(values) == len(definition.items) and not errors:
        try:
            result = score(definition, [values[i] for i in definition.item_ids], sex=sex)
        except AnswerError as exc:
            errors[exc.item_id or "answers"] = exc.message
    return Preview(
        instrument=definition.code,
        item_count=len(definition.items),
        answered=len(values),
        running_total=sum(values.values()) if summed and values else None,
        flags=result.flags if result else tuple(dict.fromkeys(flags)),
        result=result,
        errors=errors,
    )
