"""The rows a Bulk Data export reads: each part of a type the requester's role may read,
changed after `_since`, in primary-key order, a batch at a time (bounded memory).

Each batch is its own keyset query (`pk > the last key ... ORDER BY pk LIMIT n`): no cursor
stays open between batches, so PostgreSQL never materialises a whole table for a cursor
held across commits, and a batch costs the same at the first row and the millionth.
"""

from __future__ import annotations

from collections.abc import Iterator

from ketamine_care.accounts.permissions import has_capability
from ketamine_care.fhir import registry
from ketamine_care.fhir.models import BulkExport
from ketamine_care.fhir.plain import dumps, values_reader

CHUNK = 2000


def readable_parts(export: BulkExport, name: str) -> Iterator[tuple[object, object]]:
    """(part, rows) for every part of the type the requester's role may read."""
    membership = export.requested_by.memberships.filter(
        clinic=export.clinic, is_active=True
    ).first()
    if membership is None:
        return
    for part in registry.parts_of(name):
        if part.capability is not None and not has_capability(membership, part.capability):
            continue
        rows = part.queryset(export.clinic)
        if export.since is not None:
            rows = rows.filter(**{f"{part.updated_field}__gt": export.since})
        yield part, rows


def count_rows(export: BulkExport) -> int:
    """How many resources the export will write (one count per part): X-Progress's whole."""
    return sum(rows.count() for name in export.types for _, rows in readable_parts(export, name))


def batches_of(export: BulkExport, name: str) -> Iterator[tuple[object, list]]:
    for part, rows in readable_parts(export, name):
        for batch in keyset_batches(rows, fields=part.data_fields):
            yield part, batch


def keyset_batches(rows, size: int | None = None, fields: tuple = ()) -> Iterator[list]:
    """The rows in primary-key order, `size` (CHUNK) at a time, one keyset query per batch:
    model rows, or with `fields` (a part's data_fields) tuples read as plain.Values rows."""
    size = size or CHUNK
    read = values_reader(("pk", *fields)) if fields else None
    last = None
    while True:
        page = (rows if last is None else rows.filter(pk__gt=last)).order_by("pk")
        if read is None:
            batch = list(page[:size])
        else:
            batch = [read(values) for values in page.values_list("pk", *fields)[:size]]
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = batch[-1].pk


def clinic_rows(clinic, name: str) -> Iterator[tuple[object, object]]:
    """Every row of every part of a type in the clinic (a clinic's complete export: no role
    narrows it; the command is run by the clinic's operator)."""
    for part in registry.parts_of(name):
        for batch in keyset_batches(part.queryset(clinic), fields=part.data_fields):
            for row in batch:
                yield part, row


def resource_line(part, row) -> bytes:
    """One NDJSON line (without its newline): the row's plain data, which
    fhir/tests/test_plain_json.py proves is the JSON of the part's fhir.resources model."""
    if part.to_data is not None:
        return dumps(part.to_data(row))
    return part.to_fhir(row).model_dump_json(by_alias=True, exclude_none=True).encode()
