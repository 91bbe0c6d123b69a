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


def _calendar() -> Result:
    """Deadlines are computed for every dossier and report: our cached calendar vs the naive way,
    stepping day by day and asking the holidays package and the override table each time."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import holidays

    from tinhso.core.workcalendar import services as calendar
    from tinhso.core.workcalendar.models import CalendarOverride

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    start = dt.datetime(2027, 1, 25, 9, 0, tzinfo=tz)  # Tết 2027 lies inside the 15 working days

    def naive(i):
        day, left = start.date(), 15
        while left:
            day += dt.timedelta(days=1)
            override = CalendarOverride.objects.filter(day=day).values_list("kind", flat=True).first()
            if override == "working_day" or (
                override is None and day.weekday() < 5 and day not in holidays.Vietnam(years=day.year)
            ):
                left -= 1
        return dt.datetime.combine(day, start.timetz())

    assert naive(0) == calendar.add_working_days(start, 15), "baseline and calendar disagree"
    return Result(
        "deadline: `add_working_days(moment, 15)` across Tết vs a day-by-day loop",
        rate(lambda i: calendar.add_working_days(start, 15), 20_000),
        rate(naive, 200),
        "cached calendar",
        "naive loop, 1 query a day",
    )


def _audit() -> Result:
    """Every write appends to the SHA-256 chain: the chained append vs a plain insert of the same
    row (both in their own transaction, as a service would)."""
    from django.db import connection, transaction

    from tinhso.core.audit import services as audit
    from tinhso.core.permissions import SYSTEM

    with connection.cursor() as cursor:
        key = "bigserial" if connection.vendor == "postgresql" else "integer"
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS bench_plain_log (id {key} PRIMARY KEY, action text, at text)"
        )

    def chained(i):
        with transaction.atomic():
            audit.record(actor=SYSTEM, action="bench.append", changes={"i": i})

    def plain(i):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain_log (action, at) VALUES (%s, %s)", ["bench.append", str(i)]
            )

    return Result(
        "audit: chained append (lock, last hash, SHA-256) vs a plain insert",
        rate(chained, 500),
        rate(plain, 500),
        "hash chain",
        "plain insert",
    )


def run() -> list[Result]:
    return [*_requests(), _permission(), _log_mask(), _calendar(), _audit()]
