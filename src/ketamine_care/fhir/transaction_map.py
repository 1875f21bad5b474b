"""One resource of an imported transaction Bundle -> the service call that records it.

Each function takes a fhir.resources model and the import's context, and returns the row it
wrote (or found: conditional create) and whether it was created. A resource the platform
cannot hold raises `EntryError` with a message for that entry's OperationOutcome. A resource
the patient already has (the same ICD-10-CM code, substance, medication name or measurement
time) is not added twice, so a re-import of the same bundle changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ketamine_care.fhir.codes import ICD10CM, LOINC, project_system
from ketamine_care.patients import services
from ketamine_care.patients.models import DrugClass, Patient, RecordStatus

WEIGHT, HEIGHT = "29463-7", "8302-2"
_CLINICAL_STATUS = {"active": "active", "remission": "in_remission", "resolved": "resolved"}
_CLINICAL_STATUS |= {"recurrence": "active", "relapse": "active", "inactive": "resolved"}


class EntryError(Exception):
    pass


class NotImported(Exception):  # noqa: N818 (an outcome, not a failure)
    """A valid entry the platform has no place for: answered, not imported, not a failure."""


# Vital signs here are readings of a monitored dosing session; a reading taken elsewhere must
# not pose as one, and an EHR export full of them must still onboard its patients.
NOT_IMPORTED = (
    "Not imported: from outside records only body weight (29463-7) and height (8302-2) are "
    "kept; other observations (LOINC {code}) are recorded only in the clinic's monitored "
    "dosing sessions."
)


@dataclass
class Context:
    clinic: object
    actor: object
    request: object = None
    patients: dict[str, Patient] = field(default_factory=dict)  # fullUrl -> patient


def _text(concept) -> str:
    if concept is None:
        return ""
    if concept.text:
        return concept.text
    return next((c.display for c in concept.coding or [] if c.display), "")


def _code(concept, system: str) -> str:
    for coding in (concept.coding if concept else None) or []:
        if coding.system == system and coding.code:
            return coding.code
    return ""


def _patient_of(ctx: Context, reference) -> Patient:
    ref = reference.reference if reference is not None else None
    if not ref:
        raise EntryError("The resource names no patient (subject or patient reference).")
    if ref in ctx.patients:
        return ctx.patients[ref]
    public_id = ref.removeprefix("Patient/")
    patient = Patient.objects.filter(clinic=ctx.clinic, public_id__iexact=public_id).first()
    if patient is None or ref == public_id:
        raise EntryError(f"The patient {ref} is neither in this bundle nor in this clinic.")
    return patient


def mrn_of(resource) -> str:
    for identifier in resource.identifier or []:
        if identifier.value:
            return identifier.value.strip()
    raise EntryError("A Patient needs an identifier (its MRN) for conditional create.")


def patient(ctx: Context, resource) -> tuple[Patient, bool]:
    mrn = mrn_of(resource)
    found = Patient.objects.filter(
        clinic=ctx.clinic, mrn_search=mrn.lower(), status=RecordStatus.ACTIVE
    ).first()
    if found is not None:
        return found, False
    name = (resource.name or [None])[0]
    if name is None or not name.family or not name.given:
        raise EntryError("A Patient needs a family and a given name.")
    if resource.birthDate is None or resource.gender is None:
        raise EntryError("A Patient needs a birthDate and a gender.")
    telecom = {t.system: t.value for t in resource.telecom or [] if t.value}
    return services.register_patient(
        clinic=ctx.clinic,
        actor=ctx.actor,
        mrn=mrn,
        given_name=name.given[0],
        family_name=name.family,
        date_of_birth=resource.birthDate,
        sex=resource.gender,
        phone=telecom.get("phone", "")[:40],
        email=telecom.get("email", ""),
        request=ctx.request,
    ), True


def condition(ctx: Context, resource) -> tuple[object, bool]:
    owner = _patient_of(ctx, resource.subject)
    code = _code(resource.code, ICD10CM).upper()
    if not code:
        raise EntryError("A Condition needs an ICD-10-CM code (http://hl7.org/fhir/sid/icd-10-cm).")
    found = owner.diagnoses.filter(icd10_code=code, status=RecordStatus.ACTIVE).first()
    if found is not None:
        return found, False
    status = _code(resource.clinicalStatus, resource_system("condition-clinical")) or "active"
    onset = resource.onsetDateTime
    return services.add_diagnosis(
        patient=owner,
        actor=ctx.actor,
        icd10_code=code,
        label=(_text(resource.code) or code)[:200],
        onset_date=onset.date() if hasattr(onset, "date") else None,
        clinical_status=_CLINICAL_STATUS.get(status, "active"),
        request=ctx.request,
    ), True


def resource_system(name: str) -> str:
    return f"http://terminology.hl7.org/CodeSystem/{name}"


def allergy(ctx: Context, resource) -> tuple[object, bool]:
    owner = _patient_of(ctx, resource.patient)
    substance = _text(resource.code)[:200]
    if not substance:
        raise EntryError("An AllergyIntolerance needs its substance (code.text or a display).")
    found = owner.allergies.filter(substance__iexact=substance, status=RecordStatus.ACTIVE).first()
    if found is not None:
        return found, False
    reaction = (resource.reaction or [None])[0]
    words = _text((reaction.manifestation or [None])[0]) if reaction else ""
    severity = (reaction.severity if reaction else "") or ""
    return services.add_allergy(
        patient=owner,
        actor=ctx.actor,
        substance=substance,
        reaction=words[:200],
        severity=severity,
        request=ctx.request,
    ), True


def medication(ctx: Context, resource) -> tuple[object, bool]:
    owner = _patient_of(ctx, resource.subject)
    concept = resource.medicationCodeableConcept
    name = _text(concept)[:200]
    if not name:
        raise EntryError("A MedicationStatement needs medicationCodeableConcept with a name.")
    found = owner.medications.filter(name__iexact=name, status=RecordStatus.ACTIVE).first()
    if found is not None:
        return found, False
    category = _code(concept, project_system("drug-class"))
    # Without the project's drug class the medication is "other": the interaction checks
    # then cannot see it, so the clinician classifies it on the chart (docs/FHIR.md).
    drug_class = category if category in DrugClass.values else DrugClass.OTHER
    return services.add_medication(
        patient=owner, actor=ctx.actor, name=name, drug_class=drug_class, request=ctx.request
    ), True


def observation(ctx: Context, resource) -> tuple[object, bool]:
    owner = _patient_of(ctx, resource.subject)
    code = _code(resource.code, LOINC)
    if code not in (WEIGHT, HEIGHT):
        raise NotImported(NOT_IMPORTED.format(code=code or "none"))
    quantity = resource.valueQuantity
    try:
        value = Decimal(str(quantity.value))
    except (AttributeError, InvalidOperation, TypeError):
        raise EntryError("The Observation needs a valueQuantity.") from None
    wanted = "kg" if code == WEIGHT else "cm"
    if quantity.code != wanted and quantity.unit != wanted:
        raise EntryError(f"The Observation's unit must be {wanted} (UCUM).")
    when = resource.effectiveDateTime
    if when is None:
        raise EntryError("The Observation needs effectiveDateTime.")
    column = "weight_kg" if code == WEIGHT else "height_cm"
    found = owner.measurements.filter(
        measured_at=when, status=RecordStatus.ACTIVE, **{f"{column}__isnull": False}
    ).first()
    if found is not None:
        return found, False
    values = {"weight": value} if code == WEIGHT else {"height": value}
    return services.record_measurement(
        patient=owner, actor=ctx.actor, measured_at=when, request=ctx.request, **values
    ), True


HANDLERS = {
    "Patient": patient,
    "Condition": condition,
    "AllergyIntolerance": allergy,
    "MedicationStatement": medication,
    "Observation": observation,
}
