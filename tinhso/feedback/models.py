"""Citizen field reports (phản ánh hiện trường): categories, routing rules, reports and their history.

A citizen reports a problem seen in the street (a broken street light, a flooded road, rubbish)
in a category; routing picks the agency that handles it; the agency acknowledges, assigns,
works on and resolves it under a deadline in working days; the reporter confirms or reopens.
Writes happen only in :mod:`tinhso.feedback.services`; the transitions are in
:mod:`tinhso.feedback.states`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    NEW = "new", _("Mới gửi")
    ACKNOWLEDGED = "acknowledged", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đã phân công xử lý")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    RESOLVED = "resolved", _("Đã xử lý, chờ xác nhận")
    REOPENED = "reopened", _("Được mở lại")
    CLOSED = "closed", _("Đã đóng")
    REJECTED = "rejected", _("Không xử lý")


class RejectionKind(models.TextChoices):
    NOT_COMPETENT = "not_competent", _("Không thuộc thẩm quyền")
    DUPLICATE = "duplicate", _("Trùng với phản ánh khác")
    SPAM = "spam", _("Nội dung rác, không đúng sự thật")
    OTHER = "other", _("Lý do khác")


class CloseKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Người phản ánh xác nhận")
    AUTOMATIC = "automatic", _("Tự động đóng sau thời hạn xác nhận")


class Channel(models.TextChoices):
    WEB = "web", _("Cổng thông tin")
    APP = "app", _("Ứng dụng di động")
    OPEN311 = "open311", _("Open311")
    PHONE = "phone", _("Điện thoại, đường dây nóng")
    OTHER = "other", _("Khác")


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Ảnh phản ánh")
    RESULT = "result", _("Ảnh kết quả xử lý")


class Category(models.Model):
    """A kind of problem (lĩnh vực phản ánh), the Open311 "service"."""

    # Stable: the Open311 service_code and the key of routing rules; never reused for something else.
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=100, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    # The agency that handles reports when no routing rule matches.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="feedback_categories"
    )
    allow_anonymous = models.BooleanField(default=False)
    contact_required = models.BooleanField(
        default=True, help_text="An anonymous reporter must leave an e-mail address or a phone number"
    )
    photo_required = models.BooleanField(default=True)
    deadline_days = models.PositiveSmallIntegerField(help_text="Working days from receipt to resolution")
    # Open311 attribute definitions: [{"code", "datatype", "required", "description", "order",
    # "datatype_description", "variable", "values": [{"key", "name"}]}], see attributes.py.
    attributes = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline_days__gte=1), name="feedback_category_deadline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Reports of ``category`` located in ``unit`` (and, if asked, the units under it) go to ``agency``."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    include_descendants = models.BooleanField(default=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="feedback_rules")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "unit"], name="feedback_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} @ {self.unit_id} → {self.agency_id}"


class Report(models.Model):
    # "PA-2026-7KQ3XM": random, says nothing about the reporter; the Open311 service_request_id.
    public_id = models.CharField(max_length=20, unique=True, editable=False)
    # The Open311 token of the request (our creation is synchronous, so it resolves at once).
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="feedback_reports")
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.NEW)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)

    description = models.TextField()
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Personal data when the reporter keeps their identity private: never public, never logged.
    address = models.CharField(max_length=500, blank=True)
    unit = models.ForeignKey(
        "units.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attributes = models.JSONField(default=dict, blank=True)

    # The reporter: a signed-in person, or an anonymous person with an optional contact.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email_encrypted = models.TextField(blank=True)
    contact_phone_encrypted = models.TextField(blank=True)
    identity_public = models.BooleanField(default=False)

    # Moderation hides content from the public view only; handlers still see it.
    hide_description = models.BooleanField(default=False)
    hide_photos = models.BooleanField(default=False)
    hide_reporter = models.BooleanField(default=False)
    moderation_reason = models.CharField(max_length=500, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_feedback_reports",
    )
    received_at = models.DateTimeField(help_text="receive_moment(created_at): when the clock started")
    due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_kind = models.CharField(max_length=10, choices=CloseKind.choices, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_kind = models.CharField(max_length=20, choices=RejectionKind.choices, blank=True)
    # Written by the agency for the public: the answer to the reporter (or why it was not handled).
    response = models.TextField(blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    reopen_reason = models.CharField(max_length=1000, blank=True)
    # A merged duplicate follows its main report: same status, no actions of its own.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Newest-first lists stop after one page; pagination counts read the index only
            # (bench/feedback.py at 1M reports: 3.5 s -> 0.06-0.12 s a page).
            models.Index(fields=["created_at", "id"], name="feedback_report_created_idx"),
            models.Index(fields=["category", "status", "rejection_kind"], name="feedback_report_public_idx"),
            models.Index(fields=["category", "status", "created_at"], name="feedback_report_cat_idx"),
            models.Index(fields=["agency", "status", "due_at"], name="feedback_report_agency_idx"),
            models.Index(fields=["latitude", "longitude"], name="feedback_report_geo_idx"),
            models.Index(fields=["unit", "created_at"], name="feedback_report_unit_idx"),
            models.Index(fields=["reporter", "created_at"], name="feedback_report_reporter_idx"),
            models.Index(fields=["status", "resolved_at"], name="feedback_report_resolved_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="feedback_report_status_valid"
            ),
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (models.Q(latitude__isnull=False) & models.Q(longitude__isnull=False)),
                name="feedback_report_coordinates_pair",
            ),
            models.CheckConstraint(
                condition=models.Q(reopen_count__lte=1), name="feedback_report_reopen_once"
            ),
        ]

    def __str__(self) -> str:
        # Used in audit records: the public id only, never the description or the address.
        return self.public_id

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ReportPhoto(models.Model):
    """One photo: the private original (EXIF, GPS and all) and public copies without metadata."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    position = models.PositiveSmallIntegerField(default=0)
    original = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    large = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    thumbnail = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self) -> str:
        return str(self.public_id)


class ReportEvent(models.Model):
    """One step of a report's history. ``public_note`` is shown to everyone and never carries
    personal data; ``internal_note`` (reasons, names) only to the handling agency."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_kind = models.CharField(max_length=20)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    public_note = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["report", "at"], name="feedback_event_report_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"


class SubmissionKey(models.Model):
    """An ``Idempotency-Key`` already used by one submitter: a retry returns the same report."""

    scope = models.CharField(max_length=100, help_text="Who submitted: user, client or hashed contact")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="feedback_submission_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope.split(':', 1)[0]} key → report {self.report_id}"


from tinhso.feedback.open311.models import Open311ApiKey, Open311Submission  # noqa: E402, F401
