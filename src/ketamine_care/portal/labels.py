"""The clinic's words for the portal app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels
from ketamine_care.portal.contact import HELD_WORDS

AUDIT_EVENTS = {
    "self_report_link.created": "Self-report link created",
    "self_report.submitted": "Self-report submitted",
    "self_report_link.reminded": "Self-report reminder e-mailed",
    "measure_request.sent": "Scheduled questionnaire sent",
    "measure_request.resent": "Scheduled questionnaire resent",
    "patient_message.sent": "Visit message sent",
    "contact_preference.recorded": "Contact preferences recorded",
    "measure_settings.changed": "Measure settings changed",
    "measures.listed": "Outstanding measures listed",
}
JOBS = {
    "reminder.self_report": "Questionnaire reminder e-mail",
    "measures.send_request": "Scheduled questionnaire message",
    "measures.send_message": "Visit instructions message",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels("job", JOBS)
    core_labels.register_labels("measure_held", HELD_WORDS)
