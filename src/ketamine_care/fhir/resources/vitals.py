"""Observation, vital signs: one part per vital sign, per the FHIR vital-signs profiles.

LOINC codes and UCUM units [@loinc]: blood pressure panel 85354-9 with systolic 8480-6 and
diastolic 8462-4 (mm[Hg]); heart rate 8867-4 (/min); respiratory rate 9279-1 (/min); oxygen
saturation 2708-6 with pulse oximetry 59408-5 (%); body weight 29463-7 (kg); body height
8302-2 (cm); BMI 39156-5 (kg/m2). Readings taken in a dosing session name it as their
Encounter. MOAA/S (no confirmed LOINC code) is an exam Observation in the project's system.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings

from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.units import bmi
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import LOINC, OBSERVATION_CATEGORY, UCUM, project_system
from ketamine_care.fhir.plain import Cleaned, cleaned, modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref
from ketamine_care.patients.models import BodyMeasurement, RecordStatus
from ketamine_care.treatment_sessions.models import VitalSignsReading

PROFILE = "http://hl7.org/fhir/StructureDefinition/"


@dataclass(frozen=True)
class Vital:
    prefix: str
    codes: tuple[tuple[str, str, str], ...]  # (system, code, display)
    field: str  # the column holding the value ("" for BMI and the BP panel)
    unit: str  # UCUM code ("" for a unitless score)
    profile: str | None
    category: str = "vital-signs"


BP = Vital("bp", ((LOINC, "85354-9", "Blood pressure panel"),), "", "mm[Hg]", PROFILE + "bp")
READING_VITALS = (
    BP,
    Vital(
        "hr", ((LOINC, "8867-4", "Heart rate"),), "heart_rate_bpm", "/min", PROFILE + "heartrate"
    ),
    Vital(
        "rr",
        ((LOINC, "9279-1", "Respiratory rate"),),
        "respiratory_rate_per_min",
        "/min",
        PROFILE + "resprate",
    ),
    Vital(
        "spo2",
        (
            (LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
            (LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ),
        "spo2_percent",
        "%",
        PROFILE + "oxygensat",
    ),
    Vital("moaas", (("observation", "moaas", "MOAA/S"),), "moaas", "", None, category="exam"),
)
BODY_VITALS = (
    Vital(
        "weight", ((LOINC, "29463-7", "Body weight"),), "weight_kg", "kg", PROFILE + "bodyweight"
    ),
    Vital("height", ((LOINC, "8302-2", "Body height"),), "height_cm", "cm", PROFILE + "bodyheight"),
    Vital(
        "bmi", ((LOINC, "39156-5", "Body mass index (BMI) [Ratio]"),), "", "kg/m2", PROFILE + "bmi"
    ),
)


def _codes(vital: Vital) -> list[dict]:
    return [
        coding(system if system == LOINC else project_system(system), code, display)
        for system, code, display in vital.codes
    ]


def _quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


@cache
def _constant(vital: Vital, base: str) -> tuple[list, Cleaned]:
    """The category and code every row of a vital shares, built once per code system base
    (the setting the project's codes read)."""
    category = [cleaned({"coding": [coding(OBSERVATION_CATEGORY, vital.category)]})]
    return category, cleaned({"coding": _codes(vital), "text": vital.codes[0][2]})


def _observation(vital: Vital, row, *, patient, when, encounter=None, status="final", **value):
    category, code = _constant(vital, settings.FHIR_CODE_SYSTEM_BASE)
    return dict(
        resourceType="Observation",
        id=f"{vital.prefix}-{row.public_id}",
        meta=meta(row, "recorded_at" if encounter else "updated_at", vital.profile),
        status=status,
        category=category,
        code=code,
        subject=patient_ref(patient),
        encounter={"reference": f"Encounter/{encounter.public_id}"} if encounter else None,
        effectiveDateTime=when,
        **value,
    )


def reading_observation(vital: Vital):
    def to_data(row: VitalSignsReading) -> dict:
        session = row.session
        place = {"patient": session.patient, "when": row.measured_at, "encounter": session}
        if vital is BP:
            components = [
                {"code": {"coding": [coding(LOINC, "8480-6", "Systolic blood pressure")]},
                 "valueQuantity": _quantity(row.bp_systolic_mmhg, "mm[Hg]")},
                {"code": {"coding": [coding(LOINC, "8462-4", "Diastolic blood pressure")]},
                 "valueQuantity": _quantity(row.bp_diastolic_mmhg, "mm[Hg]")},
            ]  # fmt: skip
            return _observation(vital, row, **place, component=components)
        value = getattr(row, vital.field)
        if not vital.unit:
            return _observation(vital, row, **place, valueInteger=value)
        return _observation(vital, row, **place, valueQuantity=_quantity(value, vital.unit))

    return to_data


def body_observation(vital: Vital):
    def to_data(row: BodyMeasurement) -> dict:
        if vital.field:
            value = getattr(row, vital.field)
        else:
            value = bmi(row.weight_kg, row.height_cm)
        status = "entered-in-error" if row.status == RecordStatus.ENTERED_IN_ERROR else "final"
        return _observation(
            vital,
            row,
            patient=row.patient,
            when=row.measured_at,
            status=status,
            valueQuantity=_quantity(float(value), vital.unit),
        )

    return to_data


def _search(vital: Vital, patient_path: str, date_path: str, encounter: bool) -> dict:
    params = {
        "patient": SearchParam(REFERENCE, patient_path, description="The patient"),
        "subject": SearchParam(REFERENCE, patient_path, description="The patient"),
        "code": SearchParam(
            TOKEN,
            fixed=tuple((c["system"], c["code"]) for c in _codes(vital)),
            description="LOINC (vital signs, score totals) or the project's code",
        ),
        "category": SearchParam(
            TOKEN, fixed=((OBSERVATION_CATEGORY, vital.category),), description="Category"
        ),
        "date": SearchParam(DATE, date_path, description="When it was measured"),
    }
    if encounter:
        params["encounter"] = SearchParam(REFERENCE, "session", description="The session")
    return params


def _value_fields(vital: Vital) -> tuple[str, ...]:
    """The columns a vital's value reads (both for the BP panel and for BMI)."""
    if vital is BP:
        return ("bp_systolic_mmhg", "bp_diastolic_mmhg")
    return (vital.field,) if vital.field else ("weight_kg", "height_cm")


def _reading_rows(vital: Vital):
    fields = _value_fields(vital)

    def queryset(clinic):
        present = {f"{name}__isnull": False for name in fields}
        rows = VitalSignsReading.objects.filter(session__clinic=clinic, **present)
        return rows.select_related("session__patient")

    return queryset


def _body_rows(vital: Vital):
    fields = _value_fields(vital)

    def queryset(clinic):
        present = {f"{name}__isnull": False for name in fields}
        rows = BodyMeasurement.objects.filter(patient__clinic=clinic, **present)
        return rows.select_related("patient")

    return queryset


def register() -> None:
    for vital in READING_VITALS:
        registry.register(
            ResourceType(
                name="Observation",
                to_fhir=modelled("Observation", reading_observation(vital)),
                to_data=reading_observation(vital),
                queryset=_reading_rows(vital),
                search_params=_search(vital, "session__patient", "measured_at", encounter=True),
                includes={
                    "patient": Include("Patient", "session__patient"),
                    "encounter": Include("Encounter", "session"),
                },
                profile=vital.profile,
                capability=Capability.VIEW_SESSIONS,
                patient_path="session__patient",
                updated_field="recorded_at",
                id_prefix=vital.prefix,
                data_fields=(
                    "public_id",
                    "recorded_at",
                    "measured_at",
                    "session__public_id",
                    "session__patient__public_id",
                    *_value_fields(vital),
                ),
            )
        )
    for vital in BODY_VITALS:
        registry.register(
            ResourceType(
                name="Observation",
                to_fhir=modelled("Observation", body_observation(vital)),
                to_data=body_observation(vital),
                queryset=_body_rows(vital),
                search_params=_search(vital, "patient", "measured_at", encounter=False),
                includes={"patient": Include("Patient", "patient")},
                profile=vital.profile,
                capability=Capability.VIEW_CLINICAL_HISTORY,
                id_prefix=vital.prefix,
                data_fields=(
                    "public_id",
                    "updated_at",
                    "status",
                    "measured_at",
                    "patient__public_id",
                    *_value_fields(vital),
                ),
            )
        )
