"""Per-request context (request id, client IP, acting principal) carried in context variables.

The request middleware sets it; services read it when they write audit records, so the audit
trail knows which request caused a change even when the change is made deep inside a service.
Commands and background tasks run with an empty context unless they set one.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None
    channel: str = "system"  # web, api, cli, task, system


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "tinhso_request", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def current_request_id() -> str | None:
    ctx = _current.get()
    return ctx.request_id if ctx else None


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
