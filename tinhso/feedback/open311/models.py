"""Open311 GeoReport v2: the API keys issued to client applications, and which report each
application submitted.

These models belong to the ``feedback`` app (``tinhso/feedback/models.py`` imports this module so
that Django loads them); they are written only by :mod:`tinhso.feedback.open311.services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_RATE_LIMIT_PER_MINUTE = 60


class Open311ApiKey(models.Model):
    """The ``api_key`` of one client application (a mobile app, a partner's web site).

    Only the SHA-256 digest of the key is stored, with a short prefix a person can recognise in a
    list; the key itself is shown once, when it is issued.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên ứng dụng"), max_length=150)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(default=DEFAULT_RATE_LIMIT_PER_MINUTE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("khóa Open311")
        verbose_name_plural = _("khóa Open311")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_limit_per_minute__gte=1), name="feedback_open311_key_rate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Submission(models.Model):
    """A report submitted through Open311: by which application, with which ``media_url``.

    The ``media_url`` a client sends is kept as a reference for the handlers and never fetched
    (no server-side requests to addresses a client chooses) nor republished.
    """

    report = models.OneToOneField(
        "feedback.Report", on_delete=models.CASCADE, related_name="open311_submission"
    )
    api_key = models.ForeignKey(Open311ApiKey, on_delete=models.PROTECT, related_name="submissions")
    media_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["api_key", "created_at"], name="feedback_open311_sub_key_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} via {self.api_key_id}"
