"""Request rate limits of the Open311 endpoint: per API key, and per client address for callers
without a key.

A fixed one-minute window counted in the Django cache (shared by every app server: the database
cache, or Redis when configured). The window is coarse on purpose: it protects the service from a
runaway client, it is not billing. Every refused request gets the seconds left in the window as
``Retry-After``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from tinhso.feedback.open311.errors import TooManyRequests

WINDOW_SECONDS = 60
DEFAULT_ANONYMOUS_PER_MINUTE = 60

# The clock, replaceable in tests so that a test never straddles two windows.
clock: Callable[[], float] = time.time


def anonymous_limit() -> int:
    """Requests per minute from one address without an API key (``OPEN311_ANONYMOUS_RATE_PER_MINUTE``)."""
    return int(getattr(settings, "OPEN311_ANONYMOUS_RATE_PER_MINUTE", DEFAULT_ANONYMOUS_PER_MINUTE))


def hit(bucket: str, limit: int) -> None:
    """Count one request in ``bucket``; raise :class:`TooManyRequests` past ``limit`` this minute."""
    now = clock()
    window = int(now // WINDOW_SECONDS)
    # Hashed: a cache key must stay short and printable whatever the bucket holds (an address).
    key = "open311:rate:" + hashlib.sha256(bucket.encode()).hexdigest()[:32] + f":{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now))
        raise TooManyRequests(retry_after)


def hit_key(key_id: int, limit: int) -> None:
    hit(f"key:{key_id}", limit)


def hit_address(address: str | None) -> None:
    hit(f"ip:{address or 'unknown'}", anonymous_limit())
