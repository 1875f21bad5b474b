"""Rows of the session kinds the FHIR resources read: a discharged session with its dose and
an adverse event, then signed, then amended (the amendment marks the dose entered in error)."""

from __future__ import annotations

from ketamine_care.treatment_sessions.services.notes import (
    amend_session,
    record_adverse_event,
    sign_session,
)
from ketamine_care.treatment_sessions.tests.factories import discharged_session


def add_session_rows(*, patient, version, nurse, prescriber) -> dict:
    session = discharged_session(patient, version, nurse, prescriber)
    event = record_adverse_event(
        session=session,
        actor=nurse,
        event_type="nausea",
        severity="mild",
        action_taken="Ondansetron given.",
        outcome="resolved",
    )
    sign_session(session=session, actor=prescriber, note_text="Uneventful session.")
    dose = session.doses.get()
    amendment = amend_session(
        session=session,
        actor=prescriber,
        kind="entered_in_error",
        reason="Recorded on the wrong session.",
        target_type="dose",
        target_id=dose.public_id,
    )
    return {"session": session, "dose": dose, "adverse_event": event, "amendment": amendment}
