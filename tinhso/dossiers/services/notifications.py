"""The notification outbox: queue messages to applicants and officers, deliver them, remind officers."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.core.accounts import citizen_ids
from tinhso.core.accounts.models import OfficerRole
from tinhso.core.audit import services as audit
from tinhso.core.permissions import require
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import notifications
from tinhso.dossiers.models import (
    Dossier,
    DossierState,
    DossierStep,
    Notification,
    NotificationChannel,
    NotificationStatus,
)

logger = logging.getLogger("tinhso.dossiers")

MAX_ATTEMPTS = 5
REMINDABLE_STATES = (DossierState.PROCESSING, DossierState.AWAITING_PAYMENT, DossierState.PROCESSED)


def _queue(
    *,
    dossier: Dossier | None,
    kind: str,
    channel: str,
    address: str,
    masked: str,
    subject: str,
    body: str,
    dedupe_key: str,
    recipient_user=None,
) -> Notification | None:
    """One outbox row; None when ``dedupe_key`` was already used (idempotent)."""
    sender = notifications.configured_senders().get(channel)
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                dossier=dossier,
                kind=kind,
                channel=channel,
                recipient_user=recipient_user,
                recipient_masked=masked,
                recipient_encrypted=citizen_ids.encrypt(address),
                subject=subject[:255],
                body=body,
                status=NotificationStatus.PENDING if sender else NotificationStatus.OUTBOX,
                dedupe_key=dedupe_key[:150],
            )
    except IntegrityError:
        return None
    if sender:
        transaction.on_commit(lambda: _enqueue(row.pk))
    return row


def _enqueue(notification_id: int) -> None:
    from tinhso.dossiers.tasks import send_notification

    send_notification.enqueue(notification_id)


def notify_applicant(*, dossier: Dossier, kind: str, dedupe: str, **context) -> list[Notification]:
    """Queue the message of ``kind`` to the applicant by e-mail and SMS (those the dossier has)."""
    subject, body = notifications.applicant_message(kind, dossier, **context)
    rows = []
    if dossier.applicant_email:
        rows.append(
            _queue(
                dossier=dossier,
                kind=kind,
                channel=NotificationChannel.EMAIL,
                address=dossier.applicant_email,
                masked=notifications.mask_email(dossier.applicant_email),
                subject=subject,
                body=body,
                dedupe_key=f"{kind}:email:{dedupe}",
                recipient_user=dossier.applicant,
            )
        )
    if dossier.applicant_phone_encrypted:
        phone = citizen_ids.decrypt(dossier.applicant_phone_encrypted)
        rows.append(
            _queue(
                dossier=dossier,
                kind=kind,
                channel=NotificationChannel.SMS,
                address=phone,
                masked=notifications.mask_phone(phone),
                subject=subject,
                body=body,
                dedupe_key=f"{kind}:sms:{dedupe}",
                recipient_user=dossier.applicant,
            )
        )
    return [row for row in rows if row is not None]


def deliver_notification(notification_id: int) -> str:
    """Send one pending notification with the configured sender of its channel; safe to repeat."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None or row.status not in (NotificationStatus.PENDING, NotificationStatus.FAILED):
            return "skipped"
        sender = notifications.configured_senders().get(row.channel)
        if sender is None:
            row.status = NotificationStatus.OUTBOX
            row.save(update_fields=["status"])
            return "outbox"
        row.attempts += 1
        try:
            sender.send(
                recipient=citizen_ids.decrypt(row.recipient_encrypted), subject=row.subject, body=row.body
            )
        except Exception as exc:  # noqa: BLE001 - any sender failure is recorded, never raised to the worker
            row.status = NotificationStatus.FAILED
            row.last_error = type(exc).__name__[:255]
            row.save(update_fields=["status", "attempts", "last_error"])
            logger.warning(
                "dossiers.notification_failed",
                extra={"notification": row.pk, "channel": row.channel, "error": type(exc).__name__},
            )
            return "failed"
        row.status = NotificationStatus.SENT
        row.sent_at = timezone.now()
        row.sent_by = sender.name[:60]
        row.last_error = ""
        row.save(update_fields=["status", "attempts", "sent_at", "sent_by", "last_error"])
        return "sent"


def deliver_pending(*, actor: Any) -> dict[str, int]:
    """Retry pending and failed notifications (fewer than MAX_ATTEMPTS attempts)."""
    require(actor, "dossiers.view_outbox")
    counts: dict[str, int] = {}
    ids = list(
        Notification.objects.filter(
            status__in=(NotificationStatus.PENDING, NotificationStatus.FAILED), attempts__lt=MAX_ATTEMPTS
        ).values_list("pk", flat=True)[:1000]
    )
    for notification_id in ids:
        result = deliver_notification(notification_id)
        counts[result] = counts.get(result, 0) + 1
    return counts


def _recipients(step: DossierStep):
    if step.assignee_id is not None:
        return [step.assignee] if step.assignee.is_active and step.assignee.email else []
    today = timezone.localdate()
    roles = (
        OfficerRole.objects.filter(agency_id=step.agency_id, role=step.role, user__is_active=True)
        .exclude(user__email="")
        .exclude(valid_from__gt=today)
        .exclude(valid_to__lt=today)
        .select_related("user")
    )
    return [role.user for role in roles]


@transaction.atomic
def remind_due_steps(*, actor: Any, now: dt.datetime | None = None, soon_days: int = 1) -> dict[str, int]:
    """Queue reminders to the owners of open steps: once when a step is due within ``soon_days``
    working days ("step_due_soon") and once when it is overdue ("step_overdue"), per step,
    threshold, reopening and recipient. Running it again queues nothing new."""
    require(actor, "dossiers.view_outbox")
    at = now or timezone.now()
    horizon = calendar.add_working_days(at, soon_days)
    steps = (
        DossierStep.objects.filter(
            started_at__isnull=False,
            finished_at__isnull=True,
            due_at__isnull=False,
            due_at__lte=horizon,
            dossier__state__in=REMINDABLE_STATES,
        )
        .select_related("dossier", "assignee")
        .order_by("due_at")
    )
    counts = {"step_due_soon": 0, "step_overdue": 0}
    for step in steps:
        kind = "step_overdue" if step.due_at < at else "step_due_soon"
        subject, body = notifications.officer_message(kind, step.dossier, step.name, step.due_at)
        for user in _recipients(step):
            row = _queue(
                dossier=step.dossier,
                kind=kind,
                channel=NotificationChannel.EMAIL,
                address=user.email,
                masked=notifications.mask_email(user.email),
                subject=subject,
                body=body,
                dedupe_key=f"{kind}:{step.pk}:{step.reopened_count}:{user.pk}",
                recipient_user=user,
            )
            if row is not None:
                counts[kind] += 1
    if any(counts.values()):
        audit.record(actor=actor, action="dossiers.reminders_queued", changes=counts)
    return counts
