"""The transactional outbox: one row per published event, one row per successful delivery."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Chờ chuyển")
    DELIVERED = "delivered", _("Đã chuyển")
    FAILED = "failed", _("Thất bại")


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it describes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("tên sự kiện"), max_length=100, db_index=True)
    payload = models.JSONField(_("nội dung"), default=dict)
    occurred_at = models.DateTimeField(_("thời điểm phát sinh"), default=timezone.now)
    request_id = models.CharField(_("mã yêu cầu"), max_length=64, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần chuyển"), default=0)
    # When a worker may next try to deliver a pending event; null once delivered or failed.
    next_attempt_at = models.DateTimeField(_("lần chuyển kế tiếp"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("thời điểm chuyển xong"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        verbose_name = _("sự kiện (outbox)")
        verbose_name_plural = _("sự kiện (outbox)")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="events_outbox_due_idx"),
            models.Index(fields=["-occurred_at"], name="events_outbox_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id}"


class Delivery(models.Model):
    """One event handled by one subscriber, written in the subscriber's own transaction.

    The unique pair is the idempotency guard: a second delivery of the same event to the same
    subscriber finds the row and is skipped, so at-least-once delivery has an effectively-once effect.
    """

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(_("bên nhận"), max_length=200)
    attempt = models.PositiveIntegerField(_("lần chuyển"), default=1)
    delivered_at = models.DateTimeField(_("thời điểm chuyển"), default=timezone.now)

    class Meta:
        verbose_name = _("lượt chuyển sự kiện")
        verbose_name_plural = _("lượt chuyển sự kiện")
        ordering = ["-delivered_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="events_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} ← {self.event_id}"
