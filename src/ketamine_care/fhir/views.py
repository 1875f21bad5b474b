"""The FHIR endpoints: metadata, read and search. Thin: parse, call, serialise.

Every failure answers an OperationOutcome: 401 without a usable token, 403 without the scope
or the role's capability, 404 for an unknown type or an id this clinic does not have (another
clinic's ids included: they cannot be probed), 400 for a search the server does not support.
"""

from __future__ import annotations

import json
from functools import wraps

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from ketamine_care.fhir import registry, services
from ketamine_care.fhir.access import grant_for, scoped
from ketamine_care.fhir.capability import capability_statement
from ketamine_care.fhir.params import parse_query
from ketamine_care.fhir.responses import (
    FhirError,
    check_format,
    error_response,
    fhir_response,
    plain_response,
)
from ketamine_care.fhir.search import page_links, search


def fhir_view(view):
    """Bearer-token API (no session, so no CSRF); FHIR errors become OperationOutcomes."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            check_format(request)
            return view(request, *args, **kwargs)
        except FhirError as error:
            return error_response(error)

    return wrapper


@fhir_view
@require_GET
def metadata(request):
    return fhir_response(capability_statement(request.build_absolute_uri("/fhir/R4")))


def _parts(resource_type: str) -> list:
    parts = registry.parts_of(resource_type)
    if not parts:
        raise FhirError(404, "not-found", f"Unknown resource type: {resource_type}")
    return parts


@fhir_view
@require_GET
def read(request, resource_type: str, resource_id: str):
    parts = _parts(resource_type)
    grant = grant_for(request, resource_type, [p.capability for p in parts])
    part, row = _find(grant, resource_type, resource_id)
    if part is not None and not grant.may_read(part):
        raise FhirError(403, "forbidden", f"Your role may not read this {resource_type}.")
    if row is None:
        raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known here.")
    services.record_fhir_read(
        resource_type=resource_type,
        patient=part.patient_of(row),
        actor=grant.user,
        clinic=grant.clinic,
        request=request,
    )
    return fhir_response(part.to_fhir(row))


def _find(grant, resource_type: str, resource_id: str):
    found = registry.part_for_id(resource_type, resource_id)
    if found is None:
        return None, None
    part, key = found
    lookup = part.key_filter(key)
    if lookup is None:
        return part, None  # an id of another shape names no row
    return part, scoped(part.queryset(grant.clinic), part, grant).filter(**lookup).first()


@fhir_view
@require_GET
def search_type(request, resource_type: str):
    parts = _parts(resource_type)
    grant = grant_for(request, resource_type, [p.capability for p in parts])
    query = parse_query(request, parts)
    page = search(resource_type, query, grant)
    if any(part.patient_path is not None for part in parts):
        services.record_fhir_search(
            resource_type=resource_type,
            patients=page.patients(),
            query=request.META.get("QUERY_STRING", ""),
            actor=grant.user,
            clinic=grant.clinic,
            request=request,
        )
    base = request.build_absolute_uri("/fhir/R4")
    entries = [_entry(base, part, row, "match") for part, row in page.matches]
    entries += [_entry(base, part, row, "include") for part, row in page.included]
    # The Bundle as plain data: the JSON its fhir.resources model would write (the suite
    # parses every searchset back through Bundle and compares), without a model per entry.
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": page_links(request, resource_type, query, page.next_cursor),
        "entry": entries,
    }
    return plain_response(bundle)


def _entry(base: str, part, row, mode: str) -> dict:
    if part.to_data is not None:
        resource = part.to_data(row)
    else:
        resource = json.loads(part.to_fhir(row).model_dump_json(by_alias=True, exclude_none=True))
    return {
        "fullUrl": f"{base}/{part.name}/{part.fhir_id(row)}",
        "resource": resource,
        "search": {"mode": mode},
    }
