"""Observation, rating-scale totals: one per scored administration (category `survey`).

The code is the instrument definition's LOINC total code where the definition carries one:
those are the codes confirmed in LOINC, PHQ-9 total 44261-6 and GAD-7 total
70274-6 [@loinc]. Every other instrument's total is coded in the project's `instrument-total`
code system by the instrument's code (`madrs`), never with an unconfirmed LOINC code.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Q

from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import LOINC, OBSERVATION_CATEGORY, project_system
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref
from ketamine_care.instruments.definition import list_codes, load_definition
from ketamine_care.instruments.models import Administration
from ketamine_care.patients.models import RecordStatus

PREFIX = "score"
TOTAL_SYSTEM = "instrument-total"


@cache
def loinc_totals() -> dict[str, str]:
    """Instrument code -> its confirmed LOINC total code (from the shipped definitions)."""
    totals = {}
    for code in list_codes():
        loinc = load_definition(code).loinc
        if loinc is not None and loinc.total:
            totals[code] = loinc.total
    return totals


def _code(row: Administration) -> dict:
    definition = load_definition(row.instrument_code)
    name = f"{definition.name} total score"
    loinc = loinc_totals().get(row.instrument_code)
    if loinc:
        return {"coding": [coding(LOINC, loinc, name)], "text": name}
    system = project_system(TOTAL_SYSTEM)
    return {"coding": [coding(system, row.instrument_code, name)], "text": name}


def to_data(row: Administration) -> dict:
    status = "entered-in-error" if row.status == RecordStatus.ENTERED_IN_ERROR else "final"
    return dict(
        resourceType="Observation",
        id=f"{PREFIX}-{row.public_id}",
        meta=meta(row),
        status=status,
        category=[{"coding": [coding(OBSERVATION_CATEGORY, "survey")]}],
        code=_code(row),
        subject=patient_ref(row.patient),
        effectiveDateTime=row.administered_at,
        valueInteger=row.total,
    )


def match_code(system: str | None, code: str) -> Q | None:
    """A LOINC total code finds its instrument's totals; a project code its instrument's."""
    instruments = set()
    if system in (None, LOINC):
        instruments |= {i for i, total in loinc_totals().items() if total == code}
    if system in (None, project_system(TOTAL_SYSTEM)) and code not in loinc_totals():
        instruments |= {code} & set(list_codes())
    return Q(instrument_code__in=sorted(instruments)) if instruments else None


def queryset(clinic):
    rows = Administration.objects.filter(patient__clinic=clinic, total__isnull=False)
    return rows.select_related("patient")


def register() -> None:
    registry.register(
        ResourceType(
            name="Observation",
            to_fhir=modelled("Observation", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "patient": SearchParam(REFERENCE, "patient", description="The patient"),
                "subject": SearchParam(REFERENCE, "patient", description="The patient"),
                "code": SearchParam(TOKEN, match=match_code, description="LOINC or project code"),
                "category": SearchParam(
                    TOKEN, fixed=((OBSERVATION_CATEGORY, "survey"),), description="Category"
                ),
                "date": SearchParam(DATE, "administered_at", description="When it was measured"),
            },
            includes={"patient": Include("Patient", "patient")},
            capability=Capability.VIEW_MEASURES,
            id_prefix=PREFIX,
            data_fields=(
                "public_id",
                "updated_at",
                "status",
                "instrument_code",
                "patient__public_id",
                "administered_at",
                "total",
            ),
        )
    )
