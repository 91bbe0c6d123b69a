"""The audit log: one append-only table whose rows are chained by SHA-256 (see docs/audit.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import DomainError


class AppendOnly(DomainError):
    status = 409
    code = "audit.append_only"
    message_vi = "Nhật ký kiểm toán chỉ được ghi thêm; không được sửa hoặc xoá bản ghi."
    message_en = "The audit log is append-only; records cannot be changed or deleted."


class AuditRecordQuerySet(models.QuerySet):
    """Bulk writes would bypass the chain; the only way in is ``services.record``."""

    def update(self, **kwargs):
        raise AppendOnly()

    def delete(self):
        raise AppendOnly()

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnly()

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnly()

    def update_or_create(self, *args, **kwargs):
        raise AppendOnly()

    async def aupdate(self, **kwargs):
        raise AppendOnly()

    async def adelete(self):
        raise AppendOnly()


class Outcome(models.TextChoices):
    OK = "ok", _("Thành công")
    DENIED = "denied", _("Bị từ chối")


class AuditRecord(models.Model):
    # seq is gapless (taken under the chain lock, never from a database sequence), so a missing
    # number means a deleted row.
    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    actor_kind = models.CharField(max_length=20)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Text, not inet: the stored value must read back byte-for-byte as it was hashed.
    ip = models.CharField(max_length=45, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("bản ghi kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        indexes = [
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["actor_id", "seq"], name="audit_actor_seq"),
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_seq"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, **kwargs):
        # Only services.record may insert (it sets _chained after computing seq and hash).
        if not self._state.adding or not getattr(self, "_chained", False):
            raise AppendOnly()
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly()
