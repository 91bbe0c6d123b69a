"""Background tasks of the events app (django-tasks; run by ``tinhso worker``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django_tasks import task


@task()
def deliver_event(event_id: str) -> str:
    """Deliver one outbox event to its subscribers; safe to run more than once."""
    from tinhso.core.events import services

    return services.deliver_event(event_id)


def enqueue_delivery(event_id: uuid.UUID | str, *, run_after: datetime | None = None) -> bool:
    """Enqueue the delivery of ``event_id``; False when the backend cannot defer to ``run_after``.

    The immediate backend (used by tests) runs tasks at once and cannot defer them: a retry is then
    left to the sweep, which enqueues it once it is due.
    """
    scheduled = deliver_event
    if run_after is not None:
        if not scheduled.get_backend().supports_defer:
            return False
        scheduled = scheduled.using(run_after=run_after)
    scheduled.enqueue(str(event_id))
    return True
