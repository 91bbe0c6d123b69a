"""Background tasks of the dossiers app (django-tasks; run by ``tinhso worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification(notification_id: int) -> str:
    """Deliver one outbox notification with its channel's sender; safe to run more than once."""
    from tinhso.dossiers.services.notifications import deliver_notification

    return deliver_notification(notification_id)
