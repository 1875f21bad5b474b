"""FHIR answers: a resource as `application/fhir+json`, and errors as OperationOutcomes."""

from __future__ import annotations

from django.http import HttpResponse

from ketamine_care.fhir.plain import dumps, fhir_model

FHIR_JSON = "application/fhir+json"
_ACCEPTED = {"application/fhir+json", "application/json", "json", "*/*", "application/*"}
_FORMATS = {"json", "application/json", "application/fhir+json"}


class FhirError(Exception):
    """Raised anywhere below a FHIR view; the view answers it as an OperationOutcome."""

    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics


def fhir_response(resource, status: int = 200, headers: dict | None = None) -> HttpResponse:
    body = resource.model_dump_json(by_alias=True, exclude_none=True)
    response = HttpResponse(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def plain_response(data: dict) -> HttpResponse:
    """A resource given as plain data (fhir/plain.py), serialised as its model would be."""
    return HttpResponse(dumps(data), content_type=f"{FHIR_JSON}; charset=utf-8")


def outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    """An OperationOutcome with one issue (`code` from FHIR's issue-type value set)."""
    resource = fhir_model("OperationOutcome")(
        issue=[{"severity": "error", "code": code, "diagnostics": diagnostics}]
    )
    response = fhir_response(resource, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


def error_response(error: FhirError) -> HttpResponse:
    return outcome(error.status, error.code, error.diagnostics)


def check_format(request) -> None:
    """JSON only: an `Accept` or `_format` asking for anything else answers 406."""
    fmt = request.GET.get("_format")
    if fmt is not None and fmt.split(";")[0].strip() not in _FORMATS:
        raise FhirError(406, "not-supported", "Only JSON (application/fhir+json) is served.")
    accept = request.headers.get("Accept", "")
    if not accept:
        return
    kinds = {part.split(";")[0].strip() for part in accept.split(",")}
    if not kinds & _ACCEPTED:
        raise FhirError(406, "not-supported", "Only JSON (application/fhir+json) is served.")
