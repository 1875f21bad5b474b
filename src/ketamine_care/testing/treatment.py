"""Builders for protocols, screening and plans, going through the services.

The clinic values and the clear workup answers are the demo data's (`demo/treatment.py`), so
tests and the demo exercise the same inputs.
"""

from __future__ import annotations

from datetime import date, timedelta

from ketamine_care.core.clock import clinic_today
from ketamine_care.demo.treatment import CLEAR_ANSWERS, TRD_CLINIC_VALUES, screen
from ketamine_care.dosing.services import create_plan
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.screening.services import override_screening

__all__ = [
    "CLEAR_ANSWERS",
    "TRD_CLINIC_VALUES",
    "activate_trd",
    "next_monday",
    "screen",
    "treatable_plan",
]


def activate_trd(*, clinic, director):
    return activate_protocol(
        clinic=clinic,
        protocol_id="iv-ketamine-trd",
        actor=director,
        clinic_values=TRD_CLINIC_VALUES,
    )


def next_monday(today: date | None = None, clinic=None) -> date:
    today = today or clinic_today(clinic)
    return today + timedelta(days=7 - today.weekday())


def treatable_plan(*, patient, version, prescriber, start: date | None = None):
    """Screen (overriding a requires_override verdict if need be) and plan a course."""
    verdict = screen(patient=patient, version=version, actor=prescriber)
    if verdict.verdict == "requires_override":
        override_screening(verdict=verdict, reason="Test: benefit outweighs risk", actor=prescriber)
    return create_plan(
        patient=patient,
        protocol_version=version,
        start_date=start or next_monday(),
        actor=prescriber,
    )
