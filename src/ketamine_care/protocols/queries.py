"""Reads of a clinic's protocols, always scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from ketamine_care.protocols.definition import ProtocolDefinition
from ketamine_care.protocols.editable_fields import EditableField, words
from ketamine_care.protocols.editable_fields import editable_fields as _editable_fields
from ketamine_care.protocols.library import UnknownProtocol, list_protocol_ids, load_definition
from ketamine_care.protocols.models import ProtocolVersion, VersionStatus
from ketamine_care.protocols.update import newer_shipped_version


@dataclass(frozen=True)
class LibraryRow:
    definition: ProtocolDefinition
    active: ProtocolVersion | None
    drafts: int
    newer_shipped: str | None = None  # the library's version, when the active one is older


def library(clinic) -> list[LibraryRow]:
    """Every shipped protocol with this clinic's active version (if any) and open drafts."""
    versions = ProtocolVersion.objects.filter(clinic_protocol__clinic=clinic).select_related(
        "clinic_protocol", "activated_by"
    )
    active = {v.protocol_id: v for v in versions if v.status == VersionStatus.ACTIVE}
    drafts: dict[str, int] = {}
    for v in versions:
        if v.status == VersionStatus.DRAFT:
            drafts[v.protocol_id] = drafts.get(v.protocol_id, 0) + 1
    by_pk = {v.pk: v for v in versions}
    return [
        LibraryRow(
            load_definition(pid),
            active.get(pid),
            drafts.get(pid, 0),
            newer_shipped_version(active[pid], by_pk) if pid in active else None,
        )
        for pid in list_protocol_ids()
    ]


def shipped_or_404(protocol_id: str) -> ProtocolDefinition:
    try:
        return load_definition(protocol_id)
    except UnknownProtocol as exc:
        raise Http404("No such protocol") from exc


def versions_of(clinic, protocol_id: str) -> list[ProtocolVersion]:
    return list(
        ProtocolVersion.objects.filter(
            clinic_protocol__clinic=clinic, clinic_protocol__protocol_id=protocol_id
        ).select_related("clinic_protocol", "created_by", "activated_by", "based_on")
    )


def active_version(clinic, protocol_id: str) -> ProtocolVersion | None:
    return (
        ProtocolVersion.objects.filter(
            clinic_protocol__clinic=clinic,
            clinic_protocol__protocol_id=protocol_id,
            status=VersionStatus.ACTIVE,
        )
        .select_related("clinic_protocol")
        .first()
    )


def active_versions(clinic) -> list[ProtocolVersion]:
    return list(
        ProtocolVersion.objects.filter(
            clinic_protocol__clinic=clinic, status=VersionStatus.ACTIVE
        ).select_related("clinic_protocol")
    )


def editable_fields(version: ProtocolVersion) -> list[EditableField]:
    """The clinic-editable values of `version`, each with its shipped counterpart."""
    shipped = load_definition(version.protocol_id).model_dump(mode="json")
    return _editable_fields(version.definition, shipped, version.clinic_values)


@dataclass(frozen=True)
class VersionRow:
    version: ProtocolVersion
    clinic_values: list[str]  # "Minimum observation after dosing: 60"
    changes: list[str]  # a draft's changes from the version it is based on, in words


def version_rows(versions: list[ProtocolVersion]) -> list[VersionRow]:
    """The versions table: clinic-set values and each edited version's changes in words."""
    from ketamine_care.protocols.editable_words import path_words

    rows = []
    for version in versions:
        values = [f"{path_words(k)}: {words(v)}" for k, v in version.clinic_values.items()]
        rows.append(VersionRow(version, values, _changes(version)))
    return rows


def _changes(version: ProtocolVersion) -> list[str]:
    based_on = version.based_on
    if based_on is None:
        return []
    before = {
        f.path: f.current for f in _editable_fields(based_on.definition, {}, based_on.clinic_values)
    }
    after = _editable_fields(version.definition, {}, version.clinic_values)
    return [
        f"{f.group}, {f.label.lower()}: {words(before.get(f.path), f.unit)} → {f.current_text}"
        for f in after
        if before.get(f.path) != f.current
    ]
