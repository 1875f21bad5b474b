"""Request id: one id per request, carried into every audit event the request writes."""

from __future__ import annotations

import re
import uuid

from django.http import HttpRequest, HttpResponse

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a trusted proxy sets it.
    return request.META.get("REMOTE_ADDR") or None


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response but static files.

    Charts, sessions, the portal form, API answers and CSV exports carry patient data; none of
    it may stay in a browser's or a proxy's cache after sign-out (a shared clinic computer, the
    back button). Marking every dynamic response is simpler and safer than deciding page by
    page which ones show patient data; the cost is that no page is cached, which a clinical
    application does not need. Static files (served by the web server in production) keep
    their caching."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path_info.startswith(_static_prefix()):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"  # for HTTP/1.0 proxies
        return response


def _static_prefix() -> str:
    from django.conf import settings

    return "/" + settings.STATIC_URL.lstrip("/")
