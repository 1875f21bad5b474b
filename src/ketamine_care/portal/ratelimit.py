"""A small fixed-window rate limit for the public portal, per client address.

The counters live in the shared cache (the database cache by default, see CACHES), so every
worker counts the same requests; the address is the real client's (`client_ip`), not the
reverse proxy's."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from ketamine_care.core.middleware import client_ip

WINDOW_SECONDS = 600


def allow(request, scope: str = "portal") -> bool:
    limit = getattr(settings, "PORTAL_REQUESTS_PER_10_MINUTES", 60)
    key = f"ratelimit:{scope}:{client_ip(request) or ''}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= limit
