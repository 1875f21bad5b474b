"""What the apps above `dosing` say about its planned visits, in the style of Wagtail's hooks.

The day list and the plan calendar belong to `dosing`, yet each planned visit there shows
whether a treatment session was scheduled for it, whether the patient came, and the buttons
to schedule or check in, which are `treatment_sessions`'. Dependencies point down, so dosing
cannot ask treatment_sessions: treatment_sessions registers a provider here in its
`AppConfig.ready()`, a function answering for a whole list of visits at once (one query, not
one per row) and the template partial that renders a visit's actions.

Without a provider (dosing alone) visits show no attendance and no actions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class VisitLink:
    """One planned visit as the provider sees it. `status` is a stable key the calendar
    colours by (`done`, `missed`, `late`, `in_clinic`, `scheduled`, `planned`, `stopped`),
    `label` its words, `detail` an optional note ("arrived 20 min late"); `context` is what
    the provider's actions partial needs."""

    status: str
    label: str
    detail: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tone(self) -> str:
        """The badge colour of app.css for the status."""
        tones = {"done": "ok", "in_clinic": "ok", "late": "warn", "stopped": "warn"}
        return {**tones, "missed": "danger"}.get(self.status, "")


Finder = Callable[[Any, Sequence[Any]], Mapping[int, VisitLink]]


@dataclass(frozen=True)
class Provider:
    template: str
    find: Finder


_PROVIDER: list[Provider] = []


def register_visit_links(*, template: str, find: Finder) -> Provider:
    """Set (or replace) the provider; call from `AppConfig.ready()`."""
    provider = Provider(template=template, find=find)
    _PROVIDER[:] = [provider]
    return provider


def unregister_visit_links() -> None:
    _PROVIDER.clear()


def actions_template() -> str | None:
    return _PROVIDER[0].template if _PROVIDER else None


def attach_links(request, visits: Sequence[Any]) -> list[Any]:
    """Set `visit.link` (a VisitLink, or None) on each visit; returns the visits. A provider
    that fails fails the page: a calendar that silently lost its attendance would read as
    "nothing happened"."""
    found = _PROVIDER[0].find(request, visits) if _PROVIDER and visits else {}
    for visit in visits:
        visit.link = found.get(visit.pk)
    return list(visits)
