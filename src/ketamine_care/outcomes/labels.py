"""The clinic's words for the outcomes app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "safety_alert.raised": "Safety alert raised",
    "safety_alert.acknowledged": "Safety alert acknowledged",
    "safety_plan.created": "Safety plan created",
    "safety_plan.reviewed": "Safety plan reviewed",
    "safety_settings.changed": "Safety settings changed",
    "alerts.listed": "Safety alerts viewed",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
