"""Notices that apps above `treatment_sessions` add to a session's pre-session checks, in
the style of Wagtail's hooks (as `core.sections` and `core.alert_feed`).

The pre-session checks belong to `treatment_sessions`, yet a questionnaire the patient did
not answer before the visit is the portal's (above it). Dependencies point down, so the
portal registers a function here in its `AppConfig.ready()`; the checks call every
registered function with the session and list what they return. A notice never blocks
dosing by itself: it tells the team what is missing so they can ask in the clinic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Notice:
    key: str
    label: str
    message: str
    source: str


NoticeFunction = Callable[[Any], list[Notice]]
_NOTICES: dict[str, NoticeFunction] = {}


def register_pre_session_notice(name: str, function: NoticeFunction) -> None:
    """Add (or replace, by name) a notice function; call from `AppConfig.ready()`."""
    _NOTICES[name] = function


def unregister_pre_session_notice(name: str) -> None:
    _NOTICES.pop(name, None)


def notices_for(session) -> list[Notice]:
    """Every registered function's notices for `session`, by function name. A function that
    fails fails the caller: checks that silently lost a notice would read as "nothing"."""
    return [notice for name in sorted(_NOTICES) for notice in _NOTICES[name](session)]
