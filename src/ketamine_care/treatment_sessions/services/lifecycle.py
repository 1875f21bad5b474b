"""Scheduling a session and moving it through its states. One service per transition; each
checks the state machine (`states.py`), locks the session row and audits in its transaction.
Callers authorize first (treatment_sessions.access.access_session)."""

from __future__ import annotations

import functools
from datetime import datetime

from django.db import router, transaction
from django.db.models import F
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.compiled import INT, CompiledQuery
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.dosing.models import PlanStatus
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import TreatmentSession


class SessionAlreadySigned(Conflict):
    code = "session_signed"

    def __init__(self, session=None) -> None:
        super().__init__("This session is signed and locked; record an amendment instead.")


class IllegalTransition(Conflict):
    code = "illegal_transition"


def locked(session: TreatmentSession) -> TreatmentSession:
    """Re-read `session` under SELECT ... FOR NO KEY UPDATE (call inside transaction.atomic).

    Only the session's own row is locked (`of`), never the joined patient, clinic or protocol
    rows, and NO KEY leaves the foreign-key checks of other transactions alone: both deadlocked
    against the audit-chain head (docs/ARCHITECTURE.md, "Locks and their order")."""
    version = _loaded_version(session)
    row = _lock(session.pk, with_version=version is None)
    if version is not None and (row.protocol_version_id, row.version_saved_at) == (
        version.pk,
        version.updated_at,
    ):
        # The pinned version as the caller read it (`access_session`), unchanged since (the
        # same row, saved at the same time): the version row is not locked here either way,
        # and reading its definition again was half of this query's CPU.
        row.protocol_version = version
    elif version is not None:
        row = _lock(session.pk, with_version=True)
    if row.patient.clinic_id == row.clinic_id:
        # The same clinic row: auditing `patient=` then needs no query to find the clinic.
        row.patient.clinic = row.clinic
    return row


def _lock(pk: int, *, with_version: bool) -> TreatmentSession:
    using = router.db_for_write(TreatmentSession) or "default"
    return _LOCK[with_version].get(TreatmentSession, using, pk=pk)


def session_locked(*, pk: int, with_version: bool):
    """The query of `_lock`, as `.get(pk=pk)` runs it: the session's row locked, with its
    patient and clinic, and its protocol version or the version's saved time."""
    related = (
        "patient",
        "clinic",
        *(("protocol_version__clinic_protocol",) if with_version else ()),
    )
    rows = TreatmentSession.objects.select_for_update(of=("self",), no_key=True)
    if not with_version:
        rows = rows.annotate(version_saved_at=F("protocol_version__updated_at"))
    return rows.select_related(*related).filter(pk=pk).order_by()[:21]


# Every session service locks its session: compiled once per connection (`core.compiled`).
_LOCK = {
    with_version: CompiledQuery(
        f"session-locked:{with_version}",
        functools.partial(session_locked, with_version=with_version),
        pk=INT,
    )
    for with_version in (True, False)
}


def _loaded_version(session: TreatmentSession):
    """The session's protocol version with its clinic protocol, if the caller loaded both."""
    if not TreatmentSession.protocol_version.is_cached(session):
        return None
    version = session.protocol_version
    return version if type(version).clinic_protocol.is_cached(version) else None


def require_unsigned(session: TreatmentSession) -> None:
    if session.is_signed:
        raise SessionAlreadySigned(session)


def require_state(session: TreatmentSession, *allowed: str, doing: str) -> None:
    require_unsigned(session)
    if session.state not in allowed:
        names = ", ".join(states.LABELS[s].lower() for s in allowed)
        raise StateError(
            f"Cannot {doing}: the session is {session.state_label.lower()} (needs: {names})."
        )


def _check_schedule(patient, protocol_version, planned_visit, ad_hoc_reason: str) -> None:
    errors: dict[str, str] = {}
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error.")
    if protocol_version.clinic_protocol.clinic_id != patient.clinic_id:
        errors["protocol_version_id"] = "Choose a protocol of this clinic."
    elif not protocol_version.is_active:
        errors["protocol_version_id"] = "Choose an active protocol version."
    if planned_visit is not None:
        errors.update(_visit_problem(patient, planned_visit))
    if planned_visit is None and not ad_hoc_reason:
        errors["ad_hoc_reason"] = "A session outside a plan needs a reason."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)


