"""Stored files: one row per accepted upload, the bytes in Django's storage under a random name."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScanStatus(models.TextChoices):
    # There is no "infected": an infected upload is refused and never stored.
    CLEAN = "clean", _("Đã quét virus, không phát hiện mã độc")
    NOT_SCANNED = "not_scanned", _("Chưa quét virus")


class StoredFile(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Random, sharded by month ("2026/11/<hex>"): never derived from the original name.
    storage_name = models.CharField(max_length=255, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=50, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_files",
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="stored_files"
    )
    scan_status = models.CharField(max_length=20, choices=ScanStatus.choices)
    scanner = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Soft delete: the row disappears from every read at once, the blob goes at the next purge.
    deleted_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "created_at"], name="stored_file_owner_idx"),
            models.Index(fields=["agency", "created_at"], name="stored_file_agency_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="stored_file_size_positive"),
            models.CheckConstraint(
                condition=models.Q(scan_status__in=ScanStatus.values), name="stored_file_scan_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.public_id})"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
