"""Adverse events, signing the session note, and amendments after signing."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import Conflict, ValidationFailed
from ketamine_care.dosing.labels import weight_used
from ketamine_care.instruments.models import Administration
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import (
    AdverseEvent,
    AdverseEventType,
    AmendmentKind,
    DischargeAssessment,
    Outcome,
    RemsMonitoringForm,
    SessionAlert,
    SessionAmendment,
    Severity,
)
from ketamine_care.treatment_sessions.monitoring import READING_VALUES
from ketamine_care.treatment_sessions.note import build_summary
from ketamine_care.treatment_sessions.services import rems
from ketamine_care.treatment_sessions.services.lifecycle import _move, locked, require_unsigned

SERIOUS_RULE = "serious_adverse_event"


def record_adverse_event(
    *,
    session,
    actor,
    event_type: str,
    severity: str,
    action_taken: str,
    outcome: str,
    serious: bool = False,
    description: str = "",
    onset_at: datetime | None = None,
    request=None,
) -> AdverseEvent:
    """Record an adverse event. A serious one raises an urgent session alert for the medical
    director (audited as `adverse_event.director_notified`)."""
    errors = {}
    if event_type not in AdverseEventType.values:
        errors["event_type"] = f"Choose one of: {', '.join(AdverseEventType.values)}."
    if severity not in Severity.values:
        errors["severity"] = f"Choose one of: {', '.join(Severity.values)}."
    if outcome not in Outcome.values:
        errors["outcome"] = f"Choose one of: {', '.join(Outcome.values)}."
    if not (action_taken or "").strip():
        errors["action_taken"] = "Describe the action taken."
    if event_type == AdverseEventType.OTHER and not (description or "").strip():
        errors["description"] = "Describe the event."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    with transaction.atomic():
        session = locked(session)
        require_unsigned(session)
        event = AdverseEvent.objects.create(
            session=session,
            event_type=event_type,
            description=(description or "").strip(),
            severity=severity,
            serious=bool(serious),
            onset_at=onset_at or timezone.now(),
            action_taken=action_taken.strip(),
            outcome=outcome,
            recorded_by=actor,
        )
        record(
            event_type="adverse_event.recorded",
            actor=actor,
            patient=session.patient,
            obj=event,
            changes={"new": {"type": event_type, "severity": severity, "serious": serious}},
            request=request,
        )
        if event.serious:
            _notify_director(session, event, actor, request)
    return event


def _notify_director(session, event, actor, request) -> None:
    SessionAlert.objects.create(
        session=session,
        rule=SERIOUS_RULE,
        tier="urgent",
        minute=session.minute_of(event.onset_at),
        triggered_at=event.created_at,
        message=f"Serious adverse event: {event.summary_line()}",
        action="Medical director: review the event and the actions taken.",
        source="issue 5 item 7 (serious adverse events notify the medical director)",
        adverse_event=event,
    )
    record(
        event_type="adverse_event.director_notified",
        actor=actor,
        patient=session.patient,
        obj=event,
        changes={"type": event.event_type, "severity": event.severity},
        request=request,
    )


def sign_session(*, session, actor, note_text: str = "", request=None):
    """The prescriber signs the note: a discharged session, every alert acknowledged and, for
    esketamine, the REMS monitoring form complete. The summary is frozen into the session."""
    with transaction.atomic():
        session = locked(session)
        require_unsigned(session)
        if session.state != states.DISCHARGED:
            raise Conflict(
                f"Only a discharged session is signed; this one is {session.state_label.lower()}."
            )
        open_alerts = session.alerts.filter(acknowledged_at__isnull=True).count()
        if open_alerts:
            raise Conflict(f"{open_alerts} alert(s) are not acknowledged.")
        if session.drug == "esketamine":
            missing = rems.missing_fields(rems.form_values(session))
            if missing or not RemsMonitoringForm.objects.filter(session=session).exists():
                raise Conflict(
                    "Complete the REMS monitoring form before signing.",
                    fields={f"rems.{m}": "Required." for m in missing},
                )
        session.note_text = (note_text or "").strip()
        session.signed_by = actor
        session.signed_summary = _summary(session)
        _move(session, states.SIGNED, actor, request, changes={"note": session.note_text})
    return session


def note_preview(session) -> dict:
    """The note as signing would freeze it now, for the prescriber to read before signing."""
    return _summary(session)


def _summary(session) -> dict:
    dose = session.doses.first()
    dose_data = None
    if dose is not None:
        dose_data = {
            "line": dose.summary_line(),
            "dose_mg": str(dose.dose_mg),
            "calculated_dose_mg": str(dose.calculated_dose_mg or ""),
            # The weight it was calculated and checked on ("" for a dose recorded without).
            "weight_basis": dose.weight_basis or "",
            "weight_used_kg": str(dose.weight_used_kg or ""),
            "weight_used": weight_used(dose.weight_basis, dose.weight_used_kg),
            "dose_change_reason": dose.dose_change_reason,
            "given_by": dose.given_by.full_name,
            "checked_by": dose.checked_by.full_name,
            "started_at": str(session.dose_started_at),
        }
    ratings = [
        {"instrument": a.instrument_code, "total": a.total, "at": str(a.administered_at)}
        for a in Administration.objects.active()
        .filter(
            patient=session.patient,
            administered_at__gte=session.checked_in_at or session.scheduled_for,
        )
        .order_by("administered_at")
    ]
    alerts = [
        {
            "rule": a.rule,
            "tier": a.tier,
            "at": str(a.triggered_at),
            "message": a.message,
            "action_taken": a.action_taken,
            "acknowledged_by": a.acknowledged_by.full_name if a.acknowledged_by else "",
        }
        for a in session.alerts.select_related("acknowledged_by")
    ]
    return build_summary(
        dose=dose_data,
        readings=list(session.readings.values(*READING_VALUES)),
        ratings=ratings,
        alerts=alerts,
        adverse_events=[e.summary_line() for e in session.adverse_events.all()],
        discharge={
            "ready_at": str(session.ready_for_discharge_at),
            "discharged_at": str(session.discharged_at),
            "escort_present": session.escort_present,
            **_assessment(session),
        },
        note_text=session.note_text,
    )


def _assessment(session) -> dict:
    """The discharge assessment as the note keeps it (empty for sessions discharged without)."""
    row = DischargeAssessment.objects.filter(session=session).first()
    if row is None:
        return {}
    return {
        "escort_name": row.escort_name,
        "instructions": row.instructions,
        "other_instructions": row.other_instructions,
        "recovery_instrument": row.recovery_instrument,
        "recovery_score": row.recovery_score,
    }


TARGETS = {
    "note": None,
    "reading": "readings",
    "dose": "doses",
    "adverse_event": "adverse_events",
}


def amend_session(
    *,
    session,
    actor,
    kind: str,
    reason: str,
    text: str = "",
    target_type: str = "note",
    target_id=None,
    request=None,
) -> SessionAmendment:
    """Append an amendment or an entered-in-error mark to a signed session. The original row
    is never changed; the mark points at it."""
    errors = {}
    if kind not in AmendmentKind.values:
        errors["kind"] = "Choose amendment or entered_in_error."
    if target_type not in TARGETS:
        errors["target_type"] = f"Choose one of: {', '.join(TARGETS)}."
    if not (reason or "").strip():
        errors["reason"] = "Give a reason."
    if kind == AmendmentKind.AMENDMENT and not (text or "").strip():
        errors["text"] = "Write the amendment."
    if kind == AmendmentKind.ENTERED_IN_ERROR and target_type == "note":
        errors["target_type"] = "Mark a reading, the dose or an adverse event as entered in error."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)
    with transaction.atomic():
        session = locked(session)
        if not session.is_signed:
            raise Conflict("Correct an unsigned session directly; amendments follow signing.")
        relation = TARGETS[target_type]
        if relation is not None:
            try:
                exists = getattr(session, relation).filter(public_id=target_id).exists()
            except (ValueError, TypeError, DjangoValidationError):
                exists = False
            if not exists:
                raise ValidationFailed(
                    "No such entry in this session.", fields={"target_id": "Not found."}
                )
        amendment = SessionAmendment.objects.create(
            session=session,
            kind=kind,
            target_type=target_type,
            target_id=target_id if relation else None,
            text=(text or "").strip(),
            reason=reason.strip(),
            created_by=actor,
        )
        record(
            event_type=f"session.{kind}"
            if kind == "amendment"
            else "session.entry_entered_in_error",
            actor=actor,
            patient=session.patient,
            obj=amendment,
            changes={"target": target_type, "target_id": str(target_id or ""), "reason": reason},
            request=request,
        )
    return amendment
