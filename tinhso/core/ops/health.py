"""Liveness of the background worker, shared by every app server through the cache.

The worker (``tinhso worker``) calls :func:`record_worker_heartbeat` on every loop; ``/healthz``
reads :func:`last_worker_heartbeat`. The cache is the database (or Redis), so any app server sees
the heartbeat of a worker running on another machine.
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "tinhso:worker:heartbeat"
HEARTBEAT_TTL_SECONDS = 24 * 3600


def record_worker_heartbeat(worker_id: str = "") -> None:
    cache.set(HEARTBEAT_KEY, {"at": timezone.now().isoformat(), "worker": worker_id}, HEARTBEAT_TTL_SECONDS)


def last_worker_heartbeat() -> datetime | None:
    value = cache.get(HEARTBEAT_KEY)
    if not value:
        return None
    return datetime.fromisoformat(value["at"])
