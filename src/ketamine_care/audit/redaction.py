"""What a role without `VIEW_AUDIT_CONTENT` (the clinic admin) sees of an event's `changes`.

Minimum necessary (issue 9): the clinic admin answers "who did what, to which record, when",
not "what was the score, the flag, the note, the dose". Values in `changes` are clinical
content (PHQ-9 totals, suicide-item flags, signed notes, doses, reasons), so they are
replaced by the names of the fields that changed. Only a short allowlist of values that
describe the access itself (which part of a chart was read, how many rows a search returned,
an export's date range) stays visible; anything else is hidden, including keys added later:
new content is redacted until someone decides otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Values that say what kind of access this was, never what the record says.
VISIBLE_VALUES = frozenset({"part", "count", "results", "start", "end", "forms"})
# Containers whose keys are the changed fields ({"old": {...}, "new": {...}}).
_CONTAINERS = ("old", "new")


@dataclass(frozen=True)
class RedactedChanges:
    fields: tuple[str, ...]  # names of the fields whose values are hidden
    visible: tuple[tuple[str, str], ...]  # (name, value) pairs from VISIBLE_VALUES

    def __bool__(self) -> bool:
        return bool(self.fields or self.visible)


def redact(changes: dict[str, Any] | None) -> RedactedChanges:
    fields: list[str] = []
    visible: list[tuple[str, str]] = []
    for key, value in (changes or {}).items():
        if key in _CONTAINERS and isinstance(value, dict):
            fields.extend(str(name) for name in value)
        elif key in VISIBLE_VALUES and not isinstance(value, dict | list):
            visible.append((key, str(value)))
        else:
            fields.append(str(key))
    # Sorted: PostgreSQL's jsonb does not keep key order, and the page must read the same on
    # either backend.
    return RedactedChanges(fields=tuple(sorted(set(fields))), visible=tuple(sorted(visible)))
