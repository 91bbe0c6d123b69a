"""Operating the notification outbox: send a failed message again."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tinhso.core.audit import services as audit
from tinhso.core.permissions import require
from tinhso.dossiers import errors, notifications
from tinhso.dossiers.models import Notification, NotificationStatus


@transaction.atomic
def resend_notification(*, actor: Any, notification: Notification) -> Notification:
    """Queue a failed message for delivery again (platform administrators).

    The row goes back to "pending" and the ``send_notification`` task delivers it after commit
    with the sender configured for its channel, as for a new message; the result (sent, or failed
    again with the error's class) is written on the row by ``deliver_notification``. Only a failed
    message can be sent again, and only while a sender for its channel is configured; a message
    already queued again is left as it is (a double click queues it once).
    """
    require(actor, "dossiers.resend_notification", notification)
    row = (
        Notification.objects.select_for_update(of=("self",)).select_related("dossier").get(pk=notification.pk)
    )
    if row.status == NotificationStatus.PENDING:
        return row
    if row.status != NotificationStatus.FAILED:
        raise errors.conflict(
            "notification_not_failed",
            "Chỉ gửi lại được thông báo bị lỗi.",
            "Only a failed notification can be sent again.",
            status=row.status,
        )
    if notifications.configured_senders().get(row.channel) is None:
        raise errors.conflict(
            "notification_no_sender",
            "Chưa cấu hình kênh gửi cho loại thông báo này (DOSSIER_NOTIFICATION_SENDERS).",
            "No sender is configured for this channel (DOSSIER_NOTIFICATION_SENDERS).",
            channel=row.channel,
        )
    previous_error = row.last_error
    row.status = NotificationStatus.PENDING
    row.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="dossiers.notification_resent",
        obj=row.dossier,
        changes={
            "notification": row.pk,
            "code": row.dossier.code if row.dossier_id else "",
            "kind": row.kind,
            "channel": row.channel,
            "attempts": row.attempts,
            "last_error": previous_error,
        },
    )
    transaction.on_commit(lambda: _enqueue(row.pk))
    return row


def _enqueue(notification_id: int) -> None:
    from tinhso.dossiers.tasks import send_notification

    send_notification.enqueue(notification_id)
