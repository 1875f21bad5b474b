"""The clinic's words for the dosing app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "plan.created": "Treatment plan created",
    "plan.visit_moved": "Planned visit moved",
    "plan.conditional_visits_confirmed": "Conditional visits confirmed",
    "visits.listed": "Day list viewed",
    "clinic.label_jurisdiction_changed": "Product label jurisdiction changed",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
