"""The end of a session as staff live it: the nurse discharges the patient with a discharge
assessment, then the prescriber signs the note with their password.

The recovery score (Modified Aldrete [@aldrete-1995] or PADSS [@chung-1995]) is asked only
where the session's protocol asks for one (`monitoring.discharge.recovery_score`) and judged
against the protocol's own pass mark; the instructions are the clinic-editable defaults of
`data/discharge_instructions.json` [@ketamine-care-defaults]."""

from __future__ import annotations

import json
from functools import cache as memoise
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from ketamine_care.audit.services import record
from ketamine_care.core.errors import Conflict, ValidationFailed
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import DischargeAssessment
from ketamine_care.treatment_sessions.services.lifecycle import _move, locked, require_state

_FIX = "Please correct the highlighted fields."
_INSTRUCTIONS = Path(__file__).resolve().parent.parent / "data" / "discharge_instructions.json"


@memoise
def discharge_instructions() -> tuple[dict, ...]:
    """The instructions offered at discharge, in the order shown."""
    return tuple(json.loads(_INSTRUCTIONS.read_text())["instructions"])


def recovery_requirement(session):
    """The protocol's recovery score rule (`RecoveryScoreRule`) for `session`, or None."""
    from ketamine_care.treatment_sessions.monitoring import monitoring_for

    return monitoring_for(session).discharge.recovery_score


def discharge_patient(
    *,
    session,
    actor,
    escort_name: str,
    instructions: list[str],
    other_instructions: str = "",
    confirmed: bool,
    request=None,
):
    """Discharge a session that is ready for discharge, recording the discharge assessment in
    the same transaction. Refused (nothing stored) without the nurse's confirmation, without
    an escort's name when the protocol requires an escort, without any instruction given, and
    when the protocol's recovery score is missing or below its pass mark."""
    escort_name = (escort_name or "").strip()
    other_instructions = (other_instructions or "").strip()
    rule, score = _check_discharge(
        session, escort_name, instructions, other_instructions, confirmed=confirmed
    )
    known = [item["key"] for item in discharge_instructions()]
    chosen = [key for key in known if key in instructions]
    with transaction.atomic():
        session = locked(session)
        require_state(session, states.READY_FOR_DISCHARGE, doing="discharge")
        DischargeAssessment.objects.create(
            session=session,
            recovery_instrument=rule.instrument if rule else "",
            recovery_score=score,
            recovery_pass_mark=rule.min_total if rule else None,
            escort_name=escort_name,
            instructions=chosen,
            other_instructions=other_instructions,
            recorded_by=actor,
        )
        changes = {
            "escort_name": escort_name,
            "instructions": chosen,
            "other_instructions": other_instructions,
            "recovery_score": score,
        }
        return _move(session, states.DISCHARGED, actor, request, changes=changes)


def _check_discharge(session, escort_name, instructions, other_instructions, *, confirmed):
    """Every refusal of `discharge_patient` before anything is written: (rule, score)."""
    from ketamine_care.treatment_sessions.monitoring import monitoring_for
    from ketamine_care.treatment_sessions.services.readiness import latest_score

    known = [item["key"] for item in discharge_instructions()]
    errors: dict[str, str] = {}
    if any(key not in known for key in instructions):
        errors["instructions"] = "Choose instructions from the list."
    elif not instructions and not other_instructions:
        errors["instructions"] = "Record the instructions given to the patient."
    criteria = monitoring_for(session).discharge
    if criteria.escort_required and not escort_name:
        errors["escort_name"] = "Name the escort who takes the patient home."
    if not confirmed:
        errors["confirmed"] = "Confirm the discharge."
    rule = criteria.recovery_score
    score = latest_score(session, rule.instrument) if rule else None
    if rule and score is None:
        errors["recovery_score"] = "Record the recovery score the protocol asks for first."
    if errors:
        raise ValidationFailed(_FIX, fields=errors)
    if rule and score < rule.min_total:
        raise Conflict(
            f"The recovery score {score} is below the protocol's pass mark "
            f"({rule.min_total:g}): the patient is not ready to leave.",
            fields={"recovery_score": "Below the protocol's pass mark."},
        )
    return rule, score


def sign_note(
    *,
    session,
    actor,
    password: str,
    note_text: str,
    generated_note_complete: bool,
    request=None,
):
    """The prescriber signs with their password entered again. An empty clinical note is
    refused unless the prescriber confirms that the generated note is complete. A wrong
    password is audited and counted against this signer (`SIGN_PASSWORD_FAILURE_LIMIT` in
    `SIGN_PASSWORD_COOLOFF_SECONDS`), never against their sign-in; nothing is signed."""
    from ketamine_care.treatment_sessions.services.notes import sign_session

    note_text = (note_text or "").strip()
    errors: dict[str, str] = {}
    if not note_text and not generated_note_complete:
        errors["note"] = "Write the clinical note, or confirm that the generated note is complete."
    problem = _password_problem(session, actor, password, request)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed(_FIX, fields=errors)
    return sign_session(session=session, actor=actor, note_text=note_text, request=request)


def _password_problem(session, actor, password: str, request) -> str:
    if not password:
        return "Enter your password to sign."
    key = f"sign-password-failures:{actor.public_id}"
    if (cache.get(key) or 0) >= settings.SIGN_PASSWORD_FAILURE_LIMIT:
        _audit_refusal(session, actor, request, "throttled")
        minutes = settings.SIGN_PASSWORD_COOLOFF_SECONDS // 60
        return f"Too many wrong passwords: you can sign again in {minutes} minutes."
    if not actor.check_password(password):
        if not cache.add(key, 1, settings.SIGN_PASSWORD_COOLOFF_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, settings.SIGN_PASSWORD_COOLOFF_SECONDS)
        _audit_refusal(session, actor, request, "wrong_password")
        return "Your password is not correct."
    cache.delete(key)
    return ""


def _audit_refusal(session, actor, request, reason: str) -> None:
    with transaction.atomic():
        record(
            event_type="session.signature_refused",
            actor=actor,
            patient=session.patient,
            obj=session,
            changes={"reason": reason},
            request=request,
        )
