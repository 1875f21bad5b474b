"""CarePlan: a treatment plan under its protocol, with each planned visit as an activity.

A visit's activity says whether it is still to come, under way, done, stopped or cancelled,
from the session booked for it (linked as the activity's outcome, an Encounter). Visits and
their sessions come in one query per page, however many plans the page holds.
"""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery

from ketamine_care.accounts.permissions import Capability
from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import project_system
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import meta, patient_ref, project_coding
from ketamine_care.fhir.resources.people import user_ref
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import TreatmentSession

STATUS = {"active": "active", "cancelled": "revoked", "completed": "completed"}
# The booked session's state -> the activity's status.
VISIT_STATUS = {
    states.SCHEDULED: "scheduled",
    states.CHECKED_IN: "in-progress",
    states.PRE_ASSESSMENT: "in-progress",
    states.DOSING: "in-progress",
    states.MONITORING: "in-progress",
    states.READY_FOR_DISCHARGE: "in-progress",
    states.DISCHARGED: "completed",
    states.SIGNED: "completed",
    states.ABORTED: "stopped",
}
# A visit with no session (or a cancelled one): by the plan's status.
UNBOOKED = {"active": "scheduled", "cancelled": "cancelled", "completed": "not-started"}


def _activity(plan: TreatmentPlan, visit: PlannedVisit) -> dict:
    state = visit.session_state
    status = VISIT_STATUS.get(state) if state else None
    dose = visit.dose.get("text") if isinstance(visit.dose, dict) else None
    words = [f"Visit {visit.number} ({visit.get_phase_display().lower()})"]
    words += [w for w in (dose, visit.condition) if w]
    activity = {
        "detail": {
            "kind": "Appointment",
            "code": {"coding": [project_coding("visit-phase", visit.phase)]},
            "status": status or UNBOOKED[plan.status],
            "scheduledPeriod": {"start": visit.date.isoformat()},
            "description": "; ".join(words),
        }
    }
    if visit.session_id_public and status:
        activity["outcomeReference"] = [{"reference": f"Encounter/{visit.session_id_public}"}]
    return activity


def to_data(plan: TreatmentPlan) -> dict:
    visits = list(plan.visits.all())
    return dict(
        resourceType="CarePlan",
        id=str(plan.public_id),
        meta=meta(plan),
        status=STATUS[plan.status],
        intent="plan",
        category=[{"coding": [project_coding("protocol", plan.protocol_id)]}],
        title=f"Treatment plan: {plan.protocol_id}",
        subject=patient_ref(plan.patient),
        period={"start": plan.start_date.isoformat()},
        created=plan.created_at,
        author=user_ref(plan.created_by),
        activity=[_activity(plan, visit) for visit in visits] or None,
    )


def queryset(clinic):
    booked = TreatmentSession.objects.filter(planned_visit=OuterRef("pk")).exclude(
        state=states.CANCELLED
    )
    visits = PlannedVisit.objects.order_by("number").annotate(
        session_state=Subquery(booked.values("state")[:1]),
        session_id_public=Subquery(booked.values("public_id")[:1]),
    )
    rows = TreatmentPlan.objects.filter(patient__clinic=clinic)
    return rows.select_related("patient", "created_by").prefetch_related(
        Prefetch("visits", queryset=visits)
    )


def register() -> None:
    registry.register(
        ResourceType(
            name="CarePlan",
            to_fhir=modelled("CarePlan", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "patient": SearchParam(REFERENCE, "patient", description="The patient"),
                "subject": SearchParam(REFERENCE, "patient", description="The patient"),
                "date": SearchParam(DATE, "start_date", description="When the plan starts"),
                "status": SearchParam(
                    TOKEN,
                    "status__in",
                    transform=lambda code: [s for s, v in STATUS.items() if v == code] or None,
                    description="active | revoked | completed",
                ),
                "category": SearchParam(
                    TOKEN,
                    "protocol_id",
                    system=project_system("protocol"),
                    description="The protocol (protocol code system)",
                ),
            },
            includes={"patient": Include("Patient", "patient")},
            capability=Capability.VIEW_TREATMENT,
        )
    )
