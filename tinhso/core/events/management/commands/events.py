"""``tinhso events status | retry [--id ID ...] | sweep``: the outbox for operators."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.core.errors import DomainError
from tinhso.core.events import selectors, services
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.ops.health import last_worker_heartbeat
from tinhso.core.permissions import SYSTEM


def _event_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"{value!r} is not an event id (a UUID)") from None


class Command(BaseCommand):
    help = "See and repair event delivery: status, retry failed events, sweep pending ones."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{status,retry,sweep}")
        status = sub.add_parser("status", help="Counts per status, the oldest pending event, failed events.")
        status.add_argument("--limit", type=int, default=20, help="Failed events to list (default 20).")
        retry = sub.add_parser("retry", help="Retry failed events (all of them, or those given by --id).")
        retry.add_argument("--id", dest="ids", action="append", default=[], help="An event id; repeatable.")
        sweep = sub.add_parser("sweep", help="Enqueue again the pending events that are overdue.")
        sweep.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="Seconds an event must have been due (default EVENTS_SWEEP_AFTER_SECONDS).",
        )

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _status(self, *, limit: int, **options):
        summary = selectors.outbox_summary()
        counts = summary["counts"]
        self.stdout.write(" ".join(f"{status}={counts[status]}" for status in EventStatus.values))
        oldest = summary["oldest_pending_at"]
        if oldest is not None:
            age = int((timezone.now() - oldest).total_seconds())
            self.stdout.write(
                f"oldest pending event: {timezone.localtime(oldest):%Y-%m-%d %H:%M:%S} ({age}s ago)"
            )
        heartbeat = last_worker_heartbeat()
        self.stdout.write(
            f"last worker heartbeat: {timezone.localtime(heartbeat):%Y-%m-%d %H:%M:%S}"
            if heartbeat
            else "last worker heartbeat: never (is `tinhso worker` running?)"
        )
        failed = OutboxEvent.objects.filter(status=EventStatus.FAILED).order_by("-occurred_at")[:limit]
        for event in failed:
            first_line = (event.last_error or "").splitlines()[0] if event.last_error else ""
            self.stdout.write(f"FAILED {event.id} {event.name} attempts={event.attempts} {first_line}")

    def _retry(self, *, ids: list[str], **options):
        try:
            if not ids:
                retried = services.retry_failed_events(actor=SYSTEM)
            else:
                retried = []
                for value in ids:
                    event = OutboxEvent.objects.filter(pk=_event_id(value)).first()
                    if event is None:
                        raise CommandError(f"No event has the id {value}")
                    retried.append(services.retry_event(actor=SYSTEM, event=event))
        except DomainError as error:
            raise CommandError(error.message_en) from None
        for event in retried:
            self.stdout.write(f"queued again: {event.id} {event.name}")
        self.stdout.write(f"{len(retried)} event(s) queued again.")

    def _sweep(self, *, older_than: int | None, **options):
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be zero or more")
        count = services.sweep_pending(older_than_seconds=older_than)
        self.stdout.write(f"{count} pending event(s) enqueued again.")
