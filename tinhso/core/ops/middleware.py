"""Request context and the request log line, request metrics, security headers.

Order in ``settings.MIDDLEWARE``: RequestContextMiddleware first (everything after it, metrics
included, runs with the request id bound), then MetricsMiddleware, then Django's
SecurityMiddleware and ours.
"""

from __future__ import annotations

import logging
import re
import time

from django.conf import settings
from django.db import connections
from django.utils.functional import empty

from tinhso.core import context
from tinhso.core.audit import services as audit
from tinhso.core.ops import metrics

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_logger = logging.getLogger("tinhso.request")

# Probes answered every few seconds by load balancers and Prometheus: logged at DEBUG so that
# they do not drown the requests people make.
QUIET_ROUTES = frozenset({"/healthz", "/healthz/live", "/metrics"})


def client_ip(request) -> str | None:
    """The address of the client.

    Behind our proxy (``BEHIND_PROXY=1``), the last X-Forwarded-For entry is the address the
    proxy itself saw: entries before it were sent by the client and can be forged. The nginx
    configuration in deploy/ replaces the header with that one address.
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


def route_of(request) -> str:
    """The URL pattern that matched the request, e.g. ``/api/v1/agencies/<int:agency_id>``.

    Never the requested path: paths carry identifiers, and logs and metric labels must carry
    neither personal data nor an unbounded number of distinct values.
    """
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return metrics.UNMATCHED_ROUTE
    return "/" + match.route


def user_kind(request) -> str:
    """Who made the request, as a kind only: anonymous, citizen, officer or client."""
    from tinhso.core.permissions import Principal

    auth = getattr(request, "auth", None)  # set by the API's authentication
    if isinstance(auth, Principal):
        return auth.kind
    user = request.__dict__.get("user")
    if user is None:
        return "anonymous"
    if getattr(user, "_wrapped", None) is empty and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # Nobody asked who the user was, and without a session cookie nobody is signed in:
        # do not load the session just to write a log line.
        return "anonymous"
    if not user.is_authenticated:
        return "anonymous"
    return str(getattr(user, "kind", "user"))


class RequestContextMiddleware:
    """Bind the request id and client address for the request, and log one line when it ends.

    The line carries the method, the route pattern, the status, the duration, the kind of user
    and the request id; never the path, the query string, a body or a header value.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        audit.discard_pending_denials()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else context.new_request_id()
        channel = "api" if request.path.startswith(("/api/", "/open311/")) else "web"
        request.request_id = request_id
        with context.bound(
            context.RequestContext(request_id=request_id, ip=client_ip(request), channel=channel)
        ):
            try:
                response = self.get_response(request)
            finally:
                # A denial recorded inside a service's transaction was rolled back with it; the
                # audit log writes it again now that no transaction is open.
                audit.flush_denials()
            self._log(request, response, channel, started)
        response["X-Request-ID"] = request_id
        return response

    def _log(self, request, response, channel: str, started: float) -> None:
        route = route_of(request)
        status = response.status_code
        if route in QUIET_ROUTES and status < 500:
            level = logging.DEBUG
        elif status >= 500:
            level = logging.ERROR
        else:
            level = logging.INFO
        if not request_logger.isEnabledFor(level):
            return
        try:
            kind = user_kind(request)
        except Exception:  # the session store is down: the request line is still worth writing
            kind = "unknown"
        method = (request.method or "")[:16]
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        request_logger.log(
            level,
            "%s %s %s %sms",
            method,
            route,
            status,
            duration_ms,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "user_kind": kind,
                "channel": channel,
            },
        )


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class MetricsMiddleware:
    """Count requests, time them, count their database queries and track those in flight."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        audit.discard_pending_denials()
        queries = _QueryCounter()
        metrics.HTTP_IN_FLIGHT.inc()
        try:
            with connections["default"].execute_wrapper(queries):
                response = self.get_response(request)
        finally:
            metrics.HTTP_IN_FLIGHT.dec()
        method = request.method if request.method in _KNOWN_METHODS else "other"
        route = route_of(request)
        status = str(response.status_code)
        metrics.HTTP_REQUESTS.labels(method, route, status).inc()
        metrics.HTTP_DURATION.labels(method, route, status).observe(time.perf_counter() - started)
        metrics.HTTP_DB_QUERIES.labels(method, route).observe(queries.count)
        return response


# Any other method string a client invents would become a new label value.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: Content-Security-Policy and
    Permissions-Policy. (HSTS, nosniff, Referrer-Policy and Cross-Origin-Opener-Policy come from
    SecurityMiddleware, X-Frame-Options from XFrameOptionsMiddleware.) A view that needs another
    policy sets the header itself and is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        csp = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp
        permissions_policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if permissions_policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions_policy
        return response
