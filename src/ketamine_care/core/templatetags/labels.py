"""`{{ code|label:"diagnosis" }}`: a code in the clinic's words (`core/labels.py`), and the
audit trail's changes as "field: old → new"."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from ketamine_care.core import labels
from ketamine_care.core.changes import change_lines

register = template.Library()


@register.filter
def label(code, kind: str) -> str:
    """The words for `code` of `kind`; an unlabelled code is humanised, never shown raw."""
    return labels.label(kind, code)


@register.filter
def labels_of(codes, kind: str) -> str:
    """A list of codes as words: "Major depressive disorder, Bipolar II disorder"."""
    if not codes:
        return ""
    return ", ".join(labels.label(kind, code) for code in codes)


@register.filter
def changes(value) -> list[str]:
    """An audit event's changes as lines "Field: old → new" (or "Field: value")."""
    return change_lines(value) if isinstance(value, Mapping) else []
