"""Writes to treatment sessions, one module per part of the session. Each service validates,
writes and audits in one transaction; callers authorize first (access_session)."""

from ketamine_care.treatment_sessions.services.dose import record_dose
from ketamine_care.treatment_sessions.services.lifecycle import (
    IllegalTransition,
    SessionAlreadySigned,
    abort_session,
    cancel_session,
    check_in,
    discharge,
    mark_ready_for_discharge,
    schedule_session,
    start_dosing,
    start_monitoring,
    start_pre_assessment,
    transition,
)
from ketamine_care.treatment_sessions.services.notes import (
    amend_session,
    record_adverse_event,
    sign_session,
)
from ketamine_care.treatment_sessions.services.prechecks import (
    override_pre_check,
    pre_check_results,
    record_pre_checks,
    switch_pre_check,
)
from ketamine_care.treatment_sessions.services.rems import record_submission, save_rems_form
from ketamine_care.treatment_sessions.services.visits import check_in_visit
from ketamine_care.treatment_sessions.services.vitals import (
    acknowledge_alert,
    record_vitals,
    refresh_alerts,
)

__all__ = [
    "IllegalTransition",
    "SessionAlreadySigned",
    "abort_session",
    "acknowledge_alert",
    "amend_session",
    "cancel_session",
    "check_in",
    "check_in_visit",
    "discharge",
    "mark_ready_for_discharge",
    "override_pre_check",
    "pre_check_results",
    "switch_pre_check",
    "record_adverse_event",
    "record_dose",
    "record_pre_checks",
    "record_submission",
    "record_vitals",
    "refresh_alerts",
    "save_rems_form",
    "schedule_session",
    "sign_session",
    "start_dosing",
    "start_monitoring",
    "start_pre_assessment",
    "transition",
]
