"""Writes to patient records. Each function checks its input, writes, and audits in one
transaction. Authorization happens before these calls (accounts.permissions)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.core.parsing import FUTURE_DATE
from ketamine_care.core.units import in_to_cm, lb_to_kg

# Registration and demographics live in their own module; callers keep using `services`.
from ketamine_care.patients.demographics import (
    DEMOGRAPHIC_FIELDS as DEMOGRAPHIC_FIELDS,
)
from ketamine_care.patients.demographics import (
    register_patient as register_patient,
)
from ketamine_care.patients.demographics import require_active
from ketamine_care.patients.demographics import (
    update_demographics as update_demographics,
)
from ketamine_care.patients.models import (
    HEIGHT_CM_RANGE,
    WEIGHT_KG_RANGE,
    Allergy,
    BodyMeasurement,
    Diagnosis,
    DiagnosisStatus,
    DrugClass,
    Medication,
    Patient,
    RecordStatus,
)

# Research consent lives in its own module; callers keep using `services`.
from ketamine_care.patients.research_consent import (
    record_research_consent as record_research_consent,
)


def mark_patient_entered_in_error(*, patient: Patient, actor, reason: str, request=None) -> Patient:
    """Hide a patient registered by mistake. The record and its audit trail stay."""
    require_active(patient)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": "Give a reason."})
    with transaction.atomic():
        patient.status = RecordStatus.ENTERED_IN_ERROR
        patient.entered_in_error_reason = reason
        patient.save(update_fields=["status", "entered_in_error_reason", "updated_at"])
        record(
            event_type="patient.marked_entered_in_error",
            actor=actor,
            patient=patient,
            obj=patient,
            changes={"new": {"status": patient.status, "reason": reason}},
            request=request,
        )
    return patient


def record_chart_view(*, patient: Patient, actor, request=None, part: str = "chart") -> None:
    """Every read of a patient's chart is audited (HIPAA access accounting)."""
    record(
        event_type="patient.viewed",
        actor=actor,
        patient=patient,
        obj=patient,
        changes={"part": part},
        request=request,
    )


def add_diagnosis(
    *,
    patient: Patient,
    actor,
    icd10_code: str,
    label: str,
    onset_date: date | None = None,
    clinical_status: str = DiagnosisStatus.ACTIVE,
    request=None,
) -> Diagnosis:
    """Add an ICD-10-CM coded diagnosis to the problem list. The form or schema has already
    parsed the input (code upper-cased, text stripped); this checks the code's structure and
    that the onset is not in the future."""
    require_active(patient)
    errors: dict[str, str] = {}
    if not _looks_like_icd10(icd10_code):
        errors["icd10_code"] = "Enter an ICD-10-CM code such as F33.2."
    if onset_date is not None and onset_date > clinic_today(patient.clinic):
        errors["onset_date"] = FUTURE_DATE
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    return _create_child(
        Diagnosis,
        "diagnosis.added",
        patient,
        actor,
        request,
        icd10_code=icd10_code,
        label=label,
        onset_date=onset_date,
        clinical_status=clinical_status,
    )


def _looks_like_icd10(code: str) -> bool:
    # Letter, two characters, optional dot and up to four more (ICD-10-CM code structure).

    return re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", code) is not None


def add_allergy(
    *,
    patient: Patient,
    actor,
    substance: str,
    reaction: str = "",
    severity: str = "",
    request=None,
) -> Allergy:
    """Record an allergy or intolerance; a "no known drug allergies" statement no longer
    holds once one is recorded, so it is cleared in the same transaction."""
    require_active(patient)
    with transaction.atomic():
        extra = None
        if patient.nkda_recorded_at is not None:
            patient.nkda_recorded_at = patient.nkda_recorded_by = None
            patient.save(update_fields=["nkda_recorded_at", "nkda_recorded_by", "updated_at"])
            extra = {"old": {"no_known_drug_allergies": True}}
        return _create_child(
            Allergy,
            "allergy.added",
            patient,
            actor,
            request,
            extra,
            substance=substance,
            reaction=reaction,
            severity=severity,
        )


def record_no_known_drug_allergies(*, patient: Patient, actor, request=None) -> Patient:
    """Record that the patient has no known drug allergies. Refused while an allergy is on
    the chart: it would contradict it (mark the allergy entered in error first)."""
    require_active(patient)
    if patient.allergies.active().exists():
        raise ValidationFailed(
            "An allergy is recorded: mark it as entered in error first if it is wrong.",
            fields={"allergies": "An allergy is recorded."},
        )
    with transaction.atomic():
        patient.nkda_recorded_at = timezone.now()
        patient.nkda_recorded_by = actor
        patient.save(update_fields=["nkda_recorded_at", "nkda_recorded_by", "updated_at"])
        record(
            event_type="patient.nkda_recorded",
            actor=actor,
            patient=patient,
            obj=patient,
            changes={"new": {"no_known_drug_allergies": True}},
            request=request,
        )
    return patient


