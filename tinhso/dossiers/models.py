"""The one-stop office (bộ phận một cửa): dossiers (hồ sơ) and everything that happens to them.

A ``Dossier`` is one application for one administrative procedure. It copies what matters from
the procedure at submission (name, processing days, fee), follows the procedure's internal route
as ``DossierStep`` rows, and keeps its whole history as ``DossierTransition`` rows (the control
sheet, Form 06). Every change goes through ``tinhso.dossiers.services``.

Personal data: the applicant's citizen ID is kept only as a keyed digest plus its last four
digits, the phone and address only encrypted (plus the phone's last four digits), so the public
tracking page can check a second factor without any clear personal data in the database.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierState(models.TextChoices):
    """Internal states; each maps to one status code of the National Public Service Portal."""

    SUBMITTED = "submitted", _("Mới đăng ký")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Chờ bổ sung hồ sơ")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    PROCESSED = "processed", _("Đã xử lý xong, chờ trả kết quả")
    RETURNED = "returned", _("Đã trả kết quả")


# TrangThaiHoSo of the National Public Service Portal (see docs/onestop.md).
NATIONAL_STATUS: dict[str, int] = {
    DossierState.SUBMITTED: 1,
    DossierState.RECEIVED: 2,
    DossierState.REFUSED: 3,
    DossierState.PROCESSING: 4,
    DossierState.AWAITING_SUPPLEMENT: 5,
    DossierState.AWAITING_PAYMENT: 6,
    DossierState.WITHDRAWN: 7,
    DossierState.STOPPED: 8,
    DossierState.PROCESSED: 9,
    DossierState.RETURNED: 10,
}

TERMINAL_STATES = frozenset(
    {DossierState.REFUSED, DossierState.WITHDRAWN, DossierState.STOPPED, DossierState.RETURNED}
)


class Channel(models.IntegerChoices):
    """Submission channel, with the national portal's codes."""

    COUNTER = 1, _("Trực tiếp tại bộ phận một cửa")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Qua dịch vụ bưu chính công ích")


class ResultDelivery(models.TextChoices):
    COUNTER = "counter", _("Nhận tại bộ phận một cửa")
    ONLINE = "online", _("Nhận trực tuyến")
    POST = "post", _("Nhận qua dịch vụ bưu chính")


class StepOutcome(models.TextChoices):
    DONE = "done", _("Hoàn thành")
    APPROVED = "approved", _("Đã phê duyệt")
    PAID = "paid", _("Đã thực hiện nghĩa vụ tài chính")
    RETURNED = "returned", _("Trả lại bước trước")
    TRANSFERRED = "transferred", _("Đã chuyển liên thông")
    CANCELLED = "cancelled", _("Không thực hiện (hồ sơ kết thúc)")


