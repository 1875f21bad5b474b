"""The caseload windows: the clinic's own values, else the shipped INSTITUTIONAL defaults."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ketamine_care.therapy.models import CaseloadSettings

WINDOW_FIELDS = ("upcoming_days", "integration_days")


@cache
def defaults() -> dict:
    return json.loads((Path(__file__).with_name("defaults.json")).read_text())


@dataclass(frozen=True)
class Windows:
    upcoming_days: int
    integration_days: int
    clinic_set: bool  # False: the shipped defaults apply


def windows_for(clinic) -> Windows:
    row = CaseloadSettings.objects.filter(clinic=clinic).first()
    if row is None:
        shipped = defaults()
        return Windows(
            upcoming_days=shipped["upcoming_days"]["value"],
            integration_days=shipped["integration_days"]["value"],
            clinic_set=False,
        )
    return Windows(row.upcoming_days, row.integration_days, clinic_set=True)
