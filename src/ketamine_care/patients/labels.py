"""The clinic's words for the patients app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "patient.registered": "Patient registered",
    "patients.imported": "Patients imported from a CSV file",
    "patient.demographics_changed": "Demographics changed",
    "patient.marked_entered_in_error": "Patient marked as entered in error",
    "patient.viewed": "Chart viewed",
    "patients.searched": "Patients searched",
    "diagnosis.added": "Diagnosis added",
    "allergy.added": "Allergy added",
    "patient.nkda_recorded": "No known drug allergies recorded",
    "medication.added": "Medication added",
    "measurement.recorded": "Height and weight recorded",
    "diagnosis.marked_entered_in_error": "Diagnosis marked as entered in error",
    "allergy.marked_entered_in_error": "Allergy marked as entered in error",
    "medication.marked_entered_in_error": "Medication marked as entered in error",
    "bodymeasurement.marked_entered_in_error": "Height and weight marked as entered in error",
    "research_consent.given": "Research consent given",
    "research_consent.withdrawn": "Research consent withdrawn",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
