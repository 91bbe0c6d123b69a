"""Foundation benchmarks: the cost of our middleware stack, of /healthz, of a permission check
and of the log mask, each against a bare equivalent measured in the same run."""

from __future__ import annotations

import logging

from bench.measure import Result, rate


def _client(middleware: list[str] | None = None):
    """A test client whose handler has loaded ``middleware`` (the project's when None)."""
    from django.test import Client, override_settings

    client = Client()
    if middleware is None:
        client.get("/healthz/live")
        return client
    with override_settings(MIDDLEWARE=middleware):
        client.get("/healthz/live")  # the handler builds its middleware chain on first use
    return client


def _requests() -> list[Result]:
    from django.conf import settings

    from tinhso.core.ops.health import record_worker_heartbeat

    record_worker_heartbeat("bench")
    full = _client()
    bare = _client(middleware=[])
    results = [
        Result(
            "`GET /healthz/live`: full middleware stack vs no middleware",
            rate(lambda i: full.get("/healthz/live"), 400),
            rate(lambda i: bare.get("/healthz/live"), 400),
            f"{len(settings.MIDDLEWARE)} middleware",
            "bare view",
        )
    ]

    results.append(
        Result(
            "`GET /healthz` (database, heartbeat, migrations): full middleware stack vs no middleware",
            rate(lambda i: full.get("/healthz"), 400),
            rate(lambda i: bare.get("/healthz"), 400),
            f"{len(settings.MIDDLEWARE)} middleware",
            "bare view",
        )
    )
    return results


def _permission() -> Result:
    from tinhso.core.permissions import Principal, can

    officer = Principal(kind="officer", id="o-1", role_map={1: {"one_stop_officer": False}})
    grants = {("o-1", "web.workspace"): True}
    return Result(
        "permission check: `can(officer, action)` vs a dict lookup",
        rate(lambda i: can(officer, "web.workspace"), 100_000),
        rate(lambda i: grants.get(("o-1", "web.workspace"), False), 100_000),
        "rule registry",
        "dict",
    )


def _log_mask() -> Result:
    from tinhso.core.ops.logging import PersonalDataMaskFilter, RequestContextFilter

    mask, context_only = PersonalDataMaskFilter(), RequestContextFilter()

    def record():
        return logging.LogRecord(
            "tinhso.request", logging.INFO, __file__, 1, "%s %s %s %sms", ("GET", "/healthz", 200, 1.2), None
        )

    def masked(i):
        r = record()
        context_only.filter(r)
        mask.filter(r)

    return Result(
        "log record filters: request id + personal-number mask vs request id only",
        rate(masked, 20_000),
        rate(lambda i: context_only.filter(record()), 20_000),
        "with mask",
        "without mask",
    )


def run() -> list[Result]:
    return [*_requests(), _permission(), _log_mask()]
