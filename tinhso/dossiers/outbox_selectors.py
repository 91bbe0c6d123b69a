"""Reads over the notification outbox: who sees which messages, the filters of the outbox pages,
and what the configured senders do with each channel."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tinhso.core.permissions import as_principal, can
from tinhso.dossiers import notifications, selectors
from tinhso.dossiers.models import Notification, NotificationChannel, NotificationStatus

# Notification.kind values as people read them (the applicant's messages, the officers' reminders).
KIND_LABELS = {
    "received": _("Đã tiếp nhận hồ sơ"),
    "supplement_requested": _("Yêu cầu bổ sung hồ sơ"),
    "refused": _("Từ chối tiếp nhận"),
    "result_ready": _("Đã có kết quả"),
    "extended": _("Xin lỗi, hẹn lại ngày trả"),
    "step_due_soon": _("Nhắc việc: sắp đến hạn"),
    "step_overdue": _("Nhắc việc: quá hạn"),
}


def visible_notifications(actor) -> QuerySet[Notification]:
    """The messages ``actor`` may read: a platform administrator (``dossiers.view_outbox``) all of
    them; an officer those about the dossiers they may see (``selectors.visible_dossiers``); a
    citizen those addressed to them. Newest first."""
    principal = as_principal(actor)
    rows = Notification.objects.select_related("dossier").order_by("-created_at", "-id")
    if principal.kind == "system" or (principal.kind == "officer" and can(principal, "dossiers.view_outbox")):
        return rows
    if principal.kind == "officer" and can(principal, "dossiers.view_notifications"):
        return rows.filter(dossier__in=selectors.visible_dossiers(principal).values("pk"))
    if principal.kind == "citizen" and can(principal, "dossiers.view_own_notifications"):
        return rows.filter(recipient_user=principal.user)
    return rows.none()


def get_notification_for(actor, notification_id: int) -> Notification | None:
    """One message if ``actor`` may read it, else None (the caller answers 404)."""
    return visible_notifications(actor).filter(pk=notification_id).first()


@dataclass(frozen=True)
class OutboxFilters:
    channel: str = ""
    status: str = ""
    kind: str = ""
    code: str = ""  # dossier code, or a part of it

    @classmethod
    def from_query(cls, query) -> OutboxFilters:
        """The filters from a page's query string; unknown values are ignored (no filter)."""
        channel = (query.get("kenh") or "").strip()
        status = (query.get("trang_thai") or "").strip()
        kind = (query.get("loai") or "").strip()
        return cls(
            channel=channel if channel in NotificationChannel.values else "",
            status=status if status in NotificationStatus.values else "",
            kind=kind if kind in KIND_LABELS else "",
            code=(query.get("ma") or "").strip()[:60],
        )


def filter_notifications(rows: QuerySet[Notification], filters: OutboxFilters) -> QuerySet[Notification]:
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.code:
        rows = rows.filter(dossier__code__icontains=filters.code)
    return rows


@dataclass(frozen=True)
class ChannelDelivery:
    channel: str
    label: str
    sender: str  # the configured sender's name, "" when none is configured


def channel_deliveries() -> list[ChannelDelivery]:
    """What ``DOSSIER_NOTIFICATION_SENDERS`` does with each channel (no sender: outbox only)."""
    senders = notifications.configured_senders()
    return [
        ChannelDelivery(
            channel=value,
            label=str(label),
            sender=senders[value].name if value in senders else "",
        )
        for value, label in NotificationChannel.choices
    ]
