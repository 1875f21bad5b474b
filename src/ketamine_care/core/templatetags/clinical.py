"""Display helpers: units always shown, missing values shown as an em dash, never as 0."""

from __future__ import annotations

from django import template

from ketamine_care.core.bibliography import render

register = template.Library()


@register.filter
def with_unit(value, unit: str) -> str:
    if value is None or value == "":
        return "—"
    return f"{value} {unit}"


@register.filter
def or_dash(value) -> str:
    return "—" if value is None or value == "" else value


@register.filter
def cite(value) -> str:
    """A source text with each citation shown by its source's label ("Daly 2019 §x")."""
    return render(str(value or ""))
