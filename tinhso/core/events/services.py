"""Domain events through a transactional outbox.

:func:`publish` writes the event in the caller's transaction and, once that transaction commits,
enqueues a background task that calls :func:`deliver_event`. Each subscriber runs in its own
savepoint together with the :class:`~tinhso.core.events.models.Delivery` row that records it, so
a delivery that happens twice (the task ran twice, the sweep re-enqueued it) has its effect
once. Failures are retried with exponential backoff and, past the limit, left for an operator.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import logging
import random
import types
import typing
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.core import context
from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict
from tinhso.core.events import registry
from tinhso.core.events.base import DomainEvent, event_class
from tinhso.core.events.models import Delivery, EventStatus, OutboxEvent
from tinhso.core.permissions import require

logger = logging.getLogger("tinhso.events")

MAX_ERROR_LENGTH = 4000


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_attempts() -> int:
    return _setting("EVENTS_MAX_ATTEMPTS", 8)


def sweep_after_seconds() -> int:
    return _setting("EVENTS_SWEEP_AFTER_SECONDS", 60)


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff after the ``attempt``-th failed attempt, with a little jitter so that
    events that failed together (a subscriber's dependency was down) do not retry together."""
    base = _setting("EVENTS_RETRY_BASE_SECONDS", 30)
    cap = _setting("EVENTS_RETRY_MAX_SECONDS", 3600)
    seconds = min(base * 2 ** max(attempt - 1, 0), cap)
    return timedelta(seconds=seconds + random.uniform(0, seconds / 10))


# --- Payloads -------------------------------------------------------------------------


def _jsonable(value: Any, path: str) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return _jsonable(value.value, path)
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise TypeError(f"Event field {path} is a naive datetime; use an aware one")
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError(f"Event field {path} has non-string keys")
        return {key: _jsonable(item, f"{path}.{key}") for key, item in value.items()}
    raise TypeError(f"Event field {path} holds a {type(value).__name__}, which is not JSON-friendly")


def encode_payload(event: DomainEvent) -> dict[str, Any]:
    return {f.name: _jsonable(getattr(event, f.name), f.name) for f in dataclasses.fields(event)}


