"""Bulk Data `$export` endpoints: kick-off, status (poll, manifest, DELETE) and the files.

Every call needs a `system/...read` scope: bulk export is for backend services. Kick-off
answers 202 with `Content-Location`; the status URL answers 202 with `X-Progress` while the
worker writes, then 200 with the manifest; the files are served to the same token.
"""

from __future__ import annotations

import json
from uuid import UUID

from django.http import FileResponse, HttpResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods

from ketamine_care.fhir import bulk
from ketamine_care.fhir.access import Grant, grant_for, scope_context
from ketamine_care.fhir.models import BulkLevel, BulkStatus
from ketamine_care.fhir.responses import FhirError
from ketamine_care.fhir.views import fhir_view

_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}


def _system_grant(request, types: list[str] | None = None) -> Grant:
    grant = grant_for(request, "*" if not types else types[0], None)
    contexts = {scope_context(request.api_token.scopes, name, "read") for name in types or ()}
    if grant.context != "system" or contexts - {"system"}:
        raise FhirError(403, "forbidden", "Bulk export needs a system read scope.")
    return grant


def _parse_kick_off(request) -> tuple[list[str] | None, object]:
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise FhirError(400, "invalid", "Bulk export needs the header Prefer: respond-async.")
    fmt = request.GET.get("_outputFormat")
    if fmt is not None and fmt not in _FORMATS:
        raise FhirError(400, "not-supported", "Only NDJSON (application/fhir+ndjson).")
    unknown = set(request.GET) - {"_type", "_since", "_outputFormat"}
    if unknown:
        raise FhirError(400, "not-supported", f"Unknown parameter: {sorted(unknown)[0]}")
    types = [t.strip() for t in request.GET.get("_type", "").split(",") if t.strip()]
    since = None
    if "_since" in request.GET:
        since = parse_datetime(request.GET["_since"])
        if since is None or since.tzinfo is None:
            raise FhirError(400, "invalid", "_since must be an instant with a time zone.")
    return types or None, since


def _kick_off(request, level: str) -> HttpResponse:
    types, since = _parse_kick_off(request)
    grant = _system_grant(request, types)
    names = bulk.exportable_types(level, types, grant)
    export = bulk.kick_off(
        grant=grant, level=level, types=names, since=since, request_url=request.get_full_path()
    )
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(f"/fhir/R4/bulk/{export.public_id}")
    return response


@fhir_view
@require_GET
def export_system(request):
    return _kick_off(request, BulkLevel.SYSTEM)


@fhir_view
@require_GET
def export_patient(request):
    return _kick_off(request, BulkLevel.PATIENT)


@fhir_view
@require_GET
def export_group(request, group_id: str):
    grant = _system_grant(request)
    if group_id != str(grant.clinic.public_id):  # the one Group: the clinic's cohort
        raise FhirError(404, "not-found", f"Group/{group_id} is not known here.")
    return _kick_off(request, BulkLevel.GROUP)


def _export(request, export_id: str):
    grant = _system_grant(request)
    try:
        public_id = UUID(export_id)
    except ValueError:
        raise FhirError(404, "not-found", "No such export.") from None
    return grant, bulk.find_export(grant=grant, public_id=public_id)


@fhir_view
@require_http_methods(["GET", "DELETE"])
def export_status(request, export_id: str):
    grant, export = _export(request, export_id)
    if request.method == "DELETE":
        bulk.cancel(grant=grant, export=export)
        return HttpResponse(status=202)
    if export.status in (BulkStatus.QUEUED, BulkStatus.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = export.progress()
        response["Retry-After"] = "5"
        return response
    if export.status != BulkStatus.DONE:
        raise FhirError(404, "not-found", f"This export is {export.status}.")
    return _manifest(request, export)


def _manifest(request, export) -> HttpResponse:
    base = request.build_absolute_uri(f"/fhir/R4/bulk/{export.public_id}/")
    manifest = {
        "transactionTime": export.transaction_time.isoformat(),
        "request": request.build_absolute_uri(export.request_url),
        "requiresAccessToken": True,
        "output": [
            {"type": o["type"], "url": base + o["file"], "count": o["count"]} for o in export.output
        ],
        "error": [],
    }
    response = HttpResponse(json.dumps(manifest), content_type="application/json")
    response["Expires"] = export.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


@fhir_view
@require_GET
def export_file(request, export_id: str, filename: str):
    grant, export = _export(request, export_id)
    if export.status != BulkStatus.DONE:
        raise FhirError(404, "not-found", f"This export is {export.status}.")
    entry = next((o for o in export.output if o["file"] == filename), None)
    if entry is None:
        raise FhirError(404, "not-found", "No such file in this export.")
    bulk.record_download(
        grant=grant, export=export, resource_type=entry["type"], count=entry["count"]
    )
    path = bulk.export_dir(export) / entry["file"]
    return FileResponse(path.open("rb"), content_type="application/fhir+ndjson")
