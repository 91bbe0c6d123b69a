"""Health of an app server and of the installation around it, for ``/healthz``.

The worker (``tinhso worker``) calls :func:`record_worker_heartbeat` on every loop; ``/healthz``
reads :func:`last_worker_heartbeat`. The cache is the database (or Redis), so any app server sees
the heartbeat of a worker running on another machine.

:func:`health_report` answers three questions: does the database answer (if not, this app server
is useless: "down"), has a worker been seen recently, and are all migrations applied (if either
is not true the installation is "degraded" but this app server can still serve pages). The report
holds no secrets, host names, error texts or dependency versions: it is served to anyone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

logger = logging.getLogger("tinhso.health")

HEARTBEAT_KEY = "tinhso:worker:heartbeat"
HEARTBEAT_TTL_SECONDS = 24 * 3600
DEFAULT_WORKER_HEARTBEAT_MAX_AGE = 120

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def record_worker_heartbeat(worker_id: str = "") -> None:
    cache.set(HEARTBEAT_KEY, {"at": timezone.now().isoformat(), "worker": worker_id}, HEARTBEAT_TTL_SECONDS)


def last_worker_heartbeat() -> datetime | None:
    value = cache.get(HEARTBEAT_KEY)
    if not value:
        return None
    return datetime.fromisoformat(value["at"])


def worker_heartbeat_max_age() -> int:
    return int(getattr(settings, "WORKER_HEARTBEAT_MAX_AGE", DEFAULT_WORKER_HEARTBEAT_MAX_AGE))


def worker_heartbeat_age(now: datetime | None = None) -> float | None:
    """Seconds since the last heartbeat of any worker; None if none was ever recorded."""
    last = last_worker_heartbeat()
    if last is None:
        return None
    return max(0.0, ((now or timezone.now()) - last).total_seconds())


def check_database(alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # The error text may name the host, the user or the database: log it, never serve it.
        logger.warning("Health check: the database does not answer", exc_info=True)
        return {"ok": False}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_worker() -> dict[str, Any]:
    max_age = worker_heartbeat_max_age()
    try:
        last = last_worker_heartbeat()
    except Exception:
        logger.warning("Health check: the worker heartbeat cannot be read", exc_info=True)
        return {"ok": False, "last_heartbeat": None, "age_seconds": None, "max_age_seconds": max_age}
    age = None if last is None else round(max(0.0, (timezone.now() - last).total_seconds()), 1)
    return {
        "ok": age is not None and age <= max_age,
        "last_heartbeat": last.isoformat() if last else None,
        "age_seconds": age,
        "max_age_seconds": max_age,
    }


@dataclass
class _MigrationState:
    applied: bool = False


_migrations = _MigrationState()


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> int:
    """How many migrations of this code are not applied to the database.

    Loading the migration graph reads every migration file, so once everything is applied the
    answer is remembered for the life of the process: new migrations arrive only with new code,
    which restarts the process.
    """
    if _migrations.applied:
        return 0
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        _migrations.applied = True
    return len(plan)


def check_migrations() -> dict[str, Any]:
    try:
        pending = pending_migrations()
    except Exception:
        logger.warning("Health check: the migration state cannot be read", exc_info=True)
        return {"ok": False, "pending": None}
    return {"ok": pending == 0, "pending": pending}


def health_report() -> tuple[str, dict[str, Any]]:
    """The overall status and the checks behind it.

    "down" only when the database does not answer: a load balancer takes a "down" app server out
    of rotation. A stale worker or unapplied migrations give "degraded" with the app server still
    in rotation, since every app server would report the same and taking them all out would turn
    a delay in background work into a full outage.
    """
    database = check_database()
    if not database["ok"]:
        # Without a database the other checks cannot be answered (the heartbeat is in the
        # database cache unless Redis is configured); do not wait for their timeouts too.
        return DOWN, {"database": database, "worker": {"skipped": True}, "migrations": {"skipped": True}}
    checks = {"database": database, "worker": check_worker(), "migrations": check_migrations()}
    status = OK if all(check["ok"] for check in checks.values()) else DEGRADED
    return status, checks
