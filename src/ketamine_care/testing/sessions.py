"""Treatment-session fixtures for the authorization matrix: a session in pre-assessment with
one open alert, and a valid request body for every session API operation."""

from __future__ import annotations

import uuid

from django.utils import timezone

from ketamine_care.treatment_sessions import services

SESSION_IDS: dict[str, str] = {}


def make_session_fixture(*, patient, version, nurse) -> dict:
    """A session in pre-assessment whose SpO2 reading raised an open alert."""
    session = services.schedule_session(
        patient=patient, protocol_version=version, actor=nurse, ad_hoc_reason="matrix"
    )
    services.check_in(session=session, actor=nurse)
    services.start_pre_assessment(session=session, actor=nurse)
    result = services.record_vitals(
        session=session,
        actor=nurse,
        readings=[{"measured_at": timezone.now(), "spo2_percent": 85}],
    )
    SESSION_IDS.update(patient=str(patient.public_id), version=str(version.public_id))
    return {"session": session, "alert": result.new_alerts[0]}


def session_body(path: str) -> dict:
    """A schema-valid body for a treatment-session API operation (by its last segment)."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return {
        "treatment-sessions": {
            "patient_id": SESSION_IDS.get("patient", str(uuid.uuid4())),
            "protocol_version_id": SESSION_IDS.get("version", str(uuid.uuid4())),
            "ad_hoc_reason": "authorization matrix",
        },
        "check-in": {},
        "transitions": {"to": "dosing"},
        "pre-checks": {"escort_confirmed": True},
        "override": {"check": "escort", "reason": "authorization matrix"},
        "dose": {
            "dose_mg": 35,
            "checked_by_email": "nobody@test.clinic",
            "checked_by_password": "not checked",
        },
        "vitals": {
            "idempotency_key": "matrix",
            "readings": [{"measured_at": timezone.now().isoformat(), "heart_rate_bpm": 80}],
        },
        "acknowledge": {"action_taken": "authorization matrix"},
        "adverse-events": {
            "event_type": "nausea",
            "severity": "mild",
            "action_taken": "authorization matrix",
            "outcome": "resolved",
        },
        "discharge": {"escort_name": "Matrix", "instructions": ["no_driving"], "confirmed": True},
        "sign": {"note": ""},
        "amendments": {"kind": "amendment", "reason": "matrix", "text": "matrix"},
    }[last]
