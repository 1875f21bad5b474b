"""A planned visit (dosing) becomes a session: the protocol version it runs under, and the
arrival of a patient whose visit nobody scheduled yet (scheduled and checked in at once)."""

from __future__ import annotations

from django.db import transaction

from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.protocols.queries import active_version
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import TreatmentSession
from ketamine_care.treatment_sessions.services.lifecycle import _move, schedule_session


def version_for_visit(visit):
    """The plan's pinned protocol version while it is active, else the clinic's active
    version of the same protocol (a session always runs under an active version)."""
    plan = visit.plan
    if plan.protocol_version.is_active:
        return plan.protocol_version
    current = active_version(plan.patient.clinic, plan.protocol_id)
    if current is None:
        raise ValidationFailed(
            "This plan's protocol has no active version in this clinic.",
            fields={"protocol_version_id": "Ask the medical director to activate the protocol."},
        )
    return current


def check_in_visit(*, visit, actor, chair_label: str = "", request=None) -> TreatmentSession:
    """The patient of `visit` has arrived and no session was scheduled for it: schedule one
    for the visit and check it in, in one transaction. The new row needs no lock: no other
    transaction can see it before this one commits."""
    if visit.date != clinic_today(visit.plan.patient.clinic):
        raise StateError(
            f"This visit is planned for {visit.date:%Y-%m-%d}: only today's visits are checked "
            "in on arrival. Schedule it instead."
        )
    with transaction.atomic():
        session = schedule_session(
            patient=visit.plan.patient,
            protocol_version=version_for_visit(visit),
            actor=actor,
            planned_visit=visit,
            chair_label=chair_label,
            request=request,
        )
        return _move(session, states.CHECKED_IN, actor, request, changes={"chair": chair_label})