class DossierSequence(models.Model):
    """The last sequence number used for dossier codes of one receiving agency on one day."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_sequence_agency_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.day}: {self.last_value}"


class Dossier(models.Model):
    # "<receiving agency code>-<yyMMdd>-<4-digit sequence>", e.g. "000.00.09.H28-251125-0001".
    code = models.CharField(max_length=60, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.PROTECT, related_name="dossiers")
    # Snapshot at submission: later catalog edits never change a dossier's legal terms.
    procedure_code = models.CharField(max_length=40)
    procedure_name = models.CharField(max_length=500)
    processing_days = models.PositiveIntegerField()
    fee_amount = models.PositiveBigIntegerField(default=0, help_text="VND")
    fee_options = models.JSONField(default=dict, blank=True)
    online_level = models.CharField(max_length=10, blank=True)

    receiving_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="dossiers_received"
    )
    current_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="dossiers_held"
    )
    current_step = models.ForeignKey(
        "dossiers.DossierStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Null for a counter receipt on behalf of a citizen without an account.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    applicant_name = models.CharField(max_length=255)
    applicant_id_digest = models.CharField(max_length=64, blank=True, db_index=True)
    applicant_id_last4 = models.CharField(max_length=4, blank=True)
    applicant_phone_encrypted = models.TextField(blank=True)
    applicant_phone_last4 = models.CharField(max_length=4, blank=True)
    applicant_email = models.EmailField(blank=True)
    applicant_address_encrypted = models.TextField(blank=True)

    channel = models.PositiveSmallIntegerField(choices=Channel.choices)
    result_delivery = models.CharField(
        max_length=10, choices=ResultDelivery.choices, default=ResultDelivery.COUNTER
    )
    form_data = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=25, choices=DossierState.choices, default=DossierState.SUBMITTED)

    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    appointment_at = models.DateTimeField(null=True, blank=True, help_text="Ngày hẹn trả kết quả")
    due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    result_returned_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    extension_count = models.PositiveSmallIntegerField(default=0)
    supplement_count = models.PositiveSmallIntegerField(default=0)
    # Working days spent waiting for the applicant's supplements (the legal clock was stopped).
    supplement_days_total = models.DecimalField(max_digits=7, decimal_places=2, default=0)

    # Optimistic lock: every transition increments it; a client may send the value it saw.
    version = models.PositiveIntegerField(default=1)

    # Who submitted (the citizen online, the officer at the counter) and their retry key.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["receiving_agency", "submitted_at"], name="dossier_recv_agency_idx"),
            models.Index(fields=["current_agency", "state"], name="dossier_current_agency_idx"),
            models.Index(fields=["state", "due_at"], name="dossier_state_due_idx"),
            models.Index(fields=["applicant", "submitted_at"], name="dossier_applicant_idx"),
            models.Index(fields=["procedure", "submitted_at"], name="dossier_procedure_idx"),
            # Statistics and the Service Index (tinhso.dossiers.stats) range over these.
            models.Index(fields=["submitted_at"], name="dossier_submitted_idx"),
            models.Index(fields=["decided_at"], name="dossier_decided_idx"),
            models.Index(fields=["received_at"], name="dossier_received_idx"),
            models.Index(
                fields=["withdrawn_at"],
                name="dossier_withdrawn_idx",
                condition=models.Q(withdrawn_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=DossierState.values), name="dossier_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="dossier_channel_valid"
            ),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="dossier_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def national_status(self) -> int:
        return NATIONAL_STATUS[self.state]

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES


class DossierDocument(models.Model):
    """A file the applicant submitted (thành phần hồ sơ), at submission or as a supplement."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    required_document = models.ForeignKey(
        "procedures.RequiredDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=500)
    supplement_request = models.ForeignKey(
        "dossiers.SupplementRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return self.name


class DossierStep(models.Model):
    """One step of the dossier's route, instantiated from the procedure's ``RouteStep``."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    route_step = models.ForeignKey(
        "procedures.RouteStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10)  # procedures.models.StepKind values
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="dossier_steps")
    role = models.CharField(max_length=30)  # accounts.models.Role values
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    share_days = models.DecimalField(max_digits=6, decimal_places=2)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=12, choices=StepOutcome.choices, blank=True)
    note = models.TextField(blank=True)
    # How many times the step was sent back to and reopened.
    reopened_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dossier", "order"]
        indexes = [
            models.Index(fields=["agency", "role", "finished_at"], name="dossier_step_owner_idx"),
            models.Index(fields=["due_at"], name="dossier_step_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "order"], name="dossier_step_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def is_open(self) -> bool:
        return self.started_at is not None and self.finished_at is None


class DossierTransition(models.Model):
    """One line of the control sheet (phiếu kiểm soát, Form 06): who did what, when, where."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=25, blank=True)
    to_state = models.CharField(max_length=25)
    action = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "system", an API client's label, or the user's username: readable without a join.
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(DossierStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    national_status = models.PositiveSmallIntegerField()
    # The one-stop form this line produced, "01".."07" (Circular 01/2018/TT-VPCP, 03/2025/TT-VPCP).
    form = models.CharField(max_length=4, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["at"], name="dossier_transition_at_idx")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.from_state} → {self.to_state} ({self.action})"


class SupplementRequest(models.Model):
    """A request to supplement or complete the dossier (Form 02); the legal clock stops meanwhile."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplement_requests")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    # [{"name": "...", "note": "...", "required_document_id": 12 | null}, ...]
    items = models.JSONField(default=list, blank=True)
    # The state to go back to on fulfilment (submitted before receipt, processing after).
    resume_state = models.CharField(max_length=25)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fulfilment_note = models.TextField(blank=True)
    # Working days the legal clock stood still (0 when requested before receipt).
    waited_days = models.DecimalField(max_digits=7, decimal_places=2, default=0)

    class Meta:
        ordering = ["dossier", "requested_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} supplement {self.requested_at:%Y-%m-%d}"


class Extension(models.Model):
    """Apology and request for more time (Form 04), issued before the appointment passes."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField()
    old_appointment_at = models.DateTimeField()
    new_appointment_at = models.DateTimeField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dossier", "issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_appointment_at__gt=models.F("old_appointment_at")),
                name="dossier_extension_later",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} extension to {self.new_appointment_at:%Y-%m-%d}"


class StopNotice(models.Model):
    """Notice that processing is stopped (Form 05)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="stop_notice")
    reason = models.TextField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.dossier_id} stopped"


class Refusal(models.Model):
    """Refusal to receive the dossier (Form 03), with its reasons."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="refusal")
    reasons = models.JSONField(default=list)  # list of strings, at least one
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.dossier_id} refused"


class Rating(models.Model):
    """The applicant's satisfaction with the handling of the dossier, given once after the result."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="dossier_rating_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=5), name="dossier_rating_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.score}/5"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi")
    OUTBOX = "outbox", _("Chỉ lưu trong hộp thư đi")


class Notification(models.Model):
    """A message to an applicant or an officer; the database row is the outbox."""

    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)  # e.g. "received", "supplement_requested", "step_due_soon"
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_masked = models.CharField(max_length=150)
    # Encrypted address so a sender can deliver it; never shown, never logged.
    recipient_encrypted = models.TextField(blank=True)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    sent_by = models.CharField(max_length=60, blank=True)  # the sender class that delivered it
    sent_at = models.DateTimeField(null=True, blank=True)
    # Makes reminders and event reactions idempotent: one row per (reason, target).
    dedupe_key = models.CharField(max_length=150, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="dossier_notif_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_masked}"


class ResultDocument(models.Model):
    """The result of the procedure (licence, certificate, decision...) as a stored file."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="results")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=500)
    is_signed = models.BooleanField(default=False)
    # What is known of the digital signature (signer, certificate serial, signed_at), if any.
    signature_info = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    returned_via = models.CharField(max_length=10, choices=ResultDelivery.choices, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


# The statistics read model (written only by stats/readmodel.py); imported here so Django registers it.
from tinhso.dossiers.stats_models import DailyFigures, FiguresDay, OpenFigures  # noqa: E402, F401
