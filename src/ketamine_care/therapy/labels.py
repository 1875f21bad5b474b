"""The clinic's words for the therapy app's audit events; registered in the app's `ready()`
(`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "therapy_session.recorded": "Therapy session recorded",
    "therapy_session.updated": "Therapy note changed before signing",
    "therapy_session.signed": "Therapy note signed",
    "therapy_session.amended": "Therapy note amended",
    "therapy_session.viewed": "Therapy note viewed",
    "therapy_sessions.listed": "Therapy sessions listed",
    "caseload.listed": "Therapy caseload viewed",
    "therapy_risk_alert.raised": "Risk alert raised from a therapy session",
    "therapy_risk_alert.acknowledged": "Therapy risk alert acknowledged",
    "caseload_settings.updated": "Caseload windows changed",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
