"""An audit event's `changes` as lines a reader follows: "Systolic: 150 → 120" (pure).

Services record `{"old": {...}, "new": {...}}` for an edit, `{"new": {...}}` for a new row
and plain keys for everything else (`{"part": "screening"}`). Field names are shown through
the `audit_field` labels (`core.labels`), values as short text: a list joined by commas, a
nested object as "key: value" pairs, never as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketamine_care.core.labels import AUDIT_FIELD, label, number

ARROW = "→"
_MAX_TEXT = 200  # a long note is cut: the full text stays in the event


def value_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Mapping):
        return "; ".join(f"{label(AUDIT_FIELD, k)}: {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) or "—"
    text = number(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def change_lines(changes: Mapping[str, Any] | None) -> list[str]:
    """One line per field: "Field: old → new" for an edit, "Field: value" otherwise."""
    changes = changes or {}
    old = changes.get("old") if isinstance(changes.get("old"), Mapping) else {}
    new = changes.get("new") if isinstance(changes.get("new"), Mapping) else {}
    lines = []
    for key in [*new, *(k for k in old if k not in new)]:
        name = label(AUDIT_FIELD, key)
        if key in old:
            lines.append(f"{name}: {value_text(old[key])} {ARROW} {value_text(new.get(key))}")
        else:
            lines.append(f"{name}: {value_text(new[key])}")
    for key, value in changes.items():
        if key in ("old", "new") and isinstance(value, Mapping):
            continue
        lines.append(f"{label(AUDIT_FIELD, key)}: {value_text(value)}")
    return lines
