"""``/healthz``, ``/healthz/live`` and ``/metrics``: for machines (load balancers, Prometheus)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tinhso.core.ops import health, metrics
from tinhso.core.ops.access import public_view


@public_view
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The state of this app server and of what it depends on.

    200 for "ok" and "degraded", 503 for "down" (the database does not answer): a load balancer
    takes an app server out only when that server cannot serve. A stale worker is "degraded",
    not "down", because every app server shares the same worker: failing them all would turn a
    delay in background work into a full outage.
    """
    status, checks = health.health_report()
    return JsonResponse({"status": status, "checks": checks}, status=503 if status == health.DOWN else 200)


@public_view
@never_cache
@require_safe
def healthz_live(request: HttpRequest) -> JsonResponse:
    """The process answers; nothing else is checked (for a process supervisor's liveness probe,
    which should restart the process, not wait for the database)."""
    return JsonResponse({"status": "ok"})


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def metrics_access(request: HttpRequest) -> int | None:
    """None when the request may read the metrics, else the status to answer with.

    Prometheus is not a person and holds no account, so the permission layer cannot decide this:
    the view is ``public_view`` for the URL walk and checks here either the shared
    ``METRICS_TOKEN`` or the address of a scraper that connects directly (no X-Forwarded-For, so
    a request relayed by the public proxy never passes as coming from the proxy's own address).
    """
    expected = getattr(settings, "METRICS_TOKEN", "")
    presented = _bearer_token(request)
    if expected and presented:
        return None if hmac.compare_digest(presented.encode(), expected.encode()) else 403
    allowed = getattr(settings, "METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
    direct = "HTTP_X_FORWARDED_FOR" not in request.META
    if direct and request.META.get("REMOTE_ADDR") in allowed:
        return None
    # Do not tell a stranger that there is something here.
    return 404


@public_view
@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition, for the token holder or an allowed address only."""
    refused = metrics_access(request)
    if refused is not None:
        return HttpResponse(status=refused, content_type="text/plain; charset=utf-8")
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
