"""AuditEvent: the clinic's audit chain, for clinic admins only (the `read_audit_events`
capability; every other role, the medical director included, answers 403).

Who did what and when, about which patient and which record, from which address: never the
event's recorded changes (only the medical director reads audit content on the audit page,
and the FHIR resource shows none). The id is the event's chain hash, which names it uniquely
and proves it is the row the chain holds.
"""

from __future__ import annotations

import re

from ketamine_care.accounts.permissions import Capability
from ketamine_care.audit.models import AuditEvent
from ketamine_care.core import labels as core_labels
from ketamine_care.fhir import registry
from ketamine_care.fhir.codes import project_system
from ketamine_care.fhir.plain import modelled
from ketamine_care.fhir.registry import DATE, REFERENCE, TOKEN, ResourceType, SearchParam
from ketamine_care.fhir.resources.common import coding, meta, patient_ref, project_coding
from ketamine_care.fhir.resources.people import user_ref

OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
_HASH = re.compile(r"^[0-9a-f]{64}$")


def _event_label(event_type: str) -> str | None:
    return core_labels.labels(core_labels.AUDIT_EVENT).get(event_type)


def _agent(row: AuditEvent) -> dict:
    who = user_ref(row.actor) or {"display": "ketamine-care (system)"}
    agent = {"who": who, "requestor": row.actor is not None}
    if row.client_ip:
        agent["network"] = {"address": row.client_ip, "type": "2"}
    return agent


def _entities(row: AuditEvent) -> list[dict] | None:
    entities = []
    if row.patient is not None:
        entities.append(
            {"what": patient_ref(row.patient), "role": coding(OBJECT_ROLE, "1", "Patient")}
        )
    if row.object_type:
        entities.append(
            {
                "what": {"identifier": {"value": row.object_id}} if row.object_id else None,
                "type": project_coding("audit-object-type", row.object_type),
            }
        )
    return entities or None


def to_data(row: AuditEvent) -> dict:
    return dict(
        resourceType="AuditEvent",
        id=row.hash,
        meta=meta(row, "occurred_at"),
        type=project_coding("audit-event-type", row.event_type, _event_label(row.event_type)),
        recorded=row.occurred_at,
        agent=[_agent(row)],
        source={"observer": {"display": "ketamine-care"}, "site": row.chain},
        entity=_entities(row),
    )


def queryset(clinic):
    rows = AuditEvent.objects.filter(clinic=clinic)
    return rows.select_related("actor", "patient")


def register() -> None:
    registry.register(
        ResourceType(
            name="AuditEvent",
            to_fhir=modelled("AuditEvent", to_data),
            to_data=to_data,
            queryset=queryset,
            search_params={
                "patient": SearchParam(REFERENCE, "patient", description="The patient"),
                "date": SearchParam(DATE, "occurred_at", description="When it happened"),
                "type": SearchParam(
                    TOKEN,
                    "event_type",
                    system=project_system("audit-event-type"),
                    description="The event type (audit-event-type code system)",
                ),
            },
            capability=Capability.READ_AUDIT_EVENTS,
            updated_field="occurred_at",
            key_field="hash",
            parse_key=lambda text: text if _HASH.match(text) else None,
        )
    )
