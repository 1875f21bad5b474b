"""The demo app's audit event in clinic words (registered from `DemoConfig.ready`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "synthetic_data.loaded": "Synthetic data loaded (made-up patients for testing and benchmarks)",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
