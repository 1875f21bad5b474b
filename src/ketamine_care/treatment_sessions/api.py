"""Treatment-session REST endpoints: thin; access_session authorizes (404 for another clinic,
403 for a role without the capability), services write and audit."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.http import Http404
from ninja import Router, Status

from ketamine_care.accounts.permissions import Capability, dose_checker_by_email, require
from ketamine_care.dosing.models import PlannedVisit
from ketamine_care.inventory.queries import lot_for_dose
from ketamine_care.patients.access import access_patient
from ketamine_care.protocols.access import access_version
from ketamine_care.treatment_sessions import schemas, services
from ketamine_care.treatment_sessions.access import access_session, access_session_alert
from ketamine_care.treatment_sessions.queries import (
    readings_with_minutes,
    record_session_view,
    record_sessions_listed,
    sessions_for,
)
from ketamine_care.treatment_sessions.services.closing import discharge_patient
from ketamine_care.treatment_sessions.services.readiness import discharge_status

router = Router(tags=["treatment-sessions"])


def session_out(session) -> dict:
    return {
        "id": session.public_id,
        "patient_id": session.patient.public_id,
        "protocol": session.protocol_id,
        "protocol_version": session.protocol_version.version,
        "drug": session.drug,
        "route": session.route,
        "state": session.state,
        "state_reason": session.state_reason,
        "chair_label": session.chair_label,
        "scheduled_for": session.scheduled_for,
        "checked_in_at": session.checked_in_at,
        "dose_started_at": session.dose_started_at,
        "discharged_at": session.discharged_at,
        "signed_at": session.signed_at,
        "ad_hoc_reason": session.ad_hoc_reason,
        "planned_visit_id": session.planned_visit.public_id if session.planned_visit else None,
    }


def alert_out(alert) -> dict:
    return {
        "id": alert.public_id,
        **{
            k: getattr(alert, k)
            for k in (
                "rule",
                "tier",
                "minute",
                "triggered_at",
                "message",
                "action",
                "source",
                "acknowledged_at",
                "action_taken",
            )
        },
    }


def _detail(session) -> dict:
    status = discharge_status(session)
    readings = readings_with_minutes(session)
    return {
        **session_out(session),
        "readings": [{**r, "id": r["public_id"]} for r in readings],
        "alerts": [alert_out(a) for a in session.alerts.all()],
        "discharge": {
            "ready": status.result.ready,
            "unmet": list(status.result.unmet),
            "earliest_at": status.earliest_at,
            "minutes_left": status.minutes_left,
        },
        "note": session.note_text,
        "summary": session.signed_summary,
    }


@router.get("", response=list[schemas.SessionOut])
def list_sessions(request, state: str = "", day: date | None = None):
    require(request.membership, Capability.VIEW_SESSIONS)
    sessions = list(sessions_for(request.membership.clinic, state=state, day=day)[:500])
    record_sessions_listed(
        clinic=request.membership.clinic,
        sessions=sessions,
        actor=request.user,
        request=request,
        part="api",
    )
    return [session_out(s) for s in sessions]


@router.post("", response={201: schemas.SessionOut})
def create_session(request, payload: schemas.SessionIn):
    require(request.membership, Capability.SCHEDULE_SESSION)
    patient = access_patient(request.membership, payload.patient_id, Capability.SCHEDULE_SESSION)
    version = access_version(
        request.membership, payload.protocol_version_id, Capability.SCHEDULE_SESSION
    )
    visit = None
    if payload.planned_visit_id:
        visit = PlannedVisit.objects.filter(
            public_id=payload.planned_visit_id, plan__patient=patient
        ).first()
        if visit is None:
            raise Http404
    session = services.schedule_session(
        patient=patient,
        protocol_version=version,
        actor=request.user,
        scheduled_for=payload.scheduled_for,
        planned_visit=visit,
        ad_hoc_reason=payload.ad_hoc_reason,
        route=payload.route,
        chair_label=payload.chair_label,
        request=request,
    )
    return Status(201, session_out(session))


@router.get("/{session_id}", response=schemas.SessionDetailOut)
def read_session(request, session_id: UUID):
    session = access_session(request.membership, session_id)
    record_session_view(session=session, actor=request.user, request=request)
    return _detail(session)


@router.post("/{session_id}/check-in", response=schemas.SessionOut)
def check_in(request, session_id: UUID, payload: schemas.CheckInIn):
    session = access_session(request.membership, session_id, Capability.CHECK_IN_SESSION)
    session = services.check_in(
        session=session, actor=request.user, chair_label=payload.chair_label, request=request
    )
    return session_out(session)


@router.post("/{session_id}/transitions", response=schemas.SessionOut)
def transition(request, session_id: UUID, payload: schemas.TransitionIn):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    session = services.transition(
        session=session,
        to=payload.to,
        actor=request.user,
        reason=payload.reason,
        escort_present=payload.escort_present,
        request=request,
    )
    return session_out(session)


@router.post("/{session_id}/pre-checks", response=schemas.SessionOut)
def pre_checks(request, session_id: UUID, payload: schemas.PreChecksIn):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    values = payload.dict(exclude_unset=True)
    services.record_pre_checks(session=session, actor=request.user, request=request, **values)
    return session_out(session)


@router.post("/{session_id}/pre-checks/override", response=schemas.SessionOut)
def override(request, session_id: UUID, payload: schemas.PreCheckOverrideIn):
    session = access_session(request.membership, session_id, Capability.OVERRIDE_PRE_CHECK)
    services.override_pre_check(
        session=session,
        actor=request.user,
        check=payload.check,
        reason=payload.reason,
        request=request,
    )
    return session_out(session)


@router.post("/{session_id}/dose", response={201: schemas.SessionOut})
def dose(request, session_id: UUID, payload: schemas.SessionDoseIn):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    data = payload.dict()
    checker = dose_checker_by_email(session.clinic, data.pop("checked_by_email"))
    lot = lot_for_dose(session.clinic, data.pop("lot_id"))
    services.record_dose(
        session=session, actor=request.user, checked_by=checker, lot=lot, request=request, **data
    )
    session.refresh_from_db()
    return Status(201, session_out(session))


@router.get("/{session_id}/vitals", response=list[schemas.ReadingOut])
def list_vitals(request, session_id: UUID):
    session = access_session(request.membership, session_id)
    record_session_view(session=session, actor=request.user, request=request, part="vitals")
    return [{**r, "id": r["public_id"]} for r in readings_with_minutes(session)]


@router.post("/{session_id}/vitals", response={201: schemas.VitalsResultOut})
def post_vitals(request, session_id: UUID, payload: schemas.VitalsBatchIn):
    session = access_session(
        request.membership, session_id, Capability.RUN_SESSION, protocol_json=False
    )
    result = services.record_vitals(
        session=session,
        actor=request.user,
        readings=[r.dict() for r in payload.readings],
        source=payload.source,
        batch_key=payload.idempotency_key,
        request=request,
    )
    return Status(
        201,
        {
            "stored": len(result.stored),
            "duplicates": result.duplicates,
            "alerts": [alert_out(a) for a in result.new_alerts],
        },
    )


@router.post(
    "/{session_id}/alerts/{session_alert_id}/acknowledge", response=schemas.SessionAlertOut
)
def acknowledge(
    request, session_id: UUID, session_alert_id: UUID, payload: schemas.SessionAlertAcknowledgeIn
):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    alert = access_session_alert(session, session_alert_id)
    alert = services.acknowledge_alert(
        alert=alert, actor=request.user, action_taken=payload.action_taken, request=request
    )
    return alert_out(alert)


@router.post("/{session_id}/adverse-events", response={201: schemas.AdverseEventOut})
def adverse_event(request, session_id: UUID, payload: schemas.AdverseEventIn):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    event = services.record_adverse_event(
        session=session, actor=request.user, request=request, **payload.dict()
    )
    return Status(
        201,
        {
            "id": event.public_id,
            **{
                k: getattr(event, k)
                for k in (
                    "event_type",
                    "severity",
                    "serious",
                    "action_taken",
                    "outcome",
                    "onset_at",
                )
            },
        },
    )


@router.post("/{session_id}/discharge", response=schemas.SessionOut)
def discharge(request, session_id: UUID, payload: schemas.DischargeIn):
    session = access_session(request.membership, session_id, Capability.RUN_SESSION)
    session = discharge_patient(
        session=session,
        actor=request.user,
        escort_name=payload.escort_name,
        instructions=payload.instructions,
        other_instructions=payload.other_instructions,
        confirmed=payload.confirmed,
        request=request,
    )
    return session_out(session)


@router.post("/{session_id}/sign", response=schemas.SessionOut)
def sign(request, session_id: UUID, payload: schemas.SignIn):
    session = access_session(request.membership, session_id, Capability.SIGN_SESSION)
    session = services.sign_session(
        session=session, actor=request.user, note_text=payload.note, request=request
    )
    return session_out(session)


@router.post("/{session_id}/amendments", response={201: schemas.AmendmentOut})
def amend(request, session_id: UUID, payload: schemas.AmendmentIn):
    session = access_session(request.membership, session_id, Capability.AMEND_SESSION)
    row = services.amend_session(
        session=session, actor=request.user, request=request, **payload.dict()
    )
    return Status(
        201,
        {
            "id": row.public_id,
            **{
                k: getattr(row, k)
                for k in ("kind", "target_type", "target_id", "text", "reason", "created_at")
            },
        },
    )
