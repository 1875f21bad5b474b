from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # noqa: BLE001 - any database failure is "unavailable"
        database = "unavailable"
    status = 200 if database == "ok" else 503
    body = {"status": "ok" if database == "ok" else "degraded", "database": database}
    return JsonResponse(body, status=status)
