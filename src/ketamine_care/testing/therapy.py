"""Builders for therapy tests: sessions and notes recorded through the services."""

from __future__ import annotations

from ketamine_care.core.clock import clinic_today
from ketamine_care.therapy import services


def integration_note(*, patient, therapist, dosing_session=None, risk: bool = False, **extra):
    """A draft integration note of `therapist`, held today; `risk` reports suicidal thoughts."""
    values = {
        "kind": "integration",
        "held_on": clinic_today(patient.clinic),
        "dosing_session": dosing_session,
        "experience": "Felt a sense of distance from old patterns.",
        "integration_themes": "Self-compassion; reconnecting with friends.",
        "homework": "Journal each morning.",
        "risk_check": "concern" if risk else "no_concern",
        "risk_details": "Passive thoughts of death this week; safety plan reviewed."
        if risk
        else "",
    }
    values.update(extra)
    return services.record_therapy_session(patient=patient, actor=therapist, **values)


def make_therapy_fixture(*, patient, therapist, dosing_session=None) -> dict:
    """A signed integration note and a draft one with a risk alert, for route tests."""
    signed = integration_note(patient=patient, therapist=therapist, dosing_session=dosing_session)
    services.sign_therapy_note(therapy_session=signed, actor=therapist)
    draft = integration_note(patient=patient, therapist=therapist, risk=True)
    return {"signed": signed, "draft": draft, "alert": draft.risk_alerts.get()}
