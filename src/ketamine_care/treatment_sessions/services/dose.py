"""The dose administration record and its controlled-substance ledger draw."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketamine_care.accounts.permissions import second_clinician_problem
from ketamine_care.audit.services import record
from ketamine_care.core.bibliography import split_sources
from ketamine_care.core.clock import as_utc, clinic_today
from ketamine_care.core.errors import ValidationFailed
from ketamine_care.core.parsing import REQUIRED
from ketamine_care.inventory.services import draw_for_administration
from ketamine_care.inventory.witness import confirm_witness
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import DoseAdministration
from ketamine_care.treatment_sessions.monitoring import definition_for
from ketamine_care.treatment_sessions.services.alerting import (
    evaluate_readings,
    raise_alerts,
)
from ketamine_care.treatment_sessions.services.lifecycle import (
    locked,
    refuse_while_on_hold,
    require_state,
)
from ketamine_care.treatment_sessions.services.session_dose import (
    blocked_dose_reasons,
    calculated_dose_mg,
    dose_weight,
    pre_checks_of,
    protocol_refuses,
)

# A dose differing from the calculated one by more than the calculator's display rounding
# (0.1 mg, dosing/calculator.py) is a changed dose and needs a reason.
DOSE_TOLERANCE_MG = Decimal("0.05")


def record_dose(
    *,
    session,
    actor,
    checked_by,
    checked_by_password: str,
    dose_mg: Decimal,
    lot=None,
    product: str = "",
    concentration_mg_per_ml: Decimal | None = None,
    lot_number: str = "",
    expiry_date: date | None = None,
    dose_change_reason: str = "",
    infusion_started_at: datetime | None = None,
    infusion_ended_at: datetime | None = None,
    device_times: list[datetime] | None = None,
    request=None,
) -> DoseAdministration:
    """Record the dose given in a session that is dosing. Esketamine: one time per device,
    at least the protocol's device spacing apart [@spravato-uspi §2]; IV: infusion start (and end);
    IM/SC: the injection time as `infusion_started_at`. With `lot` (an inventory Lot of the
    clinic) product, strength, lot number and expiry come from the lot and the drawn
    quantity is posted to the ledger in the same transaction (a refused draw saves no dose).
    The second clinician confirms with their own password, as a waste witness does. The form
    or schema has parsed the input (numbers as Decimal, text stripped)."""
    definition = definition_for(session.protocol_version)
    errors: dict[str, str] = {}
    dose = _check_dose_and_lot(session, dose_mg, lot, errors)
    _check_checker(session, actor, checked_by, errors)
    label = _label(
        lot, definition, errors, product=product, concentration_mg_per_ml=concentration_mg_per_ml,
        lot_number=lot_number, expiry_date=expiry_date, today=clinic_today(session.clinic),
    )  # fmt: skip
    times = _timing(
        definition.administration_for(session.route), session.route, dose, device_times,
        infusion_started_at, infusion_ended_at, errors,
    )  # fmt: skip
    reason = dose_change_reason
    calculated, weight = _check_dose_rules(session, definition, dose, reason, errors)
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    _confirm_checker(session, actor, checked_by, checked_by_password, request)
    with transaction.atomic():
        session = locked(session)
        require_state(session, states.DOSING, doing="record the dose")
        if session.doses.exists():
            raise ValidationFailed("The dose is already recorded; amend it after signing.")
        refuse_while_on_hold(session)  # a severe BP taken after dosing started holds it too
        row = DoseAdministration.objects.create(
            session=session, drug=definition.drug, route=session.route, **label,
            dose_mg=dose, calculated_dose_mg=calculated, dose_change_reason=reason, **weight,
            **_times_fields(times, infusion_ended_at), given_by=actor, checked_by=checked_by,
            recorded_by=actor,
        )  # fmt: skip
        if lot is not None:
            _draw(row, lot, len(times["devices"]), actor, request)
        _start_clock(row, session, times["start"], actor, request)
    return row


def _start_clock(row, session, start: datetime, actor, request) -> None:
    """Minute 0 is known now, and audited with the dose: the readings so far are judged again
    under their phases (one after the dose start is post-dose), as the next batch of readings
    would have done; the checkpoints are replaced before the audit record takes the chain
    head, the alerts inserted after it."""
    session.dose_started_at = start
    session.save(update_fields=["dose_started_at", "updated_at"])
    evaluated = evaluate_readings(session)
    _audit(row, session, start, actor, request)
    raise_alerts(session, evaluated, actor=actor, request=request)


def _check_dose_and_lot(session, dose_mg: Decimal, lot, errors: dict) -> Decimal | None:
    """The dose if above 0 (else None); a lot of another clinic is never drawn from."""
    if lot is not None and lot.clinic_id != session.clinic_id:
        errors["lot_id"] = "No such lot here."
    if dose_mg <= 0:
        errors["dose_mg"] = "Enter a number above 0."
        return None
    return dose_mg


def _confirm_checker(session, actor, checked_by, password: str, request) -> None:
    """The second clinician's own password, checked as a waste witness's is. Called last,
    once everything else is valid: a wrong password counts against the checker's
    confirmations, and a form with other mistakes must not spend one."""
    confirm_witness(
        clinic=session.clinic,
        actor=actor,
        witness=checked_by,
        password=password,
        request=request,
        field="checked_by_password",
        who="second clinician",
    )


def _check_checker(session, actor, checked_by, errors: dict) -> None:
    problem = second_clinician_problem(clinic=session.clinic, performer=actor, other=checked_by)
    if problem:
        errors["checked_by"] = f"Dose checker: {problem}"


def _draw(row: DoseAdministration, lot, devices: int, actor, request) -> None:
    """Post what the dose used to the ledger (inventory's service), linked to the row."""
    row.ledger_entry = draw_for_administration(
        lot=lot,
        dose_mg=row.dose_mg,
        devices=devices,
        actor=actor,
        administration_ref=str(row.public_id),
        request=request,
    )
    row.save(update_fields=["ledger_entry"])


def _label(lot, definition, errors: dict, *, today, **given) -> dict[str, Any]:
    """Product, strength, lot number and expiry: from the lot when one is drawn from (it must
    hold the protocol's drug), else as entered; all required, and the lot not expired."""
    if lot is not None:
        given = {
            "product": lot.product.name,
            "concentration_mg_per_ml": lot.product.strength_mg_per_ml,
            "lot_number": lot.lot_number,
            "expiry_date": lot.expiry_date,
        }
        if lot.product.drug != definition.drug:
            errors["lot_id"] = (
                f"This lot is {lot.product.drug}; the protocol gives {definition.drug}."
            )
    for name in ("product", "lot_number", "expiry_date"):
        if not given[name]:
            errors[name] = REQUIRED
    if given["expiry_date"] is not None and given["expiry_date"] < today:
        errors["expiry_date"] = "This lot is expired."
    return given


def _times_fields(times: dict, infusion_ended_at) -> dict[str, Any]:
    """IV/IM/SC: the start (and end); esketamine: each device's time, no infusion start."""
    return {
        "infusion_started_at": times["start"] if not times["devices"] else None,
        "infusion_ended_at": infusion_ended_at,
        "device_times": [t.isoformat() for t in times["devices"]],
    }


def _check_dose_rules(session, definition, dose, reason: str, errors: dict):
    """Today's calculated dose (None when there is none or it was blocked) and the weight
    basis and kg it was calculated on (`dose_weight`), after checking the entered dose
    against it, the clinic's ceiling and the protocol on that weight; the pre-session checks
    row is read once for all of them."""
    checks = pre_checks_of(session)
    calculated = calculated_dose_mg(session, checks=checks)
    blocked = blocked_dose_reasons(session, checks=checks)
    ceiling = _ceiling_mg(definition, session.route)
    _check_reason(dose, calculated, reason, ceiling, errors, blocked=blocked)
    _check_protocol_allows(session, dose, errors, checks)
    return calculated, dose_weight(checks.calculated_dose if checks else {})


def _check_protocol_allows(session, dose, errors: dict, checks) -> None:
    """A dose the protocol refuses whatever the reason (outside its mg/kg range, not one of its
    fixed doses): refused, as the calculator refuses it, naming why."""
    if dose is None or "dose_mg" in errors:
        return
    refused = [split_sources(why)[0] for why in protocol_refuses(session, dose, checks=checks)]
    if refused:
        errors["dose_mg"] = f"The protocol does not allow {dose:f} mg: {'; '.join(refused)}."


def _check_reason(dose, calculated, reason: str, ceiling, errors: dict, blocked=()) -> None:
    """A dose other than the calculated one, with none calculated (the calculator blocked
    today's dose, or made none), or above the clinic's ceiling needs a reason."""
    if dose is not None and not reason:
        if blocked:
            plain = "; ".join(split_sources(why)[0] for why in blocked)
            errors["dose_change_reason"] = (
                f"The dose calculator blocked today's dose: {plain}. Give the reason for this dose."
            )
        elif calculated is None:
            errors["dose_change_reason"] = "No dose was calculated: give the reason for this dose."
        elif abs(dose - calculated) > DOSE_TOLERANCE_MG:
            errors["dose_change_reason"] = (
                f"The calculated dose is {calculated} mg: give the reason for {dose} mg."
            )
    if dose is not None and ceiling is not None and dose > ceiling and not reason:
        errors["dose_change_reason"] = (
            f"{dose:f} mg is above the clinic's ceiling of {ceiling:f} mg per dose: give the "
            "reason."
        )


def _audit(row: DoseAdministration, session, started_at, actor, request) -> None:
    record(
        event_type="dose.administered",
        actor=actor,
        patient=session.patient,
        obj=row,
        changes={
            "new": {
                "dose_mg": row.dose_mg,
                "calculated_dose_mg": row.calculated_dose_mg,
                "weight_basis": row.weight_basis,
                "weight_used_kg": row.weight_used_kg,
                "dose_change_reason": row.dose_change_reason,
                "lot_number": row.lot_number,
                "checked_by": row.checked_by.email,
                "started_at": started_at,
                "ledger_entry": str(row.ledger_entry.public_id) if row.ledger_entry else None,
            }
        },
        request=request,
    )


def _ceiling_mg(definition, route) -> Decimal | None:
    """The clinic's absolute mg ceiling per dose for this route (None: not set)."""
    rule = definition.dose_rule(route)
    mg = rule.ceiling.mg if rule.ceiling is not None else None
    return None if mg is None else Decimal(str(mg)).normalize()


def _timing(admin, route, dose, device_times, start, end, errors) -> dict:
    now = timezone.now()
    start, end = as_utc(start), as_utc(end)  # ordered by real time across a clock change
    if admin.device_mg:
        times = sorted(as_utc(t) for t in device_times or [])
        if not times:
            errors["device_times"] = "Give the time of each device."
            return {"start": None, "devices": []}
        if dose is not None and dose != admin.device_mg * len(times):
            errors["device_times"] = (
                f"{dose} mg needs {dose / admin.device_mg:g} devices of {admin.device_mg} mg; "
                f"{len(times)} times were given."
            )
        spacing = admin.device_spacing_min or 0
        for earlier, later in zip(times, times[1:], strict=False):
            if (later - earlier).total_seconds() < spacing * 60:
                errors["device_times"] = f"Devices must be at least {spacing} minutes apart."
        if times[-1] > now:
            errors["device_times"] = "Device times cannot be in the future."
        return {"start": times[0], "devices": times}
    if start is None:
        errors["infusion_started_at"] = "Give the start time."
    elif start > now:
        errors["infusion_started_at"] = "The start cannot be in the future."
    if start is not None and end is not None and end < start:
        errors["infusion_ended_at"] = "The end is before the start."
    return {"start": start, "devices": []}
