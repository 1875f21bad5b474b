"""MedicationAdministration: each dose given in a dosing session.

The dose (mg, UCUM), the route, the product's lot and expiry (a contained Medication, since
R4B keeps the batch on Medication), who gave it and who checked it, and the session as
context. RxNorm where known: ketamine RxCUIs are confirmed only per product
family, not per strength, and none for esketamine, so the drug is coded in the
project's `drug` code system with the product's name as text, never with a guessed RxCUI.
A dose an amendment marked entered in error reads `entered-in-error`. The weight the dose was
calculated on, where recorded, is `dosage.text` in words ("Calculated on ideal body weight 75
kg"); a dose recorded before the basis was kept has no text.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.labels import DRUG, ROUTE
from ketamine_care.core.labels import label as display_label
from ketamine_care.dosing.labels import weight_used
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import UCUM, project_system
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref, project_coding
from ketamine_care.fhir.resources.people import encounter_ref, user_ref
from ketamine_care.treatment_sessions.models import DoseAdministration, SessionAmendment

PERFORM_FUNCTION = "http://terminology.hl7.org/CodeSystem/med-admin-perform-function"


def _medication(row: DoseAdministration) -> dict:
    concentration = None
    if row.concentration_mg_per_ml is not None:
        concentration = f"{row.concentration_mg_per_ml.normalize():f} mg/mL"
    return {
        "resourceType": "Medication",
        "id": "product",
        "code": {
            "coding": [project_coding("drug", row.drug, display_label(DRUG, row.drug))],
            "text": " ".join(p for p in (row.product, concentration) if p),
        },
        "batch": {"lotNumber": row.lot_number, "expirationDate": row.expiry_date.isoformat()},
    }


def _effective(row: DoseAdministration) -> dict:
    if row.infusion_started_at is None:
        return {"effectiveDateTime": row.created_at}
    end = row.infusion_ended_at
    return {"effectivePeriod": {"start": row.infusion_started_at, "end": end}}


def dosage_text(row: DoseAdministration) -> str | None:
    """The weight basis in words: "Calculated on ideal body weight 75 kg"; None when the dose
    does not record it."""
    words = weight_used(row.weight_basis, row.weight_used_kg)
    return f"Calculated on {words}" if words else None


def to_data(row: DoseAdministration) -> dict:
    in_error = getattr(row, "in_error", False)
    return dict(
        resourceType="MedicationAdministration",
        id=str(row.public_id),
        meta=meta(row),
        contained=[_medication(row)],
        status="entered-in-error" if in_error else "completed",
        medicationReference={"reference": "#product"},
        subject=patient_ref(row.session.patient),
        context=encounter_ref(row.session),
        performer=[
            {"function": {"coding": [coding(PERFORM_FUNCTION, function)]}, "actor": user_ref(who)}
            for function, who in (("performer", row.given_by), ("verifier", row.checked_by))
        ],
        dosage={
            "text": dosage_text(row),
            "route": {
                "coding": [project_coding("route", row.route, display_label(ROUTE, row.route))]
            },
            "dose": {"value": row.dose_mg, "unit": "mg", "system": UCUM, "code": "mg"},
        },
        note=[{"text": row.dose_change_reason}] if row.dose_change_reason else None,
        **_effective(row),
    )


def queryset(clinic):
    in_error = SessionAmendment.objects.filter(
        target_type="dose", target_id=OuterRef("public_id"), kind="entered_in_error"
    )
    rows = DoseAdministration.objects.filter(session__clinic=clinic)
    rows = rows.annotate(in_error=Exists(in_error))
    return rows.select_related("session__patient", "given_by", "checked_by")


def register() -> None:
    registry.register(
        ResourceType(
            name="MedicationAdministration",
            to_fhir=modelled("MedicationAdministration", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "patient": SearchParam(REFERENCE, "session__patient", description="The patient"),
                "subject": SearchParam(REFERENCE, "session__patient", description="The patient"),
                "context": SearchParam(REFERENCE, "session", description="The dosing session"),
                "code": SearchParam(
                    TOKEN,
                    "drug",
                    system=project_system("drug"),
                    description="The project's drug code (drug code system)",
                ),
                "effective-time": SearchParam(
                    DATE, "created_at", description="When the dose was recorded"
                ),
            },
            includes={
                "patient": Include("Patient", "session__patient"),
                "context": Include("Encounter", "session"),
            },
            capability=Capability.VIEW_SESSIONS,
            patient_path="session__patient",
        )
    )
