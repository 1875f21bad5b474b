"""Pre-session checks: record what the nurse checked, recompute the dose from today's weight,
and let a prescriber override an overridable missing check with a reason (audited)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.clock import clinic_date_of, clinic_today
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.core.pre_session_notices import notices_for
from ketamine_care.dosing import guards
from ketamine_care.dosing.calculator import DoseInputError
from ketamine_care.dosing.patient_dose import patient_age_years
from ketamine_care.dosing.services import latest_verdict
from ketamine_care.patients.services import record_measurement
from ketamine_care.screening import icd10
from ketamine_care.screening.record_facts import facts_from_record
from ketamine_care.screening.services import age_changes_reasons
from ketamine_care.treatment_sessions import prechecks, states
from ketamine_care.treatment_sessions.models import PreCheckSwitch, PreSessionChecks
from ketamine_care.treatment_sessions.monitoring import definition_for
from ketamine_care.treatment_sessions.services.lifecycle import locked, require_state
from ketamine_care.treatment_sessions.services.session_dose import (
    todays_dose,
    weight_basis_refusal,
)

CONCOMITANT_FLAGS = (
    "benzodiazepine",
    "non_benzodiazepine_sedative_hypnotic",
    "psychostimulant",
    "maoi",
    "opioid",
)
PRE_CHECK_STATES = (states.CHECKED_IN, states.PRE_ASSESSMENT)
DAY_OF_SESSION_FLAGS = ("recent_alcohol_or_drugs", "intoxication_signs", "stimulant_or_cocaine")


def _day_of_session_errors(answers, now: datetime) -> dict[str, str]:
    errors: dict[str, str] = {}
    unknown = set(answers) - {*DAY_OF_SESSION_FLAGS, "nasal_medication_at"}
    if unknown:
        errors["day_of_session"] = f"Unknown questions: {', '.join(sorted(unknown))}."
    # Every question is answered: a missing answer is not a "no" (fail safe).
    for flag in DAY_OF_SESSION_FLAGS:
        if not isinstance(answers.get(flag), bool):
            errors[f"day_of_session.{flag}"] = "Answer yes or no."
    when = answers.get("nasal_medication_at")
    if when is not None and (not isinstance(when, datetime) or when > now):
        errors["day_of_session.nasal_medication_at"] = "Give a time that is not in the future."
    return errors


def record_pre_checks(
    *,
    session,
    actor,
    weight_kg: Decimal | None = None,
    confirm_weight: bool = False,
    last_food_at: datetime | None = None,
    last_liquids_at: datetime | None = None,
    escort_confirmed: bool | None = None,
    pregnancy_test: str | None = None,
    consent_on_file: bool | None = None,
    concomitant: dict[str, Any] | None = None,
    day_of_session: dict[str, Any] | None = None,
    weight_basis: str | None = None,
    request=None,
) -> PreSessionChecks:
    """Store the checks given; an argument left as None keeps its stored value. The form or
    schema has already parsed the input (a Decimal weight, aware datetimes, booleans).

    `weight_kg` records today's weight on the chart and recomputes the dose with the pure
    calculator (an adult weight outside the plausible range is refused unless
    `confirm_weight`); `pregnancy_test` is negative, positive, not_applicable or "" (not
    recorded);
    `concomitant` is {flag: bool} over CONCOMITANT_FLAGS plus optional "notes";
    `day_of_session` is {flag: bool} over DAY_OF_SESSION_FLAGS plus an optional
    "nasal_medication_at" datetime; `weight_basis` (actual, ideal or adjusted; "" clears it)
    is the weight today's dose is calculated on, kept for the later saves of the day and
    refused, naming the field, where the calculator refuses it."""
    values = {
        "last_food_at": last_food_at,
        "last_liquids_at": last_liquids_at,
        "escort_confirmed": escort_confirmed,
        "consent_on_file": consent_on_file,
        "pregnancy_test": pregnancy_test,
        "day_of_session": day_of_session,
    }
    _check_pre_checks(session, weight_kg, confirm_weight, values, concomitant, weight_basis)
    with transaction.atomic():
        session = locked(session)
        require_state(session, *PRE_CHECK_STATES, doing="record pre-session checks")
        checks, _ = PreSessionChecks.objects.get_or_create(
            session=session, defaults={"recorded_by": actor}
        )
        changed = _apply(checks, values, concomitant)
        if weight_kg is not None:
            checks.weight_measurement = record_measurement(
                patient=session.patient, actor=actor, weight=weight_kg, request=request
            )
            changed["weight_kg"] = str(weight_kg)
        _recalculate(checks, session, confirm_weight, weight_basis, changed)
        checks.recorded_by = actor
        checks.save()
        _audit_pre_checks(checks, session, changed, actor, request)
    return checks


def _audit_pre_checks(checks, session, changed: dict, actor, request) -> None:
    """What this save changed, and the dose it calculated with the weight it used."""
    record(
        event_type="session.pre_checks_recorded",
        actor=actor,
        patient=session.patient,
        obj=session,
        changes={
            "new": changed,
            "calculated_dose_mg": checks.calculated_dose.get("dose_mg"),
            "weight_used_kg": checks.calculated_dose.get("weight_used_kg"),
        },
        request=request,
    )


def _recalculate(checks, session, confirm_weight: bool, weight_basis, changed: dict) -> None:
    """Today's dose again, keeping the day's confirmed weight and chosen basis unless this
    save changes the basis ("" clears it)."""
    kept = checks.calculated_dose or {}
    confirmed = confirm_weight or bool(kept.get("weight_confirmed"))
    basis = kept.get("weight_basis_chosen") if weight_basis is None else weight_basis or None
    if basis != kept.get("weight_basis_chosen"):
        changed["weight_basis"] = basis
    checks.calculated_dose = todays_dose(session, confirm_weight=confirmed, weight_basis=basis)


def _check_pre_checks(
    session, weight_kg, confirm_weight: bool, values: dict, concomitant, weight_basis
) -> None:
    """The domain rules, all checked before anything is saved; every bad field is named."""
    errors: dict[str, str] = {}
    if weight_kg is not None:
        _check_weight(session, weight_kg, confirm_weight, errors)
    refused = weight_basis_refusal(session, weight_basis) if weight_basis else None
    if refused:
        errors["weight_basis"] = refused
    if concomitant is not None:
        unknown = set(concomitant) - {*CONCOMITANT_FLAGS, "notes"}
        if unknown:
            errors["concomitant"] = f"Unknown flags: {', '.join(sorted(unknown))}."
    now = timezone.now()
    for name in ("last_food_at", "last_liquids_at"):
        when = values[name]
        if when is not None and when > now:
            errors[name] = "This time cannot be in the future."
    if values["pregnancy_test"] not in (None, "", "negative", "positive", "not_applicable"):
        errors["pregnancy_test"] = "Choose negative, positive or not applicable."
    day = values["day_of_session"]
    if day is not None:
        if isinstance(day, dict):
            errors.update(_day_of_session_errors(day, now))
        else:
            errors["day_of_session"] = "Expected the answers to the day-of-session questions."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)


def _apply(checks: PreSessionChecks, values: dict, concomitant) -> dict:
    changed: dict[str, Any] = {}
    for name in ("last_food_at", "last_liquids_at", "escort_confirmed", "consent_on_file"):
        if values.get(name) is not None:
            setattr(checks, name, values[name])
            changed[name] = values[name]
    if values.get("pregnancy_test") is not None:
        checks.pregnancy_test = values["pregnancy_test"]
        changed["pregnancy_test"] = values["pregnancy_test"]
    day = values.get("day_of_session")
    if day is not None:
        when = day.get("nasal_medication_at")
        checks.day_of_session = {
            **{flag: bool(day.get(flag)) for flag in DAY_OF_SESSION_FLAGS},
            "nasal_medication_at": when.isoformat() if when else None,
        }
        changed["day_of_session"] = checks.day_of_session
    if concomitant is not None:
        checks.concomitant_today = {
            **{flag: bool(concomitant.get(flag)) for flag in CONCOMITANT_FLAGS},
            "notes": str(concomitant.get("notes") or "")[:500],
        }
        changed["concomitant"] = checks.concomitant_today
    return changed


def _check_weight(session, weight_kg, confirmed: bool, errors: dict) -> None:
    """Refuse an implausible adult weight before anything is saved [@ismp-weight]."""
    definition = definition_for(session.protocol_version)
    try:
        guards.check_plausibility(
            guards.plausibility_for(definition),
            weight_kg=float(weight_kg),
            height_cm=None,
            paediatric=guards.is_paediatric(definition, patient_age_years(session.patient)),
            confirmed=confirmed,
        )
    except (DoseInputError, TypeError, ValueError) as exc:
        errors["weight_kg"] = getattr(exc, "message", "Enter a weight in kg.")


def override_pre_check(*, session, actor, check: str, reason: str, request=None):
    """A prescriber proceeds without check `check` (only checks marked overridable)."""
    reason = (reason or "").strip()
    keys = {s["key"]: s for s in prechecks.check_specs()}
    if check not in keys:
        raise ValidationFailed("Unknown check.", fields={"check": "Unknown check."})
    if not keys[check]["overridable"]:
        raise ValidationFailed(
            "This check cannot be overridden.", fields={"check": "Not overridable."}
        )
    if not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": "Give a reason."})
    with transaction.atomic():
        session = locked(session)
        require_state(session, *PRE_CHECK_STATES, doing="override a pre-session check")
        checks, _ = PreSessionChecks.objects.get_or_create(
            session=session, defaults={"recorded_by": actor}
        )
        entry = {"check": check, "reason": reason, "by": actor.email, "at": timezone.now()}
        checks.overrides = [*checks.overrides, {**entry, "at": entry["at"].isoformat()}]
        checks.save(update_fields=["overrides", "updated_at"])
        record(
            event_type="session.pre_check_overridden",
            actor=actor,
            patient=session.patient,
            obj=session,
            changes={"check": check, "reason": reason},
            request=request,
        )
    return checks


def screening_status(session) -> tuple[bool | None, str]:
    """(valid, message): the latest verdict for the pinned version permits treatment, the
    record's diagnoses, medications and history read from it (a ketamine allergy) are those
    it was screened with, and the patient's age today gives the rules' same reasons (else
    re-screen)."""
    verdict = latest_verdict(session.patient, session.protocol_version)
    if verdict is None:
        return None, "No screening verdict for this protocol version: screen the patient."
    if not verdict.permits_treatment:
        return False, f"Screening verdict is {verdict.get_verdict_display().lower()}."
    now = facts_from_record(session.patient, clinic_today(session.clinic))
    screened = verdict.facts
    new_dx = set(now.get("diagnoses", [])) - set(screened.get("diagnoses", []))
    meds_now = {(m["name"], m["class"]) for m in now.get("medications", [])}
    meds_then = {(m.get("name"), m.get("class")) for m in screened.get("medications", [])}
    # History the record gives (a ketamine allergy charted after screening) and the
    # screening did not have.
    new_history = set(now.get("history") or []) - set(screened.get("history") or [])
    if new_dx or new_history or meds_now != meds_then:
        return False, "Diagnoses, allergies or medications changed since screening: re-screen."
    if _unclassified_since(session.patient, verdict):
        return False, "Diagnoses or medications changed since screening: re-screen."
    if age_changes_reasons(session.protocol_version, screened, now.get("age_years")):
        return False, "The patient has since crossed an age line of the screening: re-screen."
    return True, "Screening verdict is current."


def _unclassified_since(patient, verdict) -> bool:
    """A psychiatric code the screening cannot classify, added after the verdict: it maps to
    no word, so only its date shows the record changed."""
    return any(
        not icd10.words_for(row.icd10_code, row.clinical_status).classified
        for row in patient.diagnoses.active().filter(created_at__gt=verdict.evaluated_at)
    )


def pre_check_results(session, now: datetime | None = None) -> list[prechecks.CheckResult]:
    """Every pre-session check's status for `session` (pure evaluation over stored facts)."""
    checks = PreSessionChecks.objects.filter(session=session).first()
    definition = definition_for(session.protocol_version)
    valid, message = screening_status(session)
    # A baseline is a whole blood pressure: the hold rule before dosing reads both numbers
    # (systolic 180 or diastolic 110), and half a pair cannot show the other is below its line.
    # And a heart rate: discharge compares the heart rate with the pre-dose one too, and
    # without it discharge could never be met (`discharge.baseline_missing`).
    before_dose = session.readings.all()
    if session.dose_started_at is not None:
        before_dose = before_dose.filter(measured_at__lt=session.dose_started_at)
    baseline = (
        before_dose.filter(bp_systolic_mmhg__isnull=False, bp_diastolic_mmhg__isnull=False).exists()
        and before_dose.filter(heart_rate_bpm__isnull=False).exists()
    )
    facts = prechecks.PreCheckFacts(
        drug=definition.drug,
        dose_basis=definition.dose_rule(session.route).basis,
        screening_valid=valid,
        screening_message=message,
        weight_today=_weighed_today(checks),
        weight_basis_needed=bool(
            checks and (checks.calculated_dose or {}).get("asks_weight_basis")
        ),
        baseline_vitals=baseline,
        last_food_at=checks.last_food_at if checks else None,
        last_liquids_at=checks.last_liquids_at if checks else None,
        escort_confirmed=checks.escort_confirmed if checks else None,
        pregnancy_test=checks.pregnancy_test if checks else "",
        consent_on_file=checks.consent_on_file if checks else None,
        concomitant_recorded=bool(checks and checks.concomitant_today is not None),
        overridden=frozenset(o["check"] for o in (checks.overrides if checks else [])),
        sex=session.patient.sex,
        day_of_session=_day_of_session(checks),
        switched_off=_switched_off(session.patient.clinic_id),
    )
    results = prechecks.evaluate_pre_checks(facts, now or timezone.now())
    # What the apps above add (a questionnaire not answered before the visit): shown, never
    # blocking (`core.pre_session_notices`).
    return results + [
        prechecks.CheckResult(
            key=notice.key,
            label=notice.label,
            required=False,
            status=prechecks.MISSING,
            message=notice.message,
            overridable=False,
            source=notice.source,
        )
        for notice in notices_for(session)
    ]


