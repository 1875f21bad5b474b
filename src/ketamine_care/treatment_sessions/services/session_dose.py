"""Today's dose at the session: what the dose calculator gives for the patient as they are
today (stored with the pre-session checks), and what the protocol refuses at the dose step."""

from __future__ import annotations

from decimal import Decimal

from ketamine_care.core.clock import clinic_date_of, clinic_today
from ketamine_care.core.labels import label
from ketamine_care.dosing import guards
from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.dosing.labels import WEIGHT_BASES, WEIGHT_BASIS
from ketamine_care.dosing.patient_dose import (
    ENTER_DATE_OF_BIRTH,
    patient_age_years,
    previous_weight_kg,
)
from ketamine_care.patients.models import latest_body_metrics
from ketamine_care.treatment_sessions.models import PreSessionChecks
from ketamine_care.treatment_sessions.monitoring import definition_for


def todays_dose(session, *, confirm_weight: bool = False, weight_basis: str | None = None) -> dict:
    """The dose for today's weight from the planned visit's dose (or the protocol default),
    with the patient's age, previous weight and the clinic's label jurisdiction, on the
    weight basis the clinician chose (None: the calculator's, which at BMI 30 or more is
    none: the dose is blocked until one is chosen [@sanacora-2017]).

    Kept with the result: the basis chosen (`weight_basis_chosen`; the result's own
    `weight_basis` is the one used, actual weight when ideal or adjusted would be above it)
    and whether the calculator asks for one (`asks_weight_basis`)."""
    definition = definition_for(session.protocol_version)
    planned = session.planned_visit.dose if session.planned_visit else {}
    chosen = {"weight_basis_chosen": weight_basis}
    try:
        result = calculate_dose(
            definition,
            **_patient_today(session),
            weight_basis=weight_basis,
            mg_per_kg=planned.get("dose_mg_per_kg"),
            dose_mg=planned.get("dose_mg"),
            confirm_weight=confirm_weight,
            last_weight_kg=previous_weight_kg(session.patient, explicit_weight=False),
        )
    except DoseInputError as exc:
        return {"dose_mg": None, "error": exc.message, **chosen}
    # On a mg/kg rule the calculator leaves the basis unset only where it will not choose.
    asks = definition.dose_rule(session.route).basis == "mg_per_kg" and not result.weight_basis
    return {
        **result.as_json(),
        "weight_confirmed": confirm_weight,
        **chosen,
        "asks_weight_basis": asks,
    }


def weight_basis_refusal(session, basis: str) -> str | None:
    """Why the dose calculator refuses `basis` for this patient, in the clinic's words (None:
    it does not): ideal or adjusted weight for a child or below 152.4 cm, or without the
    height or sex they need [@devine-1974] [@clincalc-ibw]; any basis on a fixed-mg
    protocol. Checked before anything is saved: none of it depends on today's weight."""
    if basis not in WEIGHT_BASES:
        return "Choose actual weight, ideal body weight (Devine) or adjusted body weight."
    definition = definition_for(session.protocol_version)
    name = label(WEIGHT_BASIS, basis)
    if definition.dose_rule(session.route).basis != "mg_per_kg":
        return f"{name}: this protocol doses in fixed mg, not by weight."
    patient = _patient_today(session)
    try:
        guards.check_basis_chosen(
            basis,
            paediatric=guards.is_paediatric(definition, patient["age_years"]),
            height_cm=patient["height_cm"],
            sex=patient["sex"],
        )
    except DoseInputError as exc:
        if exc.field == "height_cm":
            return f"{name} needs the patient's height: record it on the chart first."
        if exc.field == "sex":
            return f"{name} needs the patient's sex (female or male) on the record."
        return exc.message.replace(f"'{basis}'", name)
    return None


def _patient_today(session) -> dict:
    """What the calculator needs of the patient today: today's weight (none if not weighed
    today), height, sex, age (and what to enter when the record gives none), the session's
    route and the clinic's label jurisdiction."""
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
        "enter_age": ENTER_DATE_OF_BIRTH,
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
    for that dose on the weight today's dose was calculated on (its basis, never above the
    actual weight; actual weight when none was used); the blocks a reason lifts (the clinic's
    ceiling, the usual floor, an age outside the protocol's but not under an absolute
    limit) are the dose step's reason to ask. Empty when nothing can be judged (no weight
    today: any dose then needs its reason)."""
    definition = definition_for(session.protocol_version)
    # The calculator lowers a dose above the protocol's maximum single dose to it, with a
    # warning; a dose given is what it is, so above the maximum it is refused.
    cap = definition.dose_rule(session.route).max_single_dose_mg
    if cap is not None and dose_mg > Decimal(str(cap)):
        return [f"{dose_mg:f} mg is above the protocol's maximum single dose of {cap:g} mg"]
    checks = pre_checks_of(session) if checks is _UNREAD else checks
    calculated = (checks.calculated_dose or {}) if checks else {}
    try:
        result = calculate_dose(
            definition,
            **_patient_today(session),
            # The basis today's dose was calculated on (the calculator keeps it at or below
            # the actual weight); actual weight when none was (no weight, BMI 30 or more
            # with no basis chosen), as before a basis could be chosen.
            weight_basis=calculated.get("weight_basis") or "actual",
            dose_mg=float(dose_mg),
            confirm_weight=bool(calculated.get("weight_confirmed")),
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


def dose_weight(calculated: dict) -> dict:
    """The weight basis and kg today's dose was calculated and checked on (the pre-session
    checks' `calculated_dose`), as the dose row keeps them: both None when no dose was
    calculated on a weight."""
    basis, kg = calculated.get("weight_basis"), calculated.get("weight_used_kg")
    if not basis or kg is None or calculated.get("error"):
        return {"weight_basis": None, "weight_used_kg": None}
    return {"weight_basis": basis, "weight_used_kg": Decimal(str(kg))}


def blocked_dose_reasons(session, *, checks=_UNREAD) -> list[str]:
    """Why the calculator blocked today's dose at the pre-session checks; empty when it did
    not."""
    checks = pre_checks_of(session) if checks is _UNREAD else checks
    if checks is None or not checks.calculated_dose.get("blocked"):
        return []
    return list(checks.calculated_dose.get("block_reasons") or ["its reasons were not recorded"])
