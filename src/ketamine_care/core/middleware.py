"""Request id: one id per request, carried into every audit event the request writes and
into the request log line; the real client address, used by the audit trail, the sign-in
lock-out and the throttles; and the cache header of dynamic responses."""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ketamine_care.core.logs import request_fields

_request_log = logging.getLogger("ketamine_care.request")
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
    """The address of the client, not of the reverse proxy in front of us.

    X-Forwarded-For is read only when the peer (REMOTE_ADDR) is one of TRUSTED_PROXIES: anyone
    else can write any address into it. Each proxy appends the address it saw, so the list is
    read from the right and the first address that is not a trusted proxy is the client's;
    what lies further left was written by the client and is not believed. Keyed on the
    proxy's own address, one scanner would lock out every patient behind it."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None or not _is_trusted(peer):
        return str(peer) if peer is not None else None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # a malformed hop: believe nothing further left
            return str(peer)
        if not _is_trusted(address):
            return str(address)
        peer = address
    return str(peer)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address) -> bool:
    return any(address in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


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
    return "/" + settings.STATIC_URL.lstrip("/")


class RequestLogMiddleware:
    """One structured line per request on `ketamine_care.request` (see `core/logs.py`): ids,
    route pattern, status and duration, and no patient data."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        _request_log.info(
            "request", extra=request_fields(request, response.status_code, duration_ms)
        )
        return response
