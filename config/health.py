"""/healthz for the orchestrator: database and broker reachability, before any other middleware."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app
from kem.vault.canary import RootKeyDoesNotOpen, check_root_key

logger = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """Answer /healthz before host validation and HTTPS redirects.

    The orchestrator probes the container by its internal address over plain HTTP, which is
    neither an allowed host nor HTTPS; the answer holds no data, so it may skip both checks.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and (when configured) broker reachability, and whether the root key opens the
    vault, for load balancers and compose."""
    checks = {"database": _check_database()}
    if checks["database"] == "ok":
        checks["vault"] = _check_vault()
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = _check_broker()
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "error"
    return "ok"


def _check_vault() -> str:
    try:
        check_root_key()
    except RootKeyDoesNotOpen:
        return "error"
    return "ok"


def refuse_to_serve_without_the_root_key() -> None:
    """At start-up (gunicorn's WSGI module, the Celery worker): stop with a clear message if the
    root key does not open the vault. A database that cannot be reached yet is left to /healthz."""
    try:
        check_root_key()
    except RootKeyDoesNotOpen as exc:
        raise ImproperlyConfigured(f"Refusing to start: {exc}") from None
    except DatabaseError:
        logger.warning("The vault's root key could not be checked at start-up: the database is unreachable.")


def _check_broker() -> str:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.KEM_HEALTH_BROKER_TIMEOUT)
    except Exception:
        return "error"
    return "ok"
