"""The demo's psychotherapy and integration: the therapist's caseload with preparation,
dosing-day support and integration sessions (signed, one amended, one draft), so that the
caseload shows who is prepared, who has been integrated and who still waits."""

from __future__ import annotations

from datetime import timedelta

from ketamine_care.accounts.models import User
from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.models import PlannedVisit, PlanStatus
from ketamine_care.therapy import services
from ketamine_care.therapy.models import TherapySession
from ketamine_care.treatment_sessions.models import TreatmentSession

THERAPIST = "therapist@demo.clinic"


def make_therapy_demo(clinic) -> dict:
    if TherapySession.objects.filter(clinic=clinic).exists():
        return {"therapy_sessions_created": 0}
    therapist = User.objects.get(email=THERAPIST)
    today = clinic_today(clinic)
    made = _prepare_coming_visits(clinic, therapist, today)
    dosed = list(
        TreatmentSession.objects.filter(clinic=clinic, state__in=("discharged", "signed"))
        .select_related("patient")
        .order_by("state", "id")
    )
    for session in dosed[:1]:  # supported on the day, then integrated, then amended
        _note(therapist, session.patient, "dosing_support", today, session,
              experience="Calm after 20 minutes; music helped.")  # fmt: skip
        note = _note(therapist, session.patient, "integration", today, session,
                     integration_themes="Grief for her father; less self-blame.",
                     homework="Write a letter she will not send.")  # fmt: skip
        services.amend_therapy_note(
            therapy_session=note,
            actor=therapist,
            reason="Patient called after the session",
            text="Slept well; no new concerns.",
        )
        made += 3
    for session in dosed[1:2]:  # a draft integration note, not signed yet
        services.record_therapy_session(
            patient=session.patient, actor=therapist, kind="integration", held_on=today,
            dosing_session=session, experience="Felt far away from the room.",
            risk_check="no_concern",
        )  # fmt: skip
        made += 1
    return {"therapy_sessions_created": made}


def _prepare_coming_visits(clinic, therapist, today) -> int:
    """A signed preparation session for the first two patients with a visit this week."""
    visits = (
        PlannedVisit.objects.filter(
            plan__patient__clinic=clinic, plan__status=PlanStatus.ACTIVE,
            date__gte=today, date__lte=today + timedelta(days=7),
        )
        .select_related("plan__patient")
        .order_by("date")
    )  # fmt: skip
    prepared = []
    for visit in visits:
        if visit.plan.patient_id in {p.pk for p in prepared}:
            continue
        patient = visit.plan.patient
        patient.clinic = clinic
        intentions = "To feel less stuck; to reconnect with music."
        _note(therapist, patient, "preparation", today - timedelta(days=2), None,
              plan=visit.plan, intentions=intentions)  # fmt: skip
        prepared.append(patient)
        if len(prepared) == 2:
            break
    return len(prepared)


def _note(therapist, patient, kind, held_on, session, **note):
    made = services.record_therapy_session(
        patient=patient, actor=therapist, kind=kind, held_on=held_on,
        dosing_session=session, risk_check="no_concern", **note,
    )  # fmt: skip
    services.sign_therapy_note(therapy_session=made, actor=therapist)
    return made
