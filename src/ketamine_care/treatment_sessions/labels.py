"""The clinic's words for session states, alert tiers and the session's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels
from ketamine_care.treatment_sessions import states

ALERT_TIERS = {"urgent": "Urgent", "warning": "Warning", "info": "For information"}

AMENDMENT_TARGETS = {
    "note": "note",
    "reading": "reading",
    "dose": "dose",
    "adverse_event": "adverse event",
}

AUDIT_EVENTS = {
    "session.scheduled": "Session scheduled",
    "session.checked_in": "Checked in",
    "session.pre_assessment_started": "Pre-assessment started",
    "session.dosing_started": "Dosing started",
    "session.monitoring_started": "Monitoring started",
    "session.ready_for_discharge": "Ready for discharge",
    "session.discharged": "Discharged",
    "session.signed": "Session note signed",
    "session.signature_refused": "Session note signature refused",
    "session.cancelled": "Session cancelled",
    "session.aborted": "Session aborted",
    "session.viewed": "Session viewed",
    "session.pre_checks_recorded": "Pre-session checks recorded",
    "session.pre_check_overridden": "Pre-session check overridden",
    "session.amendment": "Session note amended",
    "session.entry_entered_in_error": "Session entry marked as entered in error",
    "sessions.listed": "Session list viewed",
    "vitals.recorded": "Vital signs recorded",
    "dose.administered": "Dose given",
    "session_alert.raised": "Session alert raised",
    "session_alert.acknowledged": "Session alert acknowledged",
    "adverse_event.recorded": "Adverse event recorded",
    "adverse_event.director_notified": "Medical director notified of an adverse event",
    "rems_form.saved": "REMS form saved",
    "rems_form.submitted": "REMS form submitted",
    "rems_form.exported": "REMS form exported",
    "rems_form.export_requested": "REMS export asked for",
    "rems_form.printed": "REMS form printed",
    "pre_check.switched_off": "Pre-session check switched off",
    "pre_check.switched_on": "Pre-session check switched on",
}


def register() -> None:
    core_labels.register_labels(core_labels.SESSION_STATE, states.LABELS)
    core_labels.register_labels(core_labels.ALERT_TIER, ALERT_TIERS)
    from ketamine_care.treatment_sessions.models import VitalSource

    core_labels.register_labels("vital_source", dict(VitalSource.choices))
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels("amendment_target", AMENDMENT_TARGETS)
