"""Code and identifier systems: standard ones, and the project's own under one base URL."""

from __future__ import annotations

from django.conf import settings

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"


def project_system(name: str) -> str:
    """The URL of one of the project's code systems (`drug-class`, `session-state`, ...)."""
    return f"{settings.FHIR_CODE_SYSTEM_BASE}{name}"


def mrn_system_base() -> str:
    return f"{settings.FHIR_IDENTIFIER_SYSTEM_BASE}mrn/"


def mrn_system(clinic) -> str:
    """The identifier system of a clinic's MRNs: one per clinic, since MRNs are unique only
    within their clinic."""
    return f"{mrn_system_base()}{clinic.public_id}"
