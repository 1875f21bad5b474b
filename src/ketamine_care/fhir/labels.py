"""The clinic's words for the FHIR app's audit events (`core.labels`, from `ready()`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "fhir.read": "Record read through the FHIR API",
    "fhir.searched": "Records searched through the FHIR API",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
