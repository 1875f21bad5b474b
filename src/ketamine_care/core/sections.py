"""Sections of a page contributed by the apps above the page's owner, in the style of
Wagtail's hooks.

The patient chart belongs to `patients`, yet it shows measures (`outcomes`), eligibility and
plans (`dosing`) and interaction warnings (`screening`). Dependencies point down, so the chart
cannot import those apps: each registers its section here in its `AppConfig.ready()`, as a
template partial, a context function and an order, and the page renders whatever is
registered (`{% page_sections "patient_chart" patient %}`, `core/templatetags/sections.py`).
The clinic's settings page gathers its forms the same way.

A context function takes `(request, obj)` and returns the partial's context, or None when
the section is not shown to this user (a role without the capability). A section whose
context function fails is never dropped quietly: the page fails with `SectionFailed`, which
names the section. A chart that silently lost its safety alerts or its eligibility verdicts
would read as "none", which is worse than an error page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SectionContext = Callable[[Any, Any], Mapping[str, Any] | None]

# Pages that gather sections, and the object each section's context function receives.
PATIENT_CHART = "patient_chart"  # the patient
MEDICATION_ROW = "patient_chart.medication"  # one medication row of the chart
CLINIC_SETTINGS = "clinic_settings"  # the clinic's settings page (outcomes); the clinic
TREATMENT_PLAN = "treatment_plan"  # the treatment plan page (dosing); the plan
DAY_LIST = "day_list"  # the clinic's planned visits of one day (dosing); the day (a date)


@dataclass(frozen=True)
class Section:
    page: str
    name: str
    template: str
    context: SectionContext
    order: int


@dataclass(frozen=True)
class ShownSection:
    section: Section
    context: Mapping[str, Any]


class SectionFailed(RuntimeError):
    def __init__(self, section: Section):
        super().__init__(f"The {section.page} section {section.name!r} could not be built.")
        self.section = section


_SECTIONS: dict[str, dict[str, Section]] = {}


def register_section(
    page: str, name: str, *, template: str, context: SectionContext, order: int
) -> Section:
    """Add (or replace, by name) a section of `page`; call from `AppConfig.ready()`."""
    section = Section(page=page, name=name, template=template, context=context, order=order)
    _SECTIONS.setdefault(page, {})[name] = section
    return section


def unregister_section(page: str, name: str) -> None:
    _SECTIONS.get(page, {}).pop(name, None)


def sections(page: str) -> list[Section]:
    """The sections registered for `page`, by order, then name."""
    return sorted(_SECTIONS.get(page, {}).values(), key=lambda s: (s.order, s.name))


def section(page: str, name: str) -> Section:
    try:
        return _SECTIONS[page][name]
    except KeyError:
        raise LookupError(f"No section {name!r} is registered for {page}.") from None


def build(section: Section, request, obj) -> Mapping[str, Any] | None:
    """The section's context for `obj`, None when not shown; SectionFailed when it fails."""
    try:
        return section.context(request, obj)
    except Exception as exc:
        raise SectionFailed(section) from exc


def gather(page: str, request, obj) -> list[ShownSection]:
    """The sections of `page` shown to this request, in order, each with its context."""
    shown = []
    for item in sections(page):
        context = build(item, request, obj)
        if context is not None:
            shown.append(ShownSection(item, context))
    return shown
