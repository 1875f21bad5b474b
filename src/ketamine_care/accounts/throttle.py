"""A fixed-window rate limit in the shared cache, for public account pages (password reset).

The counters live in the shared cache (the database cache by default, see CACHES), so every
worker and every app server counts the same requests."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def allow(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one request for `key` in `scope`; False once `limit` is passed in the window."""
    # The key may be an e-mail address: only its hash goes into the cache.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}"
    cache.add(cache_key, 0, window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        count = 1
    return count <= limit
