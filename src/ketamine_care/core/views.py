"""`/healthz`: for load balancers and monitoring. 200 when this worker can serve: the
database answers and its schema has every migration this code needs; 503 otherwise.

`worker` reports the background worker's heartbeat ("ok", "stale", "none"; "unknown" while
the database or the cache cannot be read) and never fails the check: an app server serves
pages without a worker, and a deployment may run none. Monitoring alerts on "stale"."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from ketamine_care.core.heartbeat import worker_status

# Once the schema is current it stays current for this process's code: migrations are only
# ever applied, and new code comes with a restart. Until then each check looks again.
_schema_current = False


@require_GET
def healthz(request):
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
        migrations = _migrations(connection)
    except Exception:  # noqa: BLE001 - any database failure is "unavailable"
        database, migrations = "unavailable", "unknown"
    worker = _worker() if database == "ok" else "unknown"
    healthy = database == "ok" and migrations == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "migrations": migrations,
        "worker": worker,
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _worker() -> str:
    try:
        return worker_status()
    except Exception:  # noqa: BLE001 - a cache that cannot be read says nothing about it
        return "unknown"


def _migrations(connection) -> str:
    """ "ok", or "pending" while the database lacks a migration of this code."""
    global _schema_current
    if not _schema_current:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _schema_current = not plan
    return "ok" if _schema_current else "pending"
