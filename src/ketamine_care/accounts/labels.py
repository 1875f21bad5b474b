"""The clinic's words for the accounts app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "user.signed_in": "Signed in",
    "user.signed_out": "Signed out",
    "user.sign_in_failed": "Sign-in failed",
    "user.second_factor_enrolled": "Second factor set up",
    "user.second_factor_verified": "Second factor verified",
    "user.switched_clinic": "Clinic switched",
    "api_token.issued": "API token issued",
    "api_token.revoked": "API token revoked",
    "audit.listed": "Audit trail viewed",
    "user.password_reset_requested": "Password reset asked for",
    "user.password_reset": "Password reset",
    "user.backup_codes_generated": "Backup codes made",
    "invitation.sent": "Invitation sent",
    "invitation.resent": "Invitation sent again",
    "invitation.cancelled": "Invitation cancelled",
    "invitation.accepted": "Invitation accepted",
    "membership.role_changed": "Role changed",
    "membership.deactivated": "Access ended",
    "membership.reactivated": "Access restored",
    "membership.added": "Added to the clinic",
    "clinic.settings_changed": "Clinic settings changed",
    "second_factor.reset_requested": "Second-factor reset asked for",
    "second_factor.reset": "Second factor reset",
    "job.retried": "Failed job retried",
    "export.downloaded": "Export downloaded",
}


JOBS = {
    "mail.invitation": "Invitation e-mail",
    "mail.password_reset": "Password-reset e-mail",
    "export.rems": "REMS CSV export",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels("job", JOBS)
    core_labels.register_labels("export", {"rems": "REMS monitoring forms (CSV)"})
