"""Protocols REST endpoints: the library with this clinic's versions; activation and drafts."""

from uuid import UUID

from ninja import Router, Status

from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.core.errors import StateError
from ketamine_care.protocols import access, queries, services
from ketamine_care.protocols.schemas import (
    ActivateIn,
    DraftIn,
    ProtocolDetailOut,
    ProtocolSummaryOut,
    ProtocolVersionOut,
)

router = Router(tags=["protocols"])


def version_out(version) -> dict:
    return {
        "id": version.public_id,
        "protocol": version.protocol_id,
        "version": version.version,
        "status": version.status,
        "source": version.source,
        "definition_version": version.definition.get("version", ""),
        "clinic_values": version.clinic_values,
        "change_note": version.change_note,
        "activated_at": version.activated_at,
        "created_at": version.created_at,
    }


def _summary(definition, active) -> dict:
    return {
        "id": definition.id,
        "title": definition.title,
        "drug": definition.drug,
        "routes": list(definition.routes),
        "population": definition.population,
        "setting": definition.setting,
        "research_only": definition.research_only,
        "evidence": definition.evidence.tag,
        "clinic_must_set": list(definition.clinic_must_set),
        "active_version": version_out(active) if active else None,
    }


@router.get("", response=list[ProtocolSummaryOut])
def list_protocols(request):
    require(request.membership, Capability.VIEW_TREATMENT)
    return [
        _summary(row.definition, row.active) for row in queries.library(request.membership.clinic)
    ]


@router.get("/{protocol_id}", response=ProtocolDetailOut)
def read_protocol(request, protocol_id: str):
    require(request.membership, Capability.VIEW_TREATMENT)
    definition = queries.shipped_or_404(protocol_id)
    versions = queries.versions_of(request.membership.clinic, protocol_id)
    active = next((v for v in versions if v.is_active), None)
    return {
        **_summary(definition, active),
        "shipped_definition": definition.model_dump(mode="json"),
        "active_definition": active.definition if active else None,
        "versions": [version_out(v) for v in versions],
    }


@router.post("/{protocol_id}/activate", response={201: ProtocolVersionOut})
def activate(request, protocol_id: str, payload: ActivateIn):
    require(request.membership, Capability.MANAGE_PROTOCOLS)
    queries.shipped_or_404(protocol_id)
    version = services.activate_protocol(
        clinic=request.membership.clinic,
        protocol_id=protocol_id,
        actor=request.user,
        clinic_values=payload.clinic_values,
        request=request,
    )
    return Status(201, version_out(version))


@router.post("/{protocol_id}/drafts", response={201: ProtocolVersionOut})
def new_draft(request, protocol_id: str, payload: DraftIn):
    require(request.membership, Capability.MANAGE_PROTOCOLS)
    queries.shipped_or_404(protocol_id)
    active = queries.active_version(request.membership.clinic, protocol_id)
    if active is None:
        raise StateError(f"{protocol_id} is not active in this clinic: activate it first.")
    draft = services.create_draft(
        from_version=active,
        edits=payload.edits,
        note=payload.note,
        actor=request.user,
        request=request,
    )
    return Status(201, version_out(draft))


@router.post("/versions/{version_id}/publish", response=ProtocolVersionOut)
def publish(request, version_id: UUID):
    version = access.access_version(request.membership, version_id, Capability.MANAGE_PROTOCOLS)
    services.publish_draft(version=version, actor=request.user, request=request)
    return version_out(version)


@router.post("/versions/{version_id}/retire", response=ProtocolVersionOut)
def retire(request, version_id: UUID):
    version = access.access_version(request.membership, version_id, Capability.MANAGE_PROTOCOLS)
    services.retire(version=version, actor=request.user, request=request)
    return version_out(version)
