"""Builders for protocols, screening and plans, going through the services.

The clinic values and the clear workup answers are the demo data's (`demo/treatment.py`), so
tests and the demo exercise the same inputs.
"""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

from ketamine_care.core.clock import clinic_today
from ketamine_care.demo.treatment import CLEAR_ANSWERS, TRD_CLINIC_VALUES, screen
from ketamine_care.dosing.services import create_plan
from ketamine_care.protocols.library import load_definition
from ketamine_care.protocols.services import activate_protocol
from ketamine_care.screening.services import override_screening

# The clear workup as a screening API caller posts it: the current medications posted (none
# besides the chart's) state the medication review, closing the chart's list.
CLEAR_POSTED_FACTS = {**CLEAR_ANSWERS, "medications": []}

__all__ = [
    "CLEAR_ANSWERS",
    "CLEAR_POSTED_FACTS",
    "TRD_CLINIC_VALUES",
    "activate_older_copy",
    "activate_trd",
    "next_monday",
    "screen",
    "treatable_plan",
]


def activate_older_copy(*, clinic, director, protocol_id: str, changes: dict, clinic_values):
    """Activate `protocol_id` as a clinic did before the library changed it: the shipped
    definition with `changes` laid over it, as version 1.0.1. Active versions never change,
    so such a copy is what a clinic that activated early still runs."""
    older = load_definition(protocol_id).model_copy(update={"version": "1.0.1", **changes})
    with mock.patch("ketamine_care.protocols.services.load_definition", return_value=older):
        return activate_protocol(
            clinic=clinic, protocol_id=protocol_id, actor=director, clinic_values=clinic_values
        )


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
