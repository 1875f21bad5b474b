"""What the session page's header shows about the patient: allergies (an explicit "no known
drug allergies" kept apart from "not recorded") and the open patient-level safety alerts."""

from __future__ import annotations

from dataclasses import dataclass

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.outcomes.queries import open_alerts_for_patient

# How an allergy list records "no known drug allergies": an entry with one of these words as
# its substance (case and spacing ignored), as allergy lists commonly code it.
NO_KNOWN_ALLERGY_WORDS = frozenset({"nkda", "no known drug allergies", "no known allergies"})


@dataclass(frozen=True)
class AllergySummary:
    """`status` is "listed", "none_known" or "not_recorded"; `entries` the listed allergies."""

    status: str
    entries: tuple


def allergy_summary(patient) -> AllergySummary:
    rows = list(patient.allergies.active())
    listed = tuple(
        r for r in rows if " ".join(r.substance.lower().split()) not in NO_KNOWN_ALLERGY_WORDS
    )
    if listed:
        return AllergySummary("listed", listed)
    if rows:
        return AllergySummary("none_known", ())
    return AllergySummary("not_recorded", ())


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
