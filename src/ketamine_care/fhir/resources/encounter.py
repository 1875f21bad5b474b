"""Encounter: the dosing session (an ambulatory visit), with its state and its times."""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import ACT_CODE
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref, project_coding
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import TreatmentSession

# The session's state -> Encounter.status. An aborted session began and ended early: it is
# finished (the session-state coding in `type` says how).
STATUS = {
    states.SCHEDULED: "planned",
    states.CHECKED_IN: "arrived",
    states.PRE_ASSESSMENT: "triaged",
    states.DOSING: "in-progress",
    states.MONITORING: "in-progress",
    states.READY_FOR_DISCHARGE: "in-progress",
    states.DISCHARGED: "finished",
    states.SIGNED: "finished",
    states.CANCELLED: "cancelled",
    states.ABORTED: "finished",
}


def to_data(session: TreatmentSession) -> dict:
    # Planned: the time it is booked for; then the time the patient arrived.
    start = session.checked_in_at or session.scheduled_for
    end = session.discharged_at or session.aborted_at
    period = {"start": start, "end": end}
    return {
        "resourceType": "Encounter",
        "id": str(session.public_id),
        "meta": meta(session),
        "status": STATUS[session.state],
        "class": coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [
            {"coding": [project_coding("protocol", session.protocol_id)]},
            {"coding": [project_coding("session-state", session.state, session.state_label)]},
        ],
        "subject": patient_ref(session.patient),
        "period": period,
    }


def queryset(clinic):
    return TreatmentSession.objects.filter(clinic=clinic).select_related("patient")


def register() -> None:
    registry.register(
        ResourceType(
            name="Encounter",
            to_fhir=modelled("Encounter", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "patient": SearchParam(REFERENCE, "patient", description="The patient"),
                "subject": SearchParam(REFERENCE, "patient", description="The patient"),
                "date": SearchParam(DATE, "scheduled_for", description="When it is scheduled"),
                "status": SearchParam(
                    TOKEN,
                    "state__in",
                    transform=lambda code: (
                        [s for s, status in STATUS.items() if status == code] or None
                    ),
                    description="planned | arrived | triaged | in-progress | finished | cancelled",
                ),
            },
            includes={"patient": Include("Patient", "patient")},
            capability=Capability.VIEW_SESSIONS,
        )
    )
