"""The clinic's words for the FHIR app's audit events (`core.labels`, from `ready()`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "fhir.read": "Record read through the FHIR API",
    "fhir.searched": "Records searched through the FHIR API",
    "fhir.export_requested": "Bulk FHIR export requested",
    "fhir.bulk_exported": "Bulk FHIR export written",
    "fhir.export_cancelled": "Bulk FHIR export cancelled",
    "fhir.export_downloaded": "Bulk FHIR export file downloaded",
    "fhir.transaction_imported": "Records imported from a FHIR bundle",
    "clinic.export_requested": "Clinic's complete export requested",
    "clinic.exported": "Clinic's complete export written",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
