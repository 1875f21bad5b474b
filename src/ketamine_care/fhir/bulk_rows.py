"""The rows a Bulk Data export reads: each part of a type the requester's role may read,
changed after `_since`, in primary-key order, a chunk at a time (bounded memory)."""

from __future__ import annotations

from collections.abc import Iterator

from ketamine_care.accounts.permissions import has_capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.models import BulkExport
from ketamine_care.fhir.plain import dumps

CHUNK = 2000


def rows_of(export: BulkExport, name: str) -> Iterator[tuple[object, object]]:
    membership = export.requested_by.memberships.filter(
        clinic=export.clinic, is_active=True
    ).first()
    for part in registry.parts_of(name):
        if membership is None:
            return
        if part.capability is not None and not has_capability(membership, part.capability):
            continue
        rows = part.queryset(export.clinic)
        if export.since is not None:
            rows = rows.filter(**{f"{part.updated_field}__gt": export.since})
        for row in rows.order_by("pk").iterator(chunk_size=CHUNK):
            yield part, row


def clinic_rows(clinic, name: str) -> Iterator[tuple[object, object]]:
    """Every row of every part of a type in the clinic (a clinic's complete export: no role
    narrows it; the command is run by the clinic's operator)."""
    for part in registry.parts_of(name):
        for row in part.queryset(clinic).order_by("pk").iterator(chunk_size=CHUNK):
            yield part, row


def resource_line(part, row) -> bytes:
    """One NDJSON line (without its newline): the row's plain data, which
    fhir/tests/test_plain_json.py proves is the JSON of the part's fhir.resources model."""
    if part.to_data is not None:
        return dumps(part.to_data(row))
    return part.to_fhir(row).model_dump_json(by_alias=True, exclude_none=True).encode()
