"""The catalog of administrative procedures (thủ tục hành chính, TTHC) the one-stop office handles.

A procedure says what a citizen must bring (``RequiredDocument``), what the online form asks
(``FormField``), what it costs (``fee_rule``), how long it may take (``processing_days``) and the
internal route a dossier follows (``RouteStep``). Dossiers copy what they need at submission; the
catalog itself is edited only through ``tinhso.procedures.services``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.accounts.models import Role


class AgencyLevel(models.TextChoices):
    PROVINCIAL = "provincial", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class OnlineLevel(models.TextChoices):
    # Decree 42/2022/NĐ-CP: "toàn trình" (formerly level 4) and "một phần" (formerly level 3).
    FULL = "full", _("Trực tuyến toàn trình")
    PARTIAL = "partial", _("Trực tuyến một phần")
    NONE = "none", _("Không cung cấp trực tuyến")


class FormFieldType(models.TextChoices):
    TEXT = "text", _("Văn bản ngắn")
    TEXTAREA = "textarea", _("Văn bản dài")
    NUMBER = "number", _("Số")
    DATE = "date", _("Ngày")
    CHOICE = "choice", _("Lựa chọn")
    BOOLEAN = "boolean", _("Có/Không")


class StepKind(models.TextChoices):
    RECEIVE = "receive", _("Tiếp nhận")
    PROCESS = "process", _("Thẩm định, xử lý")
    APPROVE = "approve", _("Phê duyệt")
    FEE = "fee", _("Thu phí, lệ phí")
    TRANSFER = "transfer", _("Chuyển liên thông")
    RETURN = "return", _("Trả kết quả")


class Field(models.Model):
    """Lĩnh vực: the domain a procedure belongs to (Hộ tịch, Đất đai, Xây dựng...)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    # National code from the National Database of Administrative Procedures (e.g. "1.001193");
    # demo procedures whose code is not known for sure use the "DEMO.xxxxxx" pattern.
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=500)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="procedures")
    # AgencyLevel values of the levels that perform the procedure, e.g. ["district", "commune"].
    levels = models.JSONField(default=list, blank=True)
    performing_agencies = models.ManyToManyField("agencies.Agency", blank=True, related_name="procedures")
    # Legal maximum in working days from receipt of a complete dossier; 0 means "on the day"
    # (trong ngày) or a time below one day, explained by ``processing_note``.
    processing_days = models.PositiveIntegerField()
    processing_note = models.CharField(max_length=500, blank=True)
    # {"kind": "free"} | {"kind": "fixed", "amount": 50000}
    # | {"kind": "table", "options": [{"key": "...", "label": "...", "amount": 100000}, ...]}
    # | {"kind": "per_unit", "unit": "trang", "amount": 2000, "first_units": 2,
    #    "next_amount": 1000, "max_amount": 200000}; amounts are non-negative integers in VND.
    fee_rule = models.JSONField(default=dict, blank=True)
    fee_description = models.TextField(blank=True)
    result_type = models.CharField(max_length=500, blank=True)
    online_level = models.CharField(max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE)
    legal_basis = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    active_from = models.DateField(null=True, blank=True)
    active_to = models.DateField(null=True, blank=True)
    # Diacritic-free, lower-cased name + code + field name, maintained by the services.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["field", "is_active"], name="procedure_field_active_idx"),
            models.Index(fields=["online_level"], name="procedure_online_level_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(online_level__in=OnlineLevel.values), name="procedure_online_level_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(active_from__isnull=True)
                | models.Q(active_to__isnull=True)
                | models.Q(active_to__gte=models.F("active_from")),
                name="procedure_active_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class RequiredDocument(models.Model):
    """Thành phần hồ sơ: one item of the dossier the applicant must submit."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField()
    name = models.TextField()
    is_required = models.BooleanField(default=True)
    copies = models.CharField(max_length=200, blank=True, help_text='e.g. "01 bản chính"')
    template = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # File kinds accepted online, e.g. ["pdf", "jpg", "png"]; empty means the files app default.
    accepts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="required_document_order_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class FormField(models.Model):
    """One input of the online submission form of a procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="form_fields")
    order = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=255)
    datatype = models.CharField(max_length=10, choices=FormFieldType.choices, default=FormFieldType.TEXT)
    required = models.BooleanField(default=False)
    # For datatype "choice": [{"value": "...", "label": "..."}, ...].
    choices = models.JSONField(default=list, blank=True)
    help_text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "key"], name="form_field_key_unique"),
            models.UniqueConstraint(fields=["procedure", "order"], name="form_field_order_unique"),
            models.CheckConstraint(
                condition=models.Q(datatype__in=FormFieldType.values), name="form_field_datatype_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class RouteStep(models.Model):
    """One step of the internal processing route (quy trình nội bộ) of a procedure.

    Who performs it: ``agency`` when set; else the agency at ``agency_level`` above or at the
    receiving agency when set; else the receiving agency itself.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="route_steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    agency_level = models.CharField(max_length=10, choices=AgencyLevel.choices, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    # Share of the legal processing time, in working days; the shares sum to processing_days.
    share_days = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="route_step_order_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=StepKind.values), name="route_step_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(share_days__gte=0), name="route_step_share_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang xử lý")
    SUCCEEDED = "succeeded", _("Hoàn thành")
    FAILED = "failed", _("Có lỗi, không ghi dữ liệu")


class ImportPhase(models.TextChoices):
    WAITING = "waiting", _("Đang chờ xử lý")
    READING = "reading", _("Đang đọc tệp")
    VALIDATING = "validating", _("Đang kiểm tra dữ liệu")
    WRITING = "writing", _("Đang ghi dữ liệu")
    DONE = "done", _("Đã xong")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("Chỉ ghi khi mọi dòng hợp lệ")
    VALID_ROWS = "valid_rows", _("Ghi các dòng hợp lệ, bỏ qua dòng lỗi")


class ImportJob(models.Model):
    """One catalog import: the uploaded file, its progress and its row-level errors."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    file_format = models.CharField(max_length=5)  # "csv" | "xlsx"
    mode = models.CharField(max_length=20, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    # What ``processed_rows`` counts: rows checked while validating, then rows written.
    phase = models.CharField(max_length=10, choices=ImportPhase.choices, default=ImportPhase.WAITING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    # [{"sheet": "procedures", "row": 3, "column": "processing_days", "code": "...",
    #   "message_vi": "...", "message_en": "..."}, ...] (capped, see services).
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="import_job_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.public_id} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED) else 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))
