"""Provenance of signed session notes: who signed and when, then each amendment.

Two parts. `signed-<session id>`: the note's signature (activity: the legal authentication,
agent: the signer as attester). `amendment-<amendment id>`: one correction after signing
(activity UPDATE, or NULLIFY for an entered-in-error mark), its author, reason and what it
corrects (the session's Encounter, or the dose or adverse event it names).
"""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta
from ketamine_care.fhir.resources.people import encounter_ref, user_ref
from ketamine_care.treatment_sessions.models import SessionAmendment, TreatmentSession

PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
# An amendment's target_type -> the resource type it corrects (others: the session).
TARGETS = {"dose": "MedicationAdministration", "adverse_event": "AdverseEvent"}


def signed(session: TreatmentSession) -> dict:
    return dict(
        resourceType="Provenance",
        id=f"signed-{session.public_id}",
        meta=meta(session),
        target=[encounter_ref(session)],
        recorded=session.signed_at,
        activity={"coding": [coding(PARTICIPATION, "LA", "legal authenticator")]},
        agent=[_agent("attester", session.signed_by)],
    )


def amendment(row: SessionAmendment) -> dict:
    operation = "NULLIFY" if row.kind == "entered_in_error" else "UPDATE"
    target = encounter_ref(row.session)
    if row.target_type in TARGETS and row.target_id is not None:
        target = {"reference": f"{TARGETS[row.target_type]}/{row.target_id}"}
    return dict(
        resourceType="Provenance",
        id=f"amendment-{row.public_id}",
        meta=meta(row, "created_at"),
        target=[target],
        recorded=row.created_at,
        activity={"coding": [coding(DATA_OPERATION, operation)], "text": row.get_kind_display()},
        reason=[{"text": row.reason}],
        agent=[_agent("author", row.created_by)],
    )


def _agent(role: str, user) -> dict:
    return {"type": {"coding": [coding(PARTICIPANT, role)]}, "who": user_ref(user)}


def signed_notes(clinic):
    rows = TreatmentSession.objects.filter(clinic=clinic, signed_at__isnull=False)
    return rows.select_related("patient", "signed_by")


def amendments(clinic):
    rows = SessionAmendment.objects.filter(session__clinic=clinic)
    return rows.select_related("session__patient", "created_by")


def register() -> None:
    for prefix, to_data, queryset, path, recorded in (
        ("signed", signed, signed_notes, "", "signed_at"),
        ("amendment", amendment, amendments, "session__", "created_at"),
    ):
        registry.register(
            ResourceType(
                name="Provenance",
                to_fhir=modelled("Provenance", to_data),
                to_data=to_data,
                queryset=queryset,
                search_params={
                    "patient": SearchParam(REFERENCE, f"{path}patient", description="The patient"),
                    "recorded": SearchParam(DATE, recorded, description="When it was recorded"),
                },
                includes={"patient": Include("Patient", f"{path}patient")},
                capability=Capability.VIEW_SESSIONS,
                patient_path=f"{path}patient",
                updated_field="updated_at" if prefix == "signed" else "created_at",
                id_prefix=prefix,
            )
        )
