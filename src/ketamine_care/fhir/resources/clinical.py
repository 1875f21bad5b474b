"""The clinical history: Condition (ICD-10-CM), AllergyIntolerance and MedicationStatement.

A row marked entered-in-error stays visible with that status, as FHIR expects, so a system
that copied it learns it was wrong.
"""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import (
    ALLERGY_CLINICAL,
    ALLERGY_VERIFICATION,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    ICD10CM,
    project_system,
)
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref, project_coding
from ketamine_care.patients.models import Allergy, Diagnosis, Medication, RecordStatus

PATIENT_PARAMS = {
    "patient": SearchParam(REFERENCE, "patient", description="The patient"),
    "subject": SearchParam(REFERENCE, "patient", description="The patient"),
}
PATIENT_INCLUDE = {"patient": Include("Patient", "patient")}
# Diagnosis.clinical_status -> condition-clinical.
CLINICAL_STATUS = {"active": "active", "in_remission": "remission", "resolved": "resolved"}


def _in_error(row) -> bool:
    return row.status == RecordStatus.ENTERED_IN_ERROR


def condition(row: Diagnosis) -> dict:
    verification = "entered-in-error" if _in_error(row) else "confirmed"
    return dict(
        resourceType="Condition",
        id=str(row.public_id),
        meta=meta(row),
        clinicalStatus=None
        if _in_error(row)
        else {"coding": [coding(CONDITION_CLINICAL, CLINICAL_STATUS[row.clinical_status])]},
        verificationStatus={"coding": [coding(CONDITION_VERIFICATION, verification)]},
        category=[{"coding": [coding(CONDITION_CATEGORY, "problem-list-item")]}],
        code={"coding": [coding(ICD10CM, row.icd10_code, row.label)], "text": row.label},
        subject=patient_ref(row.patient),
        onsetDateTime=row.onset_date.isoformat() if row.onset_date else None,
        recordedDate=row.created_at,
    )


def allergy(row: Allergy) -> dict:
    reaction = None
    if row.reaction or row.severity:
        reaction = [
            {
                "manifestation": [{"text": row.reaction or "not recorded"}],
                "severity": row.severity or None,
            }
        ]
    verification = "entered-in-error" if _in_error(row) else "confirmed"
    return dict(
        resourceType="AllergyIntolerance",
        id=str(row.public_id),
        meta=meta(row),
        clinicalStatus=None if _in_error(row) else {"coding": [coding(ALLERGY_CLINICAL, "active")]},
        verificationStatus={"coding": [coding(ALLERGY_VERIFICATION, verification)]},
        code={"text": row.substance},
        patient=patient_ref(row.patient),
        recordedDate=row.created_at,
        reaction=reaction,
    )


def medication_statement(row: Medication) -> dict:
    # RxNorm where known: RxCUIs are confirmed for ketamine products only,
    # none for the home medications recorded here, so the medication is its name
    # with the project's drug class (the class the screening rules read).
    dosage = None
    if row.dose is not None or row.frequency:
        text = " ".join(p for p in (_dose_text(row), row.frequency) if p)
        dosage = [{"text": text}]
    return dict(
        resourceType="MedicationStatement",
        id=str(row.public_id),
        meta=meta(row),
        status="entered-in-error" if _in_error(row) else "active",
        medicationCodeableConcept={
            "coding": [project_coding("drug-class", row.drug_class, row.get_drug_class_display())],
            "text": row.name,
        },
        subject=patient_ref(row.patient),
        dateAsserted=row.created_at,
        dosage=dosage,
    )


def _dose_text(row: Medication) -> str:
    if row.dose is None:
        return ""
    return f"{row.dose.normalize():f} {row.dose_unit}".strip()


def _rows(model):
    def queryset(clinic):
        return model.objects.filter(patient__clinic=clinic).select_related("patient")

    return queryset


def register() -> None:
    history = Capability.VIEW_CLINICAL_HISTORY
    registry.register(
        ResourceType(
            name="Condition",
            to_fhir=modelled("Condition", condition),
            to_data=condition,
            queryset=_rows(Diagnosis),
            search_params={
                **PATIENT_PARAMS,
                "code": SearchParam(TOKEN, "icd10_code", system=ICD10CM, description="ICD-10-CM"),
                "category": SearchParam(
                    TOKEN,
                    fixed=((CONDITION_CATEGORY, "problem-list-item"),),
                    description="problem-list-item",
                ),
                "onset-date": SearchParam(DATE, "onset_date", description="Onset date"),
            },
            includes=PATIENT_INCLUDE,
            capability=history,
        )
    )
    registry.register(
        ResourceType(
            name="AllergyIntolerance",
            to_fhir=modelled("AllergyIntolerance", allergy),
            to_data=allergy,
            queryset=_rows(Allergy),
            search_params={**PATIENT_PARAMS, "date": SearchParam(DATE, "created_at")},
            includes=PATIENT_INCLUDE,
            capability=history,
        )
    )
    registry.register(
        ResourceType(
            name="MedicationStatement",
            to_fhir=modelled("MedicationStatement", medication_statement),
            to_data=medication_statement,
            queryset=_rows(Medication),
            search_params={
                **PATIENT_PARAMS,
                "code": SearchParam(
                    TOKEN,
                    "drug_class",
                    system=project_system("drug-class"),
                    description="The project's drug class (drug-class code system)",
                ),
            },
            includes=PATIENT_INCLUDE,
            capability=history,
        )
    )
