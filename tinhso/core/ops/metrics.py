"""Prometheus metrics: what the app servers count per request, and what is read at scrape time.

Request metrics are labelled by method, route and status. The route is the URL *pattern* that
matched (``/api/v1/agencies/<int:agency_id>``), never the requested path: a path carries
identifiers (and could carry personal data), and one series per identifier would grow without
bound.

Several processes: gunicorn runs several worker processes, each with its own counters. When
``PROMETHEUS_MULTIPROC_DIR`` is set (before the process starts), prometheus_client writes every
value to files in that directory and a scrape of any worker adds up all of them (see
docs/operations.md and deploy/gunicorn.conf.py, which removes a dead worker's files).
"""

from __future__ import annotations

import logging
import math
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger("tinhso.metrics")

# The "_created" timestamp series would double the number of series for no alert or graph we use.
disable_created_metrics()

REGISTRY = CollectorRegistry()

UNMATCHED_ROUTE = "<unmatched>"

HTTP_REQUESTS = Counter(
    "tinhso_http_requests",
    "HTTP requests answered, by method, route pattern and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "tinhso_http_request_duration_seconds",
    "Time from the first middleware to the response, by method, route pattern and status code.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge(
    "tinhso_http_requests_in_flight",
    "Requests being answered right now.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
HTTP_DB_QUERIES = Histogram(
    "tinhso_http_request_db_queries",
    "Database queries made while answering one request, by method and route pattern.",
    ["method", "route"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200),
    registry=REGISTRY,
)

# Outbox statuses that need no more work; every other status is backlog.
_DONE_STATUSES = ("delivered",)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "") or os.environ.get("prometheus_multiproc_dir", "")


if not multiprocess_dir():
    # Memory, CPU and file descriptors of this process; in multiprocess mode they would describe
    # only the process that happens to answer the scrape, so they are left out there.
    ProcessCollector(registry=REGISTRY)
    GCCollector(registry=REGISTRY)


class ScrapeTimeCollector:
    """Gauges read from the database when Prometheus scrapes, shared by every app server:
    the outbox backlog and the age of the worker heartbeat. Each app server reports the same
    values, so alerts use ``max()`` over them."""

    def collect(self):
        yield from self._outbox()
        yield from self._worker()

    def _outbox(self):
        try:
            from tinhso.core.events.models import OutboxEvent
        except ImportError:
            return
        fields = {field.name for field in OutboxEvent._meta.get_fields()}
        if "status" not in fields:
            return
        from django.db.models import Count, Min
        from django.utils import timezone

        try:
            backlog = OutboxEvent.objects.exclude(status__in=_DONE_STATUSES)
            counts = dict(backlog.values_list("status").annotate(n=Count("pk")).order_by())
            oldest = None
            if "occurred_at" in fields:
                oldest = backlog.filter(status="pending").aggregate(at=Min("occurred_at"))["at"]
        except Exception:
            logger.warning("Metrics: the outbox cannot be read", exc_info=True)
            return
        statuses = GaugeMetricFamily(
            "tinhso_outbox_events",
            "Outbox events not yet delivered, by status (read from the database at scrape time).",
            labels=["status"],
        )
        for status in sorted({"pending", "failed", *counts}):
            statuses.add_metric([status], counts.get(status, 0))
        yield statuses
        age = 0.0 if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())
        yield GaugeMetricFamily(
            "tinhso_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox event; 0 when none is pending.",
            value=age,
        )

    def _worker(self):
        from tinhso.core.ops.health import worker_heartbeat_age

        try:
            age = worker_heartbeat_age()
        except Exception:
            logger.warning("Metrics: the worker heartbeat cannot be read", exc_info=True)
            return
        yield GaugeMetricFamily(
            "tinhso_worker_heartbeat_age_seconds",
            "Seconds since any worker last recorded its heartbeat; +Inf if none ever did.",
            value=math.inf if age is None else age,
        )


def render() -> tuple[bytes, str]:
    """The exposition text of this app server (all its processes in multiprocess mode)."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scrape_time = CollectorRegistry()
    scrape_time.register(ScrapeTimeCollector())
    return generate_latest(registry) + generate_latest(scrape_time), CONTENT_TYPE_LATEST
