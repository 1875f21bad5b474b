"""AdverseEvent: an adverse event recorded in a dosing session (actual, not potential).

Severity, seriousness and outcome in HL7's adverse-event code systems; the kind of event in
the project's `adverse-event-type` code system (no standard code is confirmed for it). An
outcome HL7 has no code for (transferred to emergency care) is coded only in the project's
`adverse-event-outcome` system.
"""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import project_system
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, Include, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref, project_coding
from ketamine_care.fhir.resources.people import encounter_ref, user_ref
from ketamine_care.treatment_sessions.models import AdverseEvent

SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
# The project's outcomes -> HL7 adverse-event-outcome (None: HL7 has no such outcome).
OUTCOMES = {"resolved": "resolved", "resolving": "recovering", "ongoing": "ongoing"}


def _outcome(row: AdverseEvent) -> dict:
    codings = [project_coding("adverse-event-outcome", row.outcome, row.get_outcome_display())]
    if row.outcome in OUTCOMES:
        codings.insert(0, coding(OUTCOME, OUTCOMES[row.outcome]))
    return {"coding": codings, "text": row.get_outcome_display()}


def to_data(row: AdverseEvent) -> dict:
    serious = "serious" if row.serious else "non-serious"
    kind = row.get_event_type_display()
    return dict(
        resourceType="AdverseEvent",
        id=str(row.public_id),
        meta=meta(row),
        actuality="actual",
        event={
            "coding": [project_coding("adverse-event-type", row.event_type, kind)],
            "text": row.description or kind,
        },
        subject=patient_ref(row.session.patient),
        encounter=encounter_ref(row.session),
        date=row.onset_at,
        recordedDate=row.created_at,
        recorder=user_ref(row.recorded_by),
        seriousness={"coding": [coding(SERIOUSNESS, serious)]},
        severity={"coding": [coding(SEVERITY, row.severity)], "text": row.get_severity_display()},
        outcome=_outcome(row),
    )


def queryset(clinic):
    rows = AdverseEvent.objects.filter(session__clinic=clinic)
    return rows.select_related("session__patient", "recorded_by")


def register() -> None:
    registry.register(
        ResourceType(
            name="AdverseEvent",
            to_fhir=modelled("AdverseEvent", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "patient": SearchParam(REFERENCE, "session__patient", description="The patient"),
                "subject": SearchParam(REFERENCE, "session__patient", description="The patient"),
                "date": SearchParam(DATE, "onset_at", description="When the event began"),
                "event": SearchParam(
                    TOKEN,
                    "event_type",
                    system=project_system("adverse-event-type"),
                    description="The kind of event (adverse-event-type code system)",
                ),
                "seriousness": SearchParam(
                    TOKEN,
                    "serious",
                    system=SERIOUSNESS,
                    transform=lambda code: {"serious": True, "non-serious": False}.get(code),
                    description="serious | non-serious",
                ),
                "severity": SearchParam(
                    TOKEN, "severity", system=SEVERITY, description="mild | moderate | severe"
                ),
            },
            includes={
                "patient": Include("Patient", "session__patient"),
                "encounter": Include("Encounter", "session"),
            },
            capability=Capability.VIEW_SESSIONS,
            patient_path="session__patient",
        )
    )
