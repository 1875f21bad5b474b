"""What outcome summaries need from the apps above `outcomes`, registered by those apps in
their `AppConfig.ready()` (dependencies point down; `outcomes` imports neither of them).

- Dose times (`treatment_sessions`): when each of a patient's dosing sessions started dosing,
  oldest first. They mark treatment on the trajectory, choose the baseline when none is
  marked, and anchor early response.
- Remission rules (`dosing`): the remission cut-off of the protocol of the patient's latest
  plan, by instrument code. A protocol version is the clinic's own copy, so its cut-off
  overrides the instrument-wide default.

With nothing registered a patient has no dose times and the instrument defaults apply.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ketamine_care.outcomes.rules import RemissionRule

DoseTimes = Callable[[Any], list[datetime]]
RemissionRules = Callable[[Any], dict[str, RemissionRule]]

_DOSE_TIMES: list[DoseTimes] = []
_REMISSION_RULES: list[RemissionRules] = []


def register_dose_times(provider: DoseTimes) -> None:
    if provider not in _DOSE_TIMES:
        _DOSE_TIMES.append(provider)


def register_remission_rules(provider: RemissionRules) -> None:
    if provider not in _REMISSION_RULES:
        _REMISSION_RULES.append(provider)


def dose_times(patient) -> list[datetime]:
    """Every registered provider's dose times for the patient, oldest first."""
    return sorted(t for provider in _DOSE_TIMES for t in provider(patient))


def remission_rules(patient) -> dict[str, RemissionRule]:
    """The protocol remission rules for the patient (the first provider that has any)."""
    for provider in _REMISSION_RULES:
        found = provider(patient)
        if found:
            return found
    return {}
