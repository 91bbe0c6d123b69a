"""The event outbox through the API, for platform operators: what is pending or failed, and retry."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from tinhso.core.errors import NotFound
from tinhso.core.events import selectors, services
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.permissions import require

router = Router(tags=["events"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


class DeliveryRead(Schema):
    subscriber: str
    attempt: int
    delivered_at: datetime


class OutboxEventBrief(Schema):
    id: UUID
    name: str
    status: EventStatus
    attempts: int
    occurred_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str


class OutboxEventRead(OutboxEventBrief):
    payload: dict[str, Any]
    request_id: str
    deliveries: list[DeliveryRead]


@router.get(
    "/",
    response=list[OutboxEventBrief],
    summary="Danh sách sự kiện trong hàng đợi / Outbox events",
)
@paginate(LimitOffsetPagination)
def list_events(request, status: EventStatus | None = None, name: str | None = None):
    """Outbox events, newest first; filter by `status` (pending, delivered, failed) and event `name`.
    Needs permission `events.view` (scope `events:read` for API clients)."""
    return selectors.outbox_events(actor=_actor(request), status=status, name=name)


@router.get("/{event_id}", response=OutboxEventRead, summary="Chi tiết sự kiện / One outbox event")
def get_event(request, event_id: UUID):
    """One event with its payload and the subscribers that have handled it (permission `events.view`)."""
    event = selectors.get_outbox_event(actor=_actor(request), event_id=event_id)
    return _read(event)


@router.post("/{event_id}/retry", response=OutboxEventRead, summary="Chuyển lại sự kiện / Retry an event")
def retry_event(request, event_id: UUID):
    """Put a failed event back in the queue with a fresh set of attempts; subscribers that already
    handled it are not called again (permission `events.retry`). A delivered event is a 409
    `events.already_delivered`."""
    actor = _actor(request)
    require(actor, "events.retry")  # before the lookup: a refused caller learns nothing about ids
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound("Không tìm thấy sự kiện.", "Event not found.", code="events.not_found")
    services.retry_event(actor=actor, event=event)
    return _read(selectors.get_outbox_event(actor=actor, event_id=event_id))


def _read(event) -> OutboxEventRead:
    return OutboxEventRead(
        id=event.id,
        name=event.name,
        status=event.status,
        attempts=event.attempts,
        occurred_at=event.occurred_at,
        next_attempt_at=event.next_attempt_at,
        delivered_at=event.delivered_at,
        last_error=event.last_error,
        payload=event.payload,
        request_id=event.request_id,
        deliveries=[
            DeliveryRead(subscriber=d.subscriber, attempt=d.attempt, delivered_at=d.delivered_at)
            for d in sorted(event.deliveries.all(), key=lambda d: d.delivered_at)
        ],
    )