def _visit_problem(patient, visit) -> dict[str, str]:
    """Why `visit` cannot become this patient's session: another patient's, a plan no longer
    active, or a session already made of it (unless cancelled)."""
    if visit.plan.patient_id != patient.pk:
        return {"planned_visit_id": "This visit belongs to another patient's plan."}
    if visit.plan.status != PlanStatus.ACTIVE:
        return {"planned_visit_id": "This visit's plan is no longer active."}
    taken = TreatmentSession.objects.filter(planned_visit=visit).exclude(state=states.CANCELLED)
    if taken.exists():
        return {"planned_visit_id": "This visit already has a session."}
    return {}


def schedule_session(
    *,
    patient,
    protocol_version,
    actor,
    scheduled_for: datetime | None = None,
    planned_visit=None,
    ad_hoc_reason: str = "",
    route: str = "",
    chair_label: str = "",
    request=None,
) -> TreatmentSession:
    """Create a scheduled session pinned to an *active* protocol version of the patient's
    clinic; it belongs to a planned visit or is ad hoc with a reason."""
    from ketamine_care.treatment_sessions.monitoring import definition_for

    ad_hoc_reason = (ad_hoc_reason or "").strip()
    _check_schedule(patient, protocol_version, planned_visit, ad_hoc_reason)
    definition = definition_for(protocol_version)
    route = route or definition.default_route
    if route not in definition.routes:
        raise ValidationFailed(
            "This protocol has no such route.",
            fields={"route": f"Choose one of: {', '.join(definition.routes)}."},
        )
    with transaction.atomic():
        session = TreatmentSession.objects.create(
            clinic=patient.clinic,
            patient=patient,
            protocol_version=protocol_version,
            protocol_id=definition.id,
            drug=definition.drug,
            route=route,
            planned_visit=planned_visit,
            ad_hoc_reason=ad_hoc_reason,
            chair_label=(chair_label or "").strip()[:40],
            scheduled_for=scheduled_for or timezone.now(),
            created_by=actor,
        )
        record(
            event_type="session.scheduled",
            actor=actor,
            patient=patient,
            obj=session,
            changes={
                "new": {
                    "protocol": definition.id,
                    "protocol_version": protocol_version.version,
                    "route": route,
                    "planned_visit": str(planned_visit.public_id) if planned_visit else None,
                    "ad_hoc_reason": ad_hoc_reason,
                    "scheduled_for": session.scheduled_for,
                }
            },
            request=request,
        )
    return session


def _move(session, target: str, actor, request, *, reason: str = "", changes=None):
    """Check the table, set the state and its timestamp, audit. Caller holds the row lock."""
    if session.is_signed:
        raise SessionAlreadySigned(session)
    verdict = states.check_transition(session.state, target)
    if not verdict.allowed:
        raise IllegalTransition(verdict.message)
    now = timezone.now()
    previous = session.state
    session.state = target
    setattr(session, states.TIMESTAMP_FIELDS[target], now)
    if target in states.NEEDS_REASON:
        session.state_reason = reason
    session.save()
    record(
        event_type=states.EVENTS[target],
        actor=actor,
        patient=session.patient,
        obj=session,
        changes={"old": {"state": previous}, "new": {"state": target, **(changes or {})}},
        request=request,
    )
    return session


def check_in(*, session, actor, chair_label: str = "", request=None) -> TreatmentSession:
    """The patient has arrived (front desk or nurse)."""
    with transaction.atomic():
        session = locked(session)
        if chair_label:
            session.chair_label = chair_label.strip()[:40]
        return _move(session, states.CHECKED_IN, actor, request, changes={"chair": chair_label})


def start_pre_assessment(*, session, actor, request=None) -> TreatmentSession:
    with transaction.atomic():
        return _move(locked(session), states.PRE_ASSESSMENT, actor, request)


class DoseOnHold(Conflict):
    code = "dose_on_hold"


def open_urgent_alerts(session):
    """Urgent alerts of `session` not yet acknowledged (before dosing: a dose hold)."""
    return session.alerts.filter(tier="urgent", acknowledged_at__isnull=True).order_by(
        "triggered_at", "rule"
    )


def refuse_while_on_hold(session) -> None:
    """Before the dose: an urgent alert not acknowledged (a BP in the severe range: hold the
    dose) refuses dosing, whether it was raised before dosing started or after."""
    holds = list(open_urgent_alerts(session))
    if holds:
        raise DoseOnHold(
            "Dosing is on hold: acknowledge the urgent alert with the prescriber's decision "
            "first: " + "; ".join(a.message for a in holds),
            fields={f"alerts.{a.rule}": a.action for a in holds},
        )


