"""Patient: demographics, with the MRN as an identifier in the clinic's MRN system."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q

from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import IDENTIFIER_TYPE, mrn_system, mrn_system_base
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, STRING, TOKEN, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import meta
from ketamine_care.patients.models import Patient, RecordStatus, Sex


def match_mrn(system: str | None, code: str) -> Q | None:
    """An MRN, in the clinic's MRN system or without a system; any other system matches
    nothing (another clinic's MRN system names that clinic, which the search never sees)."""
    mrn = Q(mrn_search=code.strip().lower())
    if system is None:
        return mrn
    prefix = mrn_system_base()
    if not system.startswith(prefix):
        return None
    try:
        return mrn & Q(clinic__public_id=UUID(system[len(prefix) :]))
    except ValueError:
        return None


SEARCH = {
    "identifier": SearchParam(
        TOKEN, match=match_mrn, description="The MRN (system: the clinic's MRN system)"
    ),
    "name": SearchParam(
        STRING,
        paths=("given_name_search", "family_name_search"),
        description="Start of the given or family name",
    ),
    "family": SearchParam(STRING, paths=("family_name_search",), description="Family name"),
    "given": SearchParam(STRING, paths=("given_name_search",), description="Given name"),
    "birthdate": SearchParam(DATE, "date_of_birth", description="Date of birth"),
    "gender": SearchParam(
        TOKEN,
        "sex",
        system="http://hl7.org/fhir/administrative-gender",
        transform=lambda code: code if code in Sex.values else None,
        description="administrative-gender",
    ),
}


def to_data(patient: Patient) -> dict:
    telecom = [{"system": "phone", "value": patient.phone}] if patient.phone else None
    return dict(
        resourceType="Patient",
        id=str(patient.public_id),
        meta=meta(patient),
        identifier=[
            {
                "use": "usual",
                "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR"}]},
                "system": mrn_system(patient.clinic),
                "value": patient.mrn,
            }
        ],
        active=patient.status == RecordStatus.ACTIVE,
        name=[{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        gender=patient.sex,
        birthDate=patient.date_of_birth.isoformat(),
        telecom=telecom,
    )


def queryset(clinic):
    return Patient.objects.filter(clinic=clinic).select_related("clinic")


def register() -> None:
    registry.register(
        ResourceType(
            name="Patient",
            to_fhir=modelled("Patient", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params=SEARCH,
            capability=Capability.VIEW_PATIENT,
            patient_path="",
            data_fields=(
                "public_id",
                "updated_at",
                "clinic__public_id",
                "mrn",
                "status",
                "family_name",
                "given_name",
                "sex",
                "date_of_birth",
                "phone",
            ),
        )
    )
