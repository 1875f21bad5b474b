"""A small fixed-window rate limit for the public portal, per client address (Django cache)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 600


def allow(request, scope: str = "portal") -> bool:
    limit = getattr(settings, "PORTAL_REQUESTS_PER_10_MINUTES", 60)
    key = f"ratelimit:{scope}:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= limit