def start_dosing(*, session, actor, request=None) -> TreatmentSession:
    """Refused (409, naming them) while a required pre-session check is missing or failed
    and not overridden by a prescriber, and while an urgent pre-dose alert (a BP in the
    severe range: hold the dose) is not acknowledged with the prescriber's decision."""
    from ketamine_care.treatment_sessions.prechecks import blocking
    from ketamine_care.treatment_sessions.services.prechecks import pre_check_results

    with transaction.atomic():
        session = locked(session)
        if session.state == states.PRE_ASSESSMENT:
            refuse_while_on_hold(session)
        blockers = blocking(pre_check_results(session))
        if blockers and session.state == states.PRE_ASSESSMENT:
            raise Conflict(
                "Dosing is blocked by missing pre-session checks: "
                + "; ".join(f"{b.label}: {b.message}" for b in blockers),
                fields={f"pre_checks.{b.key}": b.message for b in blockers},
            )
        return _move(session, states.DOSING, actor, request)


def start_monitoring(*, session, actor, request=None) -> TreatmentSession:
    """Needs the dose administration recorded (it sets minute 0)."""
    with transaction.atomic():
        session = locked(session)
        if session.state == states.DOSING and session.dose_started_at is None:
            raise Conflict("Record the dose administration before monitoring starts.")
        return _move(session, states.MONITORING, actor, request)


def mark_ready_for_discharge(
    *, session, actor, escort_present: bool | None = None, request=None
) -> TreatmentSession:
    """Refused (409, listing what is unmet) unless `evaluate_discharge` finds every protocol
    criterion met now."""
    from ketamine_care.treatment_sessions.services.readiness import discharge_status

    with transaction.atomic():
        session = locked(session)
        if escort_present is not None:
            session.escort_present = escort_present
        if session.state == states.MONITORING:
            status = discharge_status(session)
            if not status.result.ready:
                raise Conflict(
                    "Not ready for discharge: " + "; ".join(status.unmet_text) + ".",
                    fields={"discharge": "; ".join(status.unmet_text)},
                )
        return _move(
            session,
            states.READY_FOR_DISCHARGE,
            actor,
            request,
            changes={"escort_present": session.escort_present},
        )


def discharge(*, session, actor, request=None) -> TreatmentSession:
    with transaction.atomic():
        return _move(locked(session), states.DISCHARGED, actor, request)


def cancel_session(*, session, actor, reason: str, request=None) -> TreatmentSession:
    return _stop(session, states.CANCELLED, actor, reason, request)


def abort_session(*, session, actor, reason: str, request=None) -> TreatmentSession:
    return _stop(session, states.ABORTED, actor, reason, request)


def _stop(session, target, actor, reason, request):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": "Give a reason."})
    with transaction.atomic():
        return _move(
            locked(session), target, actor, request, reason=reason, changes={"reason": reason}
        )


def transition(
    *, session, to: str, actor, reason: str = "", escort_present=None, request=None
) -> TreatmentSession:
    """Dispatch to the service of target state `to` (API and screens use this)."""
    simple = {
        states.CHECKED_IN: check_in,
        states.PRE_ASSESSMENT: start_pre_assessment,
        states.DOSING: start_dosing,
        states.MONITORING: start_monitoring,
    }
    if to in simple:
        return simple[to](session=session, actor=actor, request=request)
    if to == states.READY_FOR_DISCHARGE:
        return mark_ready_for_discharge(
            session=session, actor=actor, escort_present=escort_present, request=request
        )
    if to == states.CANCELLED:
        return cancel_session(session=session, actor=actor, reason=reason, request=request)
    if to == states.ABORTED:
        return abort_session(session=session, actor=actor, reason=reason, request=request)
    if to == states.SIGNED:
        raise IllegalTransition("Sign the session through its note (sign).")
    if to == states.DISCHARGED:
        # Discharge records its assessment (escort, instructions, recovery score, the nurse's
        # confirmation): services.closing.discharge_patient, never a bare state change.
        verdict = states.check_transition(session.state, to)
        raise IllegalTransition(
            verdict.message
            or "Discharge with the discharge assessment (discharge): a session cannot become "
            "discharged by a plain transition."
        )
    raise ValidationFailed("Unknown state.", fields={"to": f"Unknown state {to!r}."})
