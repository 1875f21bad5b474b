"""The registry's words: its audit event."""

from ketamine_care.core.labels import AUDIT_EVENT, register_labels


def register() -> None:
    register_labels(AUDIT_EVENT, {"registry.dashboard_viewed": "Viewed the outcomes dashboard"})
