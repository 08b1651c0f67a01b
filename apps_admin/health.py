"""`/healthz`: whether this host can serve (the process answers and reaches its database).

The cache is shared by every host: when it is down, every host lacks it equally and the portal
still serves (its Redis backend falls back to each process's memory), so a load balancer must
not take every host out at once. `/healthz` then says "cache": "degraded" with 200;
`/healthz?strict` (for monitoring) keeps the strict answer: 503 while the cache is down.
"""

import logging
import uuid

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps_admin import health_detail, shared_cache

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("health check: database unreachable", exc_info=True)
        return False


def _cache_ok() -> bool:
    if not shared_cache.reachable():  # the cache's backend warns once a minute
        return False
    key = f"healthz:{uuid.uuid4().hex}"
    cache = shared_cache.strict()  # the shared cache itself, not a process's fallback
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:
        if not shared_cache.has_fallback():  # a backend that does not warn by itself
            logger.warning("health check: cache unreachable", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    strict = "strict" in request.GET
    database, cache = _database_ok(), _cache_ok()
    if strict:
        healthy = database and cache
        body = {
            "status": "ok" if healthy else "unavailable",
            "database": "ok" if database else "down",
            "cache": "ok" if cache else "down",
        }
    else:
        # Whether this host can serve: its database. The cache degrades every host alike.
        healthy = database
        status = "unavailable" if not database else "ok" if cache else "degraded"
        body = {
            "status": status,
            "database": "ok" if database else "down",
            "cache": "ok" if cache else "degraded",
        }
    body.update(health_detail.for_request(request))
    return JsonResponse(body, status=200 if healthy else 503)
