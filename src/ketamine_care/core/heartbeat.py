"""The background worker's heartbeat, in the shared cache: the worker writes the time every
WORKER_HEARTBEAT_SECONDS, and `/healthz` reads it. The cache is the one every app server
shares (the database cache by default, Redis when CACHE_URL names it), so any server can
tell whether some worker is alive.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

KEY = "ketamine-care:worker-heartbeat"


def beat(now: float | None = None) -> None:
    cache.set(KEY, time.time() if now is None else now, timeout=None)


def worker_status(now: float | None = None) -> str:
    """ "ok": a worker beat within WORKER_STALE_SECONDS; "stale": the last beat is older
    (the worker stopped or hangs); "none": no worker has ever beaten on this deployment."""
    last = cache.get(KEY)
    if last is None:
        return "none"
    now = time.time() if now is None else now
    return "ok" if now - float(last) <= settings.WORKER_STALE_SECONDS else "stale"