def add_medication(
    *,
    patient: Patient,
    actor,
    name: str,
    drug_class: str,
    dose: Decimal | None = None,
    dose_unit: str = "",
    frequency: str = "",
    request=None,
) -> Medication:
    """Add a current medication (name, dose with unit, frequency, drug class). Every
    medication is classified, so that the interaction checks can read it."""
    require_active(patient)
    errors: dict[str, str] = {}
    if drug_class not in DrugClass.values:
        errors["drug_class"] = f"Choose one of: {', '.join(DrugClass.values)}."
    if dose is not None and dose <= 0:
        errors["dose"] = "Dose must be greater than zero."
    if dose is not None and not dose_unit:
        errors["dose_unit"] = "Give the unit of the dose (for example mg)."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    return _create_child(
        Medication,
        "medication.added",
        patient,
        actor,
        request,
        name=name,
        dose=dose,
        dose_unit=dose_unit,
        frequency=frequency,
        drug_class=drug_class,
    )


def record_measurement(
    *,
    patient: Patient,
    actor,
    request=None,
    weight: Decimal | None = None,
    height: Decimal | None = None,
    unit: str = "metric",
    measured_at: datetime | None = None,
) -> BodyMeasurement:
    """Record weight and/or height. `unit` must be chosen explicitly: "metric" (kg, cm) or
    "imperial" (lb, in); imperial input is converted and stored in kg and cm, and the
    plausible ranges are checked after conversion."""
    require_active(patient)
    errors: dict[str, str] = {}
    if unit not in ("metric", "imperial"):
        errors["unit"] = "Choose metric (kg/cm) or imperial (lb/in)."
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    if weight is None and height is None:
        errors["weight"] = "Enter a weight, a height or both."
    weight_kg = _convert(weight, lb_to_kg, unit)
    height_cm = _convert(height, in_to_cm, unit)
    _check_range(weight_kg, WEIGHT_KG_RANGE, "weight", "kg", errors)
    _check_range(height_cm, HEIGHT_CM_RANGE, "height", "cm", errors)
    when = measured_at or timezone.now()
    if when > timezone.now():
        errors["measured_at"] = "The measurement time cannot be in the future."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    return _create_child(
        BodyMeasurement,
        "measurement.recorded",
        patient,
        actor,
        request,
        weight_kg=weight_kg,
        height_cm=height_cm,
        entered_unit=unit,
        measured_at=when,
        audit_extra={"entered": {"weight": weight, "height": height, "unit": unit}},
    )


def _convert(value: Decimal | None, converter, unit: str) -> Decimal | None:
    if value is None:
        return None
    if unit == "imperial":
        return converter(value)
    return value.quantize(Decimal("0.01") if converter is lb_to_kg else Decimal("0.1"))


def _check_range(value, bounds, name: str, unit: str, errors: dict) -> None:
    if value is not None and not bounds[0] <= value <= bounds[1]:
        errors.setdefault(name, f"Must be between {bounds[0]} and {bounds[1]} {unit}.")


def _create_child(model, event_type: str, patient, actor, request, audit_extra=None, **fields):
    with transaction.atomic():
        row = model.objects.create(patient=patient, recorded_by=actor, **fields)
        new = {k: v for k, v in fields.items()}
        record(
            event_type=event_type,
            actor=actor,
            patient=patient,
            obj=row,
            changes={"new": new, **(audit_extra or {})},
            request=request,
        )
    return row


def mark_child_entered_in_error(*, row, actor, reason: str, request=None):
    """Mark a diagnosis, allergy, medication or measurement as entered in error."""
    require_active(row.patient)
    return mark_row_entered_in_error(row=row, actor=actor, reason=reason, request=request)


def mark_row_entered_in_error(*, row, actor, reason: str, request=None, event_type: str = ""):
    """Mark any patient-owned row (with `status` and `entered_in_error_reason`) as entered in
    error, with a required reason; audited as `<model>.marked_entered_in_error`. The row stays
    and keeps pointing at its patient: corrections never delete."""
    if row.status != RecordStatus.ACTIVE:
        raise StateError("This entry is already marked as entered in error.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": "Give a reason."})
    with transaction.atomic():
        row.status = RecordStatus.ENTERED_IN_ERROR
        row.entered_in_error_reason = reason
        row.save(update_fields=["status", "entered_in_error_reason", "updated_at"])
        record(
            event_type=event_type or f"{row._meta.model_name}.marked_entered_in_error",
            actor=actor,
            patient=row.patient,
            obj=row,
            changes={"new": {"reason": reason}},
            request=request,
        )
    return row
