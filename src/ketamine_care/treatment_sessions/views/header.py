"""What the session page's header shows about the patient: allergies (an explicit "no known
drug allergies" kept apart from "not recorded") and the open patient-level safety alerts."""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.outcomes.queries import open_alerts_for_patient
from ketamine_care.patients.allergies import allergy_summary


def header_context(membership, patient) -> dict:
    """Allergies only for roles that see the clinical history, alerts only for roles that see
    measures (a None means "not shown to you", never "none")."""
    allergies = None
    if has_capability(membership, Capability.VIEW_CLINICAL_HISTORY):
        allergies = allergy_summary(patient)
    patient_alerts = None
    if has_capability(membership, Capability.VIEW_MEASURES):
        patient_alerts = open_alerts_for_patient(patient)
    return {"allergies": allergies, "patient_alerts": patient_alerts}
