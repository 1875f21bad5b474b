"""Display helpers: units always shown, missing values shown as an em dash, never as 0."""

from __future__ import annotations

from django import template

from ketamine_care.core.ages import completed_age_text
from ketamine_care.core.bibliography import named, render, split_sources

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
def age(years) -> str:
    """A patient's age in years as the chart says it: "7 months", "41 years"; "" when
    unknown (follow with `default`)."""
    return "" if years is None or years == "" else completed_age_text(float(years))


@register.filter
def cite(value) -> str:
    """A source text with each citation shown by its source's label ("Daly 2019 §x")."""
    return render(str(value or ""))


@register.filter
def cite_id(value) -> str:
    """A bibliography id and its locator, as data keeps them (the id, a space, the section),
    shown by the source's label and the locator, as `cite` shows a citation; "" for none."""
    source_id, _, locator = str(value or "").strip().partition(" ")
    return named(source_id, locator) if source_id else ""


@register.filter
def without_sources(value) -> str:
    """The text a clinician acts on, its cited sources taken out (show them folded with
    `sources_of`)."""
    return split_sources(str(value or ""))[0]


@register.filter
def sources_of(values) -> list[str]:
    """The sources cited in a text or a list of texts, each rendered by its label."""
    texts = [values] if isinstance(values, str) else list(values or ())
    return [render(found) for text in texts for found in split_sources(str(text))[1]]


# Status and severity words the clinical rules return, as a clinician reads them.
_WORDS = {
    "met": "Met",
    "missing": "Missing",
    "failed": "Not met",
    "overridden": "Overridden",
    "not_required": "Not required",
    "eligible": "Eligible",
    "caution": "Caution",
    "requires_override": "Needs override",
    "missing_information": "Missing information",
    "ineligible": "Ineligible",
}


@register.filter
def words(value) -> str:
    """A rule's status or severity code in words ("requires_override" → "Needs override")."""
    text = str(value or "")
    return _WORDS.get(text, text.replace("_", " ").capitalize())


@register.filter
def spaced(value) -> str:
    """A code as plain words, case kept: `moderately_severe` -> `moderately severe`."""
    return str(value or "").replace("_", " ")
