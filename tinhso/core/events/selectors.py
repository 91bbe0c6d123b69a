"""Reads of the outbox, for operators."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, QuerySet

from tinhso.core.errors import NotFound, ValidationFailed
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.permissions import require


def outbox_events(*, actor: Any, status: str | None = None, name: str | None = None) -> QuerySet[OutboxEvent]:
    """Outbox events, newest first, optionally of one status and one event name."""
    require(actor, "events.view")
    events = OutboxEvent.objects.order_by("-occurred_at", "id")
    if status:
        if status not in EventStatus.values:
            raise ValidationFailed(
                f"Trạng thái không hợp lệ; chọn một trong: {', '.join(EventStatus.values)}.",
                f"Unknown status; choose one of: {', '.join(EventStatus.values)}.",
                code="events.invalid_status",
            )
        events = events.filter(status=status)
    if name:
        events = events.filter(name=name)
    return events


def get_outbox_event(*, actor: Any, event_id: Any) -> OutboxEvent:
    require(actor, "events.view")
    event = OutboxEvent.objects.prefetch_related("deliveries").filter(pk=event_id).first()
    if event is None:
        raise NotFound("Không tìm thấy sự kiện.", "Event not found.", code="events.not_found")
    return event


def outbox_summary() -> dict[str, Any]:
    """Counts per status and the oldest pending event, for ``tinhso events status`` and health checks."""
    counts = dict(OutboxEvent.objects.values_list("status").annotate(n=Count("id")).order_by())
    oldest = OutboxEvent.objects.filter(status=EventStatus.PENDING).aggregate(at=Min("occurred_at"))["at"]
    return {
        "counts": {status: counts.get(status, 0) for status in EventStatus.values},
        "oldest_pending_at": oldest,
    }
