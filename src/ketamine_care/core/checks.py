"""System checks that fail fast on dangerous deployment configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_two_factor(app_configs, **kwargs):
    if not settings.REQUIRE_2FA:
        return [
            Warning(
                "REQUIRE_2FA is off: clinic admins, medical directors and prescribers can sign "
                "in without a second factor.",
                hint="Set REQUIRE_2FA=True in production.",
                id="ketamine_care.W001",
            )
        ]
    return []


@register(Tags.database)
def check_debug_database(app_configs, **kwargs):
    db = settings.DATABASES["default"]
    host = db.get("HOST") or ""
    local = settings.DEBUG or getattr(settings, "DEMO", False)
    if local and host not in ("", "localhost", "127.0.0.1", "::1"):
        return [
            Error(
                "DEBUG (or the demo) is on while connected to a non-local database.",
                hint="Never run DEBUG against a clinic's database: it can leak patient data.",
                id="ketamine_care.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The cache is per process: each worker counts portal and witness throttles "
                "on its own, so N workers allow N times the limit.",
                hint="Leave CACHE_URL unset (database cache) or name redis:// or memcached://.",
                id="ketamine_care.W020",
            )
        ]
    return []


@register()
def check_default_clinic_time_zone(app_configs, **kwargs):
    from ketamine_care.core.clock import is_time_zone

    name = getattr(settings, "DEFAULT_CLINIC_TIME_ZONE", "") or "UTC"
    if not is_time_zone(name):
        return [
            Error(
                f"DEFAULT_CLINIC_TIME_ZONE={name!r} is not an IANA time zone.",
                hint="Use a name such as America/Los_Angeles or Europe/Berlin (not PST, not "
                "an offset).",
                id="ketamine_care.E021",
            )
        ]
    return []
