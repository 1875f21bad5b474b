"""The REST API at /api/v1: one NinjaAPI, one error shape, domain errors mapped once."""

from __future__ import annotations

import json
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ketamine_care.accounts.api import router as auth_router
from ketamine_care.accounts.auth import api_auth
from ketamine_care.accounts.schemas import ErrorOut
from ketamine_care.core.api_json import ApiJSONRenderer
from ketamine_care.core.errors import DomainError
from ketamine_care.dosing.api import patient_router as dosing_router
from ketamine_care.instruments.api import patient_router as administrations_router
from ketamine_care.instruments.api import router as instruments_router
from ketamine_care.inventory.api import router as inventory_router
from ketamine_care.outcomes.api import patient_router as outcomes_router
from ketamine_care.outcomes.api import router as alerts_router
from ketamine_care.patients.api import router as patients_router
from ketamine_care.protocols.api import router as protocols_router
from ketamine_care.screening.api import patient_router as screening_router
from ketamine_care.treatment_sessions.api import router as treatment_sessions_router


class OfflineSwagger(Swagger):
    """Swagger UI from the project's vendored static files (static/vendor/swagger_ui), never a
    CDN: the page works offline and under the same Content-Security-Policy as the rest."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings), "api": api}
        return render(request, "api_docs.html", context)


api = NinjaAPI(
    title="ketamine-care API",
    version="1",
    urls_namespace="api-v1",
    auth=api_auth,
    docs_url="/docs",
    docs=OfflineSwagger(),
    renderer=ApiJSONRenderer(),
)


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    return {"error": code, "message": message, "fields": fields or {}}


def _field_name(loc: list) -> str:
    # ninja locations look like ["body", "payload", "weight_kg"] or ["query", "q"].
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields: dict[str, str] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(list(error.get("loc", []))), error.get("msg", "Invalid."))
    body = error_body("validation_error", "The request has invalid fields.", fields)
    return api.create_response(request, body, status=422)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.fields), status=exc.status_code
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    body = error_body("unauthorized", "Sign in or send a valid API token.")
    return api.create_response(request, body, status=401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body("not_found", "Not found."), status=404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    body = error_body("forbidden", str(exc) or "Your role does not allow this.")
    return api.create_response(request, body, status=403)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
    }.get(exc.status_code, "error")
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request, exc):
    body = error_body("too_large", "The request body is too large.", {"body": "Too large."})
    return api.create_response(request, body, status=413)


@api.exception_handler(MultiPartParserError)
def on_unreadable_body(request, exc):
    # A malformed body (e.g. multipart without a boundary) is the client's error, not ours.
    body = error_body("bad_request", "The request body could not be read.", {"body": "Send JSON."})
    return api.create_response(request, body, status=400)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request, exc):
    logging.getLogger("django.request").error(
        "Database unavailable: %s", request.path, exc_info=exc
    )
    return api.create_response(request, unavailable_body(), status=503)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    # Logged with the traceback (never the body: patient data stays out of logs); the
    # client gets the error shape, never Django's HTML page or a traceback.
    logging.getLogger("django.request").error(
        "Internal Server Error: %s", request.path, exc_info=exc
    )
    return api.create_response(request, server_error_body(), status=500)


def unavailable_body() -> dict:
    return error_body("unavailable", "The database is unavailable; try again shortly.")


def server_error_body() -> dict:
    return error_body("server_error", "Something went wrong; nothing more is known yet.")


ROUTERS = [
    ("/auth", auth_router),
    ("/patients", patients_router),
    ("/patients", administrations_router),
    ("/patients", outcomes_router),
    ("/instruments", instruments_router),
    ("/alerts", alerts_router),
    ("/protocols", protocols_router),
    ("/patients", screening_router),
    ("/patients", dosing_router),
    ("/inventory", inventory_router),
    ("/treatment-sessions", treatment_sessions_router),
]


def error_statuses(method: str, path: str, operation) -> set[int]:
    """The error statuses an operation can answer, all in the error shape: 401 without valid
    credentials, 403 when the role (or CSRF) refuses, 404 for an unknown or another clinic's
    record, 422 for invalid input, 503 when the database is unavailable, and for writes 400 (a
    broken domain rule), 409 (a record in the wrong state or a conflicting retry) and 413 (a
    body over the size limit)."""
    # 422 and 503 can come from the input guard and the database handler on any operation.
    codes = {403, 422, 503}
    if operation.auth_param is not None:
        codes.add(401)
    if "{" in path:
        codes |= {404, 422}
    if operation.signature.models:
        codes.add(422)
    if method != "GET":
        codes |= {400, 404, 409, 413}
    return codes


def declare_error_responses(router) -> None:
    """Put every error status in each operation's OpenAPI responses, so that a client (and
    the schemathesis run in the tests) can rely on the published contract. An operation's own
    `response={...}` wins where it names a status.

    Every one of them is the same response model (ninja's wrapper of `ErrorOut`), made once:
    a model per operation and status was some 500 pydantic classes built at every start of
    a process that loads the URLs (each `ketamine-care` command, each server worker)."""
    for path, view in router.path_operations.items():
        for operation in view.operations:
            for method in operation.methods:
                for code in sorted(error_statuses(method, path, operation)):
                    if code not in operation.response_models:
                        operation.response_models[code] = _error_response_model(operation)


def _error_response_model(operation):
    if not _ERROR_RESPONSE:
        _ERROR_RESPONSE.append(operation._create_response_model(ErrorOut))
    return _ERROR_RESPONSE[0]


_ERROR_RESPONSE: list = []


for prefix, router in ROUTERS:
    declare_error_responses(router)
    api.add_router(prefix, router)