def _day_of_session(checks) -> dict | None:
    if checks is None or checks.day_of_session is None:
        return None
    answers = dict(checks.day_of_session)
    when = answers.get("nasal_medication_at")
    answers["nasal_medication_at"] = datetime.fromisoformat(when) if when else None
    return answers


def _switched_off(clinic_id) -> tuple[tuple[str, str], ...]:
    """Checks the clinic switched off, each with its documented reason."""
    rows = PreCheckSwitch.objects.filter(clinic_id=clinic_id).order_by("check_key")
    return tuple((row.check_key, row.reason) for row in rows)


def switch_pre_check(*, clinic, check: str, actor, off: bool, reason: str = "", request=None):
    """The clinic switches a pre-session check off (with a documented reason) or back on.

    Only checks whose data says `clinic_may_switch_off` (the pregnancy test) can be switched
    off. Callers authorize (the medical director's protocol capability)."""
    keys = {s["key"]: s for s in prechecks.check_specs()}
    reason = (reason or "").strip()
    if check not in keys or not keys[check].get("clinic_may_switch_off"):
        raise ValidationFailed(
            "This check cannot be switched off.", fields={"check": "Not switchable."}
        )
    if off and not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": "Give a reason."})
    with transaction.atomic():
        if off:
            PreCheckSwitch.objects.update_or_create(
                clinic=clinic,
                check_key=check,
                defaults={"reason": reason[:2000], "switched_off_by": actor},
            )
        else:
            PreCheckSwitch.objects.filter(clinic=clinic, check_key=check).delete()
        record(
            event_type="pre_check.switched_off" if off else "pre_check.switched_on",
            actor=actor,
            clinic=clinic,
            object_type="pre_check",
            object_id=check,
            changes={"check": check, "reason": reason},
            request=request,
        )


def _weighed_today(checks) -> bool:
    if checks is None or checks.weight_measurement is None:
        return False
    clinic = checks.session.clinic
    return clinic_date_of(clinic, checks.weight_measurement.measured_at) == clinic_today(clinic)
