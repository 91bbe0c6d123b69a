"""The subscribers registry: which functions react to which events.

Apps declare subscribers in their ``subscribers.py`` (autoloaded at start-up)::

    from tinhso.core.accounts.events import CitizenRegistered
    from tinhso.core.events.registry import subscriber

    @subscriber(CitizenRegistered, name="notifications.welcome_citizen")
    def welcome_citizen(event: CitizenRegistered) -> None:
        ...

A subscriber runs inside a transaction that also records its delivery, so it must do its work
through services (acting as ``SYSTEM``) and must not call out to other systems directly: enqueue
a task or use ``transaction.on_commit`` for that.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from tinhso.core.events.base import DomainEvent

Handler = Callable[[DomainEvent], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    """Stable identifier stored with each delivery; renaming it redelivers pending events."""
    event_name: str
    func: Handler


@dataclass(frozen=True)
class DeliveryInfo:
    """What a running subscriber may want to know about the event beyond its payload."""

    event_id: str
    event_name: str
    occurred_at: datetime
    request_id: str
    attempt: int
    subscriber: str


_SUBSCRIBERS: dict[str, dict[str, Subscriber]] = {}
_current: contextvars.ContextVar[DeliveryInfo | None] = contextvars.ContextVar(
    "tinhso_event_delivery", default=None
)


def _event_name(event: type[DomainEvent] | str) -> str:
    if isinstance(event, str):
        return event
    if (
        isinstance(event, type)
        and issubclass(event, DomainEvent)
        and isinstance(event.__dict__.get("name"), str)
    ):
        return event.name
    raise TypeError(f"subscriber() expects a DomainEvent subclass or an event name, not {event!r}")


def subscriber(event: type[DomainEvent] | str, *, name: str | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated function to receive every ``event`` after its transaction commits.

    ``name`` defaults to ``module.function``; give one explicitly to keep it stable when the code
    moves. The function receives the event as its typed dataclass.
    """
    event_name = _event_name(event)

    def decorator(func: Handler) -> Handler:
        sub_name = name or f"{func.__module__}.{func.__qualname__}"
        if len(sub_name) > 200:
            raise ValueError(f"Subscriber name {sub_name!r} is longer than 200 characters")
        by_name = _SUBSCRIBERS.setdefault(event_name, {})
        existing = by_name.get(sub_name)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"Subscriber {sub_name!r} is registered twice for {event_name!r}")
        by_name[sub_name] = Subscriber(name=sub_name, event_name=event_name, func=func)
        return func

    return decorator


def subscribers_for(event_name: str) -> list[Subscriber]:
    return list(_SUBSCRIBERS.get(event_name, {}).values())


def registered_subscribers() -> dict[str, list[Subscriber]]:
    return {event_name: list(subs.values()) for event_name, subs in _SUBSCRIBERS.items()}


@contextlib.contextmanager
def temporary_subscribers() -> Iterator[None]:
    """Let a test register subscribers that disappear when it ends."""
    saved = {event_name: dict(subs) for event_name, subs in _SUBSCRIBERS.items()}
    try:
        yield
    finally:
        _SUBSCRIBERS.clear()
        _SUBSCRIBERS.update(saved)


def current_delivery() -> DeliveryInfo | None:
    """The delivery being processed, inside a subscriber; None elsewhere.

    ``event_id`` is a good idempotency key for anything the subscriber sends on to another system.
    """
    return _current.get()


@contextlib.contextmanager
def delivering(info: DeliveryInfo) -> Iterator[DeliveryInfo]:
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)
