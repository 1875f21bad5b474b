"""Audited reads of patient data through the FHIR API (HIPAA access accounting)."""

from __future__ import annotations

from ketamine_care.audit.services import record_read


def record_fhir_read(*, resource_type: str, patient, actor, clinic, request=None) -> None:
    """One resource read: an event naming its patient (none for data about no patient)."""
    if patient is None:
        return
    record_read(
        event_type="fhir.read",
        actor=actor,
        clinic=clinic,
        patient=patient,
        part=resource_type,
        request=request,
    )


def record_fhir_search(
    *, resource_type: str, patients: list, query: str, actor, clinic, request=None
) -> None:
    """One searchset page: the patients whose resources it shows (matches and includes), and
    a keyed digest of the search (its values often name a patient), never the words."""
    record_read(
        event_type="fhir.searched",
        actor=actor,
        clinic=clinic,
        patients=patients,
        part=resource_type,
        query=query,
        request=request,
    )
