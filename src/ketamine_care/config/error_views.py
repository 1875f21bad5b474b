"""Django's own error pages (handler400/404/500), which answer for errors raised outside a
view: in middleware (a database that is down when the session or token is read), or an
oversize body. Under /api/v1 they answer in the API's JSON error shape, never HTML."""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults

from ketamine_care.core.api_input import API_PREFIX


def _api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _json(status: int, code: str, message: str, fields=None) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, "fields": fields or {}}, status=status)


def bad_request(request, exception=None, **kwargs):
    if not _api(request):
        return defaults.bad_request(request, exception, **kwargs)
    if isinstance(exception, RequestDataTooBig):
        return _json(413, "too_large", "The request body is too large.", {"body": "Too large."})
    return _json(400, "bad_request", "The request could not be read.")


def not_found(request, exception=None, **kwargs):
    if not _api(request):
        return defaults.page_not_found(request, exception, **kwargs)
    return _json(404, "not_found", "Not found.")


def server_error(request, **kwargs):
    if not _api(request):
        return defaults.server_error(request, **kwargs)
    # Django calls this inside its `except`, so the exception being handled is visible.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return _json(503, "unavailable", "The database is unavailable; try again shortly.")
    return _json(500, "server_error", "Something went wrong; nothing more is known yet.")
