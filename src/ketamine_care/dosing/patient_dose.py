"""A dose for one patient: the calculator fed with the record (not pure: reads the record).

Weight is the latest measured weight unless the caller gives one explicitly; the weight before
it feeds the "entered in pounds?" check; the age comes from the date of birth and the label
jurisdiction from the clinic's setting."""

from __future__ import annotations

from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.dosing.calculator import DoseInputError, DoseResult, calculate_dose
from ketamine_care.patients.models import latest_body_metrics
from ketamine_care.protocols.models import ProtocolVersion


def previous_weight_kg(patient, *, explicit_weight: bool) -> float | None:
    """The weight to compare with: the latest recorded one when the caller typed a weight,
    else the one recorded before the latest."""
    rows = patient.measurements.active().filter(weight_kg__isnull=False)
    row = rows[0:1].first() if explicit_weight else rows[1:2].first()
    return float(row.weight_kg) if row is not None else None


# What to enter when the record gives no age (the calculator's blocked reason asks for it).
ENTER_DATE_OF_BIRTH = "the patient's date of birth on the chart"


def patient_age_years(patient) -> float | None:
    """The patient's age today in the clinic's time zone, in completed months over 12
    (`Patient.age_years_on`); None without a date of birth."""
    birth = getattr(patient, "date_of_birth", None)
    return patient.age_years_on(clinic_today(patient.clinic)) if birth else None


def dose_for_patient(
    *,
    patient,
    protocol_version: ProtocolVersion,
    weight_kg: float | None = None,
    weight_basis: str | None = None,
    mg_per_kg: float | None = None,
    step: int | None = None,
    dose_mg: float | None = None,
    route: str | None = None,
    concentration_mg_per_ml: float | None = None,
    confirm_weight: bool = False,
    reason: str | None = None,
) -> DoseResult:
    metrics = latest_body_metrics(patient)
    explicit = weight_kg is not None
    if weight_kg is None and metrics["weight_kg"] is not None:
        weight_kg = float(metrics["weight_kg"])
    height_cm = float(metrics["height_cm"]) if metrics["height_cm"] is not None else None
    sex = patient.sex if patient.sex in ("female", "male") else None
    try:
        return calculate_dose(
            protocol_version.parsed(),
            weight_kg=weight_kg,
            height_cm=height_cm,
            sex=sex,
            weight_basis=weight_basis or None,
            mg_per_kg=mg_per_kg,
            step=step,
            dose_mg=dose_mg,
            route=route or None,
            concentration_mg_per_ml=concentration_mg_per_ml,
            age_years=patient_age_years(patient),
            confirm_weight=bool(confirm_weight),
            last_weight_kg=previous_weight_kg(patient, explicit_weight=explicit),
            reason=reason or None,
            jurisdiction=patient.clinic.label_jurisdiction,
            enter_age=ENTER_DATE_OF_BIRTH,
        )
    except DoseInputError as exc:
        field = exc.field
        if field == "weight_kg" and weight_kg is None:
            message = "No weight is recorded: record the patient's weight first."
        else:
            message = exc.message
        raise ValidationFailed(message, fields={field: message}) from None
