"""Today's dose at the session: what the dose calculator gives for the patient as they are
today (stored with the pre-session checks), and what the protocol refuses at the dose step."""

from __future__ import annotations

from decimal import Decimal

from ketamine_care.core.clock import clinic_date_of, clinic_today
from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.dosing.patient_dose import patient_age_years, previous_weight_kg
from ketamine_care.patients.models import latest_body_metrics
from ketamine_care.treatment_sessions.models import PreSessionChecks
from ketamine_care.treatment_sessions.monitoring import definition_for


def todays_dose(session, *, confirm_weight: bool = False) -> dict:
    """The dose for today's weight from the planned visit's dose (or the protocol default),
    with the patient's age, previous weight and the clinic's label jurisdiction."""
    planned = session.planned_visit.dose if session.planned_visit else {}
    try:
        result = calculate_dose(
            definition_for(session.protocol_version),
            **_patient_today(session),
            mg_per_kg=planned.get("dose_mg_per_kg"),
            dose_mg=planned.get("dose_mg"),
            confirm_weight=confirm_weight,
            last_weight_kg=previous_weight_kg(session.patient, explicit_weight=False),
        )
    except DoseInputError as exc:
        return {"dose_mg": None, "error": exc.message}
    return {**result.as_json(), "weight_confirmed": confirm_weight}


def _patient_today(session) -> dict:
    """What the calculator needs of the patient today: today's weight (none if not weighed
    today), height, sex, age, the session's route and the clinic's label jurisdiction."""
    metrics = latest_body_metrics(session.patient)
    weighed_today = metrics["weight_measured_at"] is not None and clinic_date_of(
        session.clinic, metrics["weight_measured_at"]
    ) == clinic_today(session.clinic)
    return {
        "weight_kg": float(metrics["weight_kg"]) if weighed_today else None,
        "height_cm": float(metrics["height_cm"]) if metrics["height_cm"] else None,
        "sex": session.patient.sex if session.patient.sex in ("female", "male") else None,
        "route": session.route,
        "age_years": patient_age_years(session.patient),
        "jurisdiction": session.patient.clinic.label_jurisdiction,
    }


# Stands for any documented reason: what the protocol refuses even with one.
_WITH_A_REASON = "a documented reason"


_UNREAD = object()


def pre_checks_of(session):
    """The session's pre-session checks row, or None: read once by a caller that asks the
    functions below several things (`checks=`)."""
    return PreSessionChecks.objects.filter(session=session).first()


def protocol_refuses(session, dose_mg: Decimal, *, checks=_UNREAD) -> list[str]:
    """Why the protocol refuses `dose_mg` today whatever reason is documented (a dose outside
    its mg/kg range, not one of its fixed doses or whole devices...), as the calculator says
    for that dose on today's actual weight; the blocks a reason lifts (the clinic's ceiling,
    the usual floor, an age outside the protocol's) are the dose step's reason to ask. Empty
    when nothing can be judged (no weight today: any dose then needs its reason)."""
    definition = definition_for(session.protocol_version)
    # The calculator lowers a dose above the protocol's maximum single dose to it, with a
    # warning; a dose given is what it is, so above the maximum it is refused.
    cap = definition.dose_rule(session.route).max_single_dose_mg
    if cap is not None and dose_mg > Decimal(str(cap)):
        return [f"{dose_mg:f} mg is above the protocol's maximum single dose of {cap:g} mg"]
    checks = pre_checks_of(session) if checks is _UNREAD else checks
    confirmed = bool(checks and (checks.calculated_dose or {}).get("weight_confirmed"))
    try:
        result = calculate_dose(
            definition,
            **_patient_today(session),
            weight_basis="actual",
            dose_mg=float(dose_mg),
            confirm_weight=confirmed,
            reason=_WITH_A_REASON,
        )
    except DoseInputError:
        return []
    return list(result.block_reasons) if result.blocked else []


def calculated_dose_mg(session, *, checks=_UNREAD) -> Decimal | None:
    """Today's calculated dose; None when there is none, or when the calculator blocked it (an
    age outside the protocol's, a dose above the clinic's ceiling...): a blocked dose is never
    offered as the calculated one, so any dose given then needs its reason."""
    checks = pre_checks_of(session) if checks is _UNREAD else checks
    if checks is not None and checks.calculated_dose.get("blocked"):
        return None
    value = checks.calculated_dose_mg if checks else None
    return Decimal(str(value)) if value is not None else None


def blocked_dose_reasons(session, *, checks=_UNREAD) -> list[str]:
    """Why the calculator blocked today's dose at the pre-session checks; empty when it did
    not."""
    checks = pre_checks_of(session) if checks is _UNREAD else checks
    if checks is None or not checks.calculated_dose.get("blocked"):
        return []
    return list(checks.calculated_dose.get("block_reasons") or ["its reasons were not recorded"])
