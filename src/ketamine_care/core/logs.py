"""Logs without patient data.

One JSON line per request (`ketamine_care.request`): request id, user id, clinic id, the URL
*pattern* (never the path or the query string, which can hold a portal token or a searched
name), status and duration. Django's own request loggers are rewritten the same way, and the
optional Sentry events are scrubbed to the same fields.
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# Attributes a record may carry that hold the request itself (its repr names the path and
# the query string) or a socket: never serialised.
_UNSAFE_ATTRIBUTES = ("request", "server_time")


class PlainRequestFilter(logging.Filter):
    """Django's `django.request`, `django.security` and `django.server` records name the
    request path ("Not Found: /self-report/<token>/") or the whole request line with its
    query string. Keep the level, the status and any traceback; drop the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.server"):
            # The development server's request line; the application's own line (with the
            # route) is `ketamine_care.request`, and static files are answered here only.
            record.msg = f"{status or 'error'} from the development server"
            record.args = ()
        elif record.name.startswith(("django.request", "django.security")):
            route = _route_of(request) if request is not None else None
            record.msg = f"{status or 'error'} {route or '(unmatched route)'}"
            record.args = ()
        for name in _UNSAFE_ATTRIBUTES:
            if hasattr(record, name):
                delattr(record, name)
        return True


def _route_of(request: Any) -> str | None:
    match = getattr(request, "resolver_match", None)
    return getattr(match, "route", None) or None


def request_fields(request: Any, status: int, duration_ms: float) -> dict[str, Any]:
    """What the request log line says about one request: identifiers and the route only.
    The signed-in member is the browser session's (`request.membership`) or the API token's
    (`request.auth`)."""
    member = getattr(request, "membership", None) or getattr(request, "auth", None)
    clinic = getattr(member, "clinic", None)
    user_id = getattr(member, "user_id", None)  # the id only: no query for the user row
    if user_id is None:
        user = getattr(request, "user", None)
        user_id = user.pk if getattr(user, "is_authenticated", False) else None
    return {
        "request_id": getattr(request, "request_id", None),
        "method": request.method,
        "route": _route_of(request),
        "status": status,
        "duration_ms": round(duration_ms, 1),
        "user_id": user_id,
        "clinic_id": str(clinic.public_id) if clinic is not None else None,
    }


def logging_config(level: str, *, requests: bool = True) -> dict[str, Any]:
    """The LOGGING setting: JSON lines on stderr, every record through the path filter; one
    line per request unless `requests` is off (then only failed requests, from Django)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"plain_request": {"()": PlainRequestFilter}},
        "formatters": {
            "json": {
                "()": JsonFormatter,
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["plain_request"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "ketamine_care.request": {
                "handlers": ["console"],
                "level": "INFO" if requests else "WARNING",
                "propagate": False,
            },
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def scrub_sentry_event(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """Sentry `before_send`: keep the error, its stack and the route; drop the request body,
    query string, cookies, headers, URL, user details and breadcrumbs (SQL, log lines)."""
    request = event.get("request") or {}
    event["request"] = {"method": request.get("method")}
    user = event.get("user") or {}
    event["user"] = {"id": user.get("id")} if user.get("id") is not None else {}
    event.pop("breadcrumbs", None)
    for exception in (event.get("exception") or {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    return event


def init_sentry(dsn: str, *, environment: str) -> None:
    """Send errors to Sentry with nothing personal: `send_default_pii` off, no request bodies,
    no local variables, and every event through `scrub_sentry_event`."""
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as exc:  # the optional extra is not installed
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install 'ketamine-care[sentry]'"
        ) from exc
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(transaction_style="url")],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_sentry_event,
        before_send_transaction=scrub_sentry_event,
        traces_sample_rate=0.0,
    )