def _coerce(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _coerce(options[0], value) if len(options) == 1 else value
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    if not isinstance(hint, type) or not isinstance(value, str):
        return value
    if issubclass(hint, datetime):
        return datetime.fromisoformat(value)
    if issubclass(hint, date):
        return date.fromisoformat(value)
    if issubclass(hint, time):
        return time.fromisoformat(value)
    if issubclass(hint, uuid.UUID):
        return uuid.UUID(value)
    if issubclass(hint, Decimal):
        return Decimal(value)
    if issubclass(hint, enum.Enum):
        return hint(value)
    return value


def decode_payload(cls: type[DomainEvent], payload: dict[str, Any]) -> DomainEvent:
    """Rebuild the typed event; keys the class no longer has are ignored (old rows in the outbox)."""
    hints = typing.get_type_hints(cls)
    values = {
        f.name: _coerce(hints.get(f.name, Any), payload[f.name])
        for f in dataclasses.fields(cls)
        if f.name in payload
    }
    return cls(**values)


# --- Publishing -----------------------------------------------------------------------


def publish(event: DomainEvent) -> None:
    """Write ``event`` to the outbox in the caller's transaction; deliver it after commit.

    If the transaction rolls back, the event disappears with the change it described and nothing
    is enqueued.
    """
    params = type(event).__dict__.get("__dataclass_params__")
    # The class itself must be a frozen dataclass: an undecorated subclass inherits the parent's
    # fields but silently drops its own.
    if not isinstance(event, DomainEvent) or params is None or not params.frozen:
        raise TypeError(f"publish() expects a frozen DomainEvent dataclass instance, not {event!r}")
    name = getattr(type(event), "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{type(event).__qualname__} has no event name")
    payload = encode_payload(event)
    now = timezone.now()
    row = OutboxEvent.objects.create(
        name=name,
        payload=payload,
        occurred_at=now,
        request_id=context.current_request_id() or "",
        status=EventStatus.PENDING,
        next_attempt_at=now,
    )
    # robust: the event is committed already; if enqueuing fails, the sweep enqueues it later.
    transaction.on_commit(functools.partial(_enqueue, row.id), robust=True)


def _enqueue(event_id: uuid.UUID, run_after: datetime | None = None) -> None:
    from tinhso.core.events.tasks import enqueue_delivery

    enqueue_delivery(event_id, run_after=run_after)


# --- Delivering -----------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def deliver_event(event_id: uuid.UUID | str) -> str:
    """Deliver one event to every subscriber that has not handled it yet; returns the outcome.

    Called by the delivery task, which may run more than once for the same event. The event row
    is locked for the whole delivery (``SKIP LOCKED`` on PostgreSQL: a second worker moves on;
    SQLite serialises writers), and each subscriber's work commits together with its
    :class:`Delivery` row, so no subscriber's effect is ever applied twice.
    """
    try:
        event_id = uuid.UUID(str(event_id))
    except ValueError:
        logger.warning("Delivery task for a malformed event id %r ignored", event_id)
        return "missing"
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
        if event is None:
            return "missing"  # deleted, or another worker is delivering it right now
        if event.status != EventStatus.PENDING:
            return "skipped"
        now = timezone.now()
        if event.next_attempt_at is not None and event.next_attempt_at > now:
            return "not_due"  # an early duplicate task must not use up a retry
        return _deliver_locked(event, now)


def _deliver_locked(event: OutboxEvent, now: datetime) -> str:
    attempt = event.attempts + 1
    done = set(Delivery.objects.filter(event=event).values_list("subscriber", flat=True))
    todo = [sub for sub in registry.subscribers_for(event.name) if sub.name not in done]
    errors: list[str] = []
    typed: DomainEvent | None = None
    if todo:
        cls = event_class(event.name)
        try:
            if cls is None:
                raise LookupError(f"No event class is named {event.name!r}")
            typed = decode_payload(cls, event.payload)
        except Exception as exc:
            logger.exception("Event %s (%s) cannot be decoded", event.id, event.name)
            errors.append(f"payload: {_describe(exc)}")
            todo = []
    request = context.RequestContext(request_id=event.request_id or context.new_request_id(), channel="task")
    for sub in todo:
        info = registry.DeliveryInfo(
            event_id=str(event.id),
            event_name=event.name,
            occurred_at=event.occurred_at,
            request_id=event.request_id,
            attempt=attempt,
            subscriber=sub.name,
        )
        try:
            with transaction.atomic(), context.bound(request), registry.delivering(info):
                Delivery.objects.create(event=event, subscriber=sub.name, attempt=attempt, delivered_at=now)
                sub.func(typed)
        except Exception as exc:
            # One subscriber failing must not stop the others: its savepoint is rolled back
            # (its writes and its Delivery row with it) and it is retried later.
            logger.warning(
                "Subscriber %s failed on event %s (%s), attempt %d",
                sub.name,
                event.id,
                event.name,
                attempt,
                exc_info=True,
            )
            errors.append(f"{sub.name}: {_describe(exc)}")

    event.attempts = attempt
    fields = ["attempts", "status", "next_attempt_at", "delivered_at", "last_error"]
    if not errors:
        event.status = EventStatus.DELIVERED
        event.delivered_at = timezone.now()
        event.next_attempt_at = None
        event.save(update_fields=fields)
        return "delivered"
    event.last_error = "\n".join(errors)[:MAX_ERROR_LENGTH]
    if attempt >= max_attempts():
        event.status = EventStatus.FAILED
        event.next_attempt_at = None
        event.save(update_fields=fields)
        logger.error(
            "Event %s (%s) failed after %d attempts; retry it with `tinhso events retry --id %s`",
            event.id,
            event.name,
            attempt,
            event.id,
        )
        return "failed"
    event.next_attempt_at = now + retry_delay(attempt)
    event.save(update_fields=fields)
    transaction.on_commit(functools.partial(_enqueue, event.id, event.next_attempt_at), robust=True)
    return "retry"


def settle_pending(subscribers: Iterable[str]) -> int:
    """Record every event not yet handled by these subscribers as handled, without calling them.

    For a read model rebuilt from the data itself: the events already visible describe changes
    the rebuild has read, so applying them afterwards would count them twice. Call it in the
    rebuild's transaction, before reading, on a snapshot that also covers the data (see
    ``tinhso.ioc.services.rebuild``). Returns the number of deliveries recorded.
    """
    names = sorted(set(subscribers))
    if not names:
        return 0
    by_event: dict[str, list[str]] = {}
    for sub in names:
        for event_name, subs in registry.registered_subscribers().items():
            if any(s.name == sub for s in subs):
                by_event.setdefault(event_name, []).append(sub)
    rows = []
    now = timezone.now()
    for event_name, subs in by_event.items():
        pending = OutboxEvent.objects.filter(name=event_name).exclude(status=EventStatus.DELIVERED)
        for sub in subs:
            for event_id in pending.exclude(deliveries__subscriber=sub).values_list("id", flat=True):
                rows.append(Delivery(event_id=event_id, subscriber=sub, attempt=0, delivered_at=now))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def sweep_pending(*, older_than_seconds: int | None = None, limit: int = 500) -> int:
    """Re-enqueue pending events due for more than ``older_than_seconds``; returns how many.

    Covers a process that died between a commit and its enqueue, a lost task, and retries on a
    task backend that cannot defer tasks. A re-enqueued event that is in fact still queued is
    delivered once anyway: the second task finds it delivered and does nothing.
    """
    after = sweep_after_seconds() if older_than_seconds is None else older_than_seconds
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(status=EventStatus.PENDING, next_attempt_at__lte=now - timedelta(seconds=after))
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            # Moving the due time forward keeps the next sweep from enqueuing them again at once.
            OutboxEvent.objects.filter(pk__in=ids).update(next_attempt_at=now)
            for event_id in ids:
                transaction.on_commit(functools.partial(_enqueue, event_id), robust=True)
    if ids:
        logger.info("Sweep re-enqueued %d pending event(s)", len(ids))
    return len(ids)


# --- Operators ------------------------------------------------------------------------


@transaction.atomic
def retry_event(*, actor: Any, event: OutboxEvent) -> OutboxEvent:
    """Put a failed (or stuck pending) event back in the queue with a fresh set of attempts."""
    require(actor, "events.retry", event)
    locked = OutboxEvent.objects.select_for_update().get(pk=event.pk)
    if locked.status == EventStatus.DELIVERED:
        raise Conflict(
            "Sự kiện đã được chuyển đến mọi bên nhận; không cần chuyển lại.",
            "The event was already delivered to every subscriber; there is nothing to retry.",
            code="events.already_delivered",
        )
    before = {"status": locked.status, "attempts": locked.attempts}
    locked.status = EventStatus.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit.record(
        actor=actor,
        action="events.retried",
        obj=locked,
        changes={"status": [before["status"], locked.status], "attempts": [before["attempts"], 0]},
        summary=f"{locked.name} {locked.id}",
    )
    transaction.on_commit(functools.partial(_enqueue, locked.id), robust=True)
    return locked


def retry_failed_events(*, actor: Any, limit: int = 1000) -> list[OutboxEvent]:
    """Retry every failed event (oldest first), each in its own transaction."""
    require(actor, "events.retry")
    failed = list(OutboxEvent.objects.filter(status=EventStatus.FAILED).order_by("occurred_at")[:limit])
    return [retry_event(actor=actor, event=event) for event in failed]
