"""Registering a patient and changing the demographics. The forms and schemas have parsed
the input (text stripped, the date of birth a date); these apply the domain rules, write and
audit in one transaction. Authorization happens before these calls (accounts.permissions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.core.parsing import REQUIRED
from ketamine_care.patients.models import Patient, Sex

DEMOGRAPHIC_FIELDS = ("mrn", "given_name", "family_name", "date_of_birth", "sex", "phone", "email")
_REQUIRED_TEXT = ("mrn", "given_name", "family_name")
_MAX_LENGTHS = {"mrn": 32, "given_name": 100, "family_name": 100, "phone": 40, "email": 254}


def _check_demographics(values: dict[str, Any], *, clinic) -> None:
    """Domain rules for the demographic fields present in `values` (already typed: text
    stripped, the date of birth a date): names and MRN not blank, text within its column,
    a date of birth from 1900 up to today, a sex from the choices."""
    errors: dict[str, str] = {}
    for name, max_length in _MAX_LENGTHS.items():
        text = values.get(name)
        if text is None:
            continue
        if name in _REQUIRED_TEXT and not text.strip():
            errors[name] = REQUIRED
        elif len(text) > max_length:
            errors[name] = f"At most {max_length} characters."
    dob = values.get("date_of_birth")
    if dob is not None:
        if dob > clinic_today(clinic):
            errors["date_of_birth"] = "Date of birth cannot be in the future."
        elif dob.year < 1900:
            errors["date_of_birth"] = "Date of birth must be after 1900."
    if values.get("sex") is not None and values["sex"] not in Sex.values:
        errors["sex"] = f"Choose one of: {', '.join(Sex.values)}."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)


def _mrn_taken(clinic, mrn: str, exclude_pk: int | None = None) -> bool:
    qs = Patient.objects.filter(clinic=clinic, mrn_search=mrn.strip().lower())
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _mrn_conflict(mrn: str) -> Conflict:
    return Conflict(
        f"MRN {mrn} is already used by another patient in this clinic.",
        fields={"mrn": "This MRN is already in use in this clinic."},
    )


def register_patient(
    *,
    clinic,
    actor,
    mrn: str,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    sex: str,
    phone: str = "",
    email: str = "",
    request=None,
) -> Patient:
    """Register a patient in `clinic`. The form or schema has already parsed the input (text
    stripped, the date of birth a date). MRNs are unique within a clinic (case-insensitive)."""
    cleaned = {
        "mrn": mrn,
        "given_name": given_name,
        "family_name": family_name,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "phone": phone,
        "email": email,
    }
    _check_demographics(cleaned, clinic=clinic)
    if _mrn_taken(clinic, mrn):
        raise _mrn_conflict(mrn)
    patient = Patient(clinic=clinic, **cleaned)
    patient.refresh_search_fields()
    try:
        with transaction.atomic():
            patient.save()
            record(
                event_type="patient.registered",
                actor=actor,
                clinic=clinic,
                patient=patient,
                obj=patient,
                changes={"new": cleaned},
                request=request,
            )
    except IntegrityError as exc:  # a concurrent registration took the MRN first
        raise _mrn_conflict(mrn) from exc
    return patient


def update_demographics(
    *,
    patient: Patient,
    actor,
    mrn: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    date_of_birth: date | None = None,
    sex: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    request=None,
) -> Patient:
    """Change demographic fields; the audit event keeps each changed field's old and new value.

    A field left as None keeps its stored value (to clear the phone or e-mail, pass "").
    The input is already typed (text stripped, the date of birth a date)."""
    require_active(patient)
    given = {
        "mrn": mrn,
        "given_name": given_name,
        "family_name": family_name,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "phone": phone,
        "email": email,
    }
    cleaned = {k: v for k, v in given.items() if v is not None}
    _check_demographics(cleaned, clinic=patient.clinic)
    changed = {k: v for k, v in cleaned.items() if getattr(patient, k) != v}
    if not changed:
        return patient
    if "mrn" in changed and _mrn_taken(patient.clinic, changed["mrn"], exclude_pk=patient.pk):
        raise _mrn_conflict(changed["mrn"])
    old = {k: getattr(patient, k) for k in changed}
    for key, value in changed.items():
        setattr(patient, key, value)
    patient.refresh_search_fields()
    try:
        with transaction.atomic():
            patient.save()
            record(
                event_type="patient.demographics_changed",
                actor=actor,
                patient=patient,
                obj=patient,
                changes={"old": old, "new": changed},
                request=request,
            )
    except IntegrityError as exc:
        raise _mrn_conflict(changed.get("mrn", patient.mrn)) from exc
    return patient


def require_active(patient: Patient) -> None:
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error and cannot be changed.")
