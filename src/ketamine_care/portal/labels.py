"""The clinic's words for the portal app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "self_report_link.created": "Self-report link created",
    "self_report.submitted": "Self-report submitted",
    "self_report_link.reminded": "Self-report reminder e-mailed",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels("job", {"reminder.self_report": "Questionnaire reminder e-mail"})
