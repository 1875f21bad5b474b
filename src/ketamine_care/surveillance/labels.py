"""The clinic's words for surveillance audit events; registered in the app's `ready()`."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "surveillance_check.recorded": "Surveillance check recorded",
    "surveillance_alert.raised": "Surveillance alert raised",
    "surveillance_alert.acknowledged": "Surveillance alert acknowledged",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
