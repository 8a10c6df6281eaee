"""Operational endpoints shared by every app."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ecrm_oscar.core.health import broker_status


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Report whether the database, the cache and the task broker answer.

    For load balancers and ``make demo``; names no hosts and no credentials.
    """
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unreachable"
    try:
        cache.set("ecrm:health", "1", 5)
        checks["cache"] = "ok" if cache.get("ecrm:health") == "1" else "not storing"
    except Exception:
        checks["cache"] = "unreachable"
    checks["tasks"] = broker_status()
    healthy = all(value in ("ok", "inline") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )
