"""Online payment of fees and charges: payments, the callbacks providers send about them, the
receipts issued for them, daily reconciliation runs, and the sandbox gateway's own ledger.

A payment is generic: it pays for a "payable" named by a type and an identifier (e.g. "dossier"
and a dossier code); this app never reads the payable's tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Mới tạo")
    PENDING = "pending", _("Đang chờ thanh toán")
    SUCCEEDED = "succeeded", _("Đã thanh toán")
    FAILED = "failed", _("Thanh toán thất bại")
    EXPIRED = "expired", _("Hết hạn")
    CANCELLED = "cancelled", _("Đã hủy")


OPEN_STATUSES = (PaymentStatus.CREATED, PaymentStatus.PENDING)
UNSUCCESSFUL_STATUSES = (PaymentStatus.FAILED, PaymentStatus.EXPIRED, PaymentStatus.CANCELLED)


class Payment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What is paid for, named by the module that owns it, e.g. ("dossier", "H28.23-260105-0001").
    payable_type = models.CharField(max_length=40)
    payable_id = models.CharField(max_length=100)
    # The agency that collects the fee: its officers see the payment.
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.PositiveBigIntegerField(help_text="In Vietnamese đồng (VND), a whole number")
    currency = models.CharField(max_length=3, default="VND")
    description = models.CharField(max_length=255)
    payer_name = models.CharField(max_length=150, blank=True)
    return_url = models.CharField(max_length=500, blank=True)

    provider = models.CharField(max_length=30)
    provider_ref = models.CharField(max_length=64, blank=True)
    provider_txn_no = models.CharField(max_length=64, blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)

    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    status_reason = models.CharField(max_length=255, blank=True)
    # Set when the provider reports something the platform must not act on alone (an amount that
    # differs, a success the provider's statement does not show): an operator looks at it.
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=255, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    # Who created it ("citizen:<uuid>", "client:<client_id>", "system:system"): the scope of
    # Idempotency-Key values.
    creator_key = models.CharField(max_length=100)
    creator_label = models.CharField(max_length=150, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retries"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["payable_type", "payable_id"], name="payment_payable_idx"),
            models.Index(fields=["status", "expires_at"], name="payment_status_expiry_idx"),
            models.Index(fields=["provider", "paid_at"], name="payment_provider_paid_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["creator_key", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payment_idempotency_key_unique",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_ref"],
                condition=~Q(provider_ref=""),
                name="payment_provider_ref_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payable_type}/{self.payable_id} — {self.amount:,} {self.currency}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paid(self) -> bool:
        return self.status == PaymentStatus.SUCCEEDED


class CallbackResult(models.TextChoices):
    APPLIED = "applied", _("Đã cập nhật trạng thái")
    UNCHANGED = "unchanged", _("Trùng trạng thái, không thay đổi")
    OUT_OF_ORDER = "out_of_order", _("Đến muộn, không làm thay đổi kết quả đã có")
    AMOUNT_MISMATCH = "amount_mismatch", _("Số tiền không khớp, cần kiểm tra")
    UNSIGNED = "unsigned", _("Thiếu chữ ký")
    BAD_SIGNATURE = "bad_signature", _("Chữ ký không hợp lệ")
    MALFORMED = "malformed", _("Nội dung không hợp lệ")
    STALE = "stale", _("Quá thời hạn, nghi phát lại")
    REPLAYED = "replayed", _("Mã chống phát lại đã dùng cho nội dung khác")
    UNKNOWN_PAYMENT = "unknown_payment", _("Không tìm thấy giao dịch")


# Results of a verified notification about a known payment, within the time window.
PROCESSED_RESULTS = ("applied", "unchanged", "out_of_order", "amount_mismatch")


class PaymentCallback(models.Model):
    """Every notification a provider sent, kept as received, whatever became of it."""

    provider = models.CharField(max_length=30)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="callbacks"
    )
    provider_ref = models.CharField(max_length=64, blank=True)
    nonce = models.CharField(max_length=64, blank=True)
    reported_status = models.CharField(max_length=20, blank=True)
    reported_amount = models.PositiveBigIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)
    body_sha256 = models.CharField(max_length=64)
    headers = models.JSONField(default=dict, blank=True)
    signature_valid = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)
    remote_ip = models.CharField(max_length=45, blank=True)
    result = models.CharField(max_length=20, choices=CallbackResult.choices)
    duplicate = models.BooleanField(default=False)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["provider", "nonce"], name="callback_nonce_idx")]
        constraints = [
            # A nonce is acted on once; the same notification again is recorded as a duplicate.
            models.UniqueConstraint(
                fields=["provider", "nonce"],
                condition=Q(signature_valid=True, duplicate=False, result__in=PROCESSED_RESULTS)
                & ~Q(nonce=""),
                name="payment_callback_nonce_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_ref or '?'} {self.result}"


class Receipt(models.Model):
    """The receipt (biên lai) of a succeeded payment; numbers run without gaps within a year."""

    number = models.CharField(max_length=30, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="VND")
    issued_at = models.DateTimeField()
    payer_name = models.CharField(max_length=150, blank=True)
    description = models.CharField(max_length=255)
    agency_code = models.CharField(max_length=40, blank=True)
    agency_name = models.CharField(max_length=255, blank=True)
    provider = models.CharField(max_length=30)
    provider_ref = models.CharField(max_length=64, blank=True)
    provider_txn_no = models.CharField(max_length=64, blank=True)
    # A short code printed on the receipt so that a counter officer can look it up.
    lookup_code = models.CharField(max_length=12, unique=True)
    # Issued for a payment made through the sandbox: it proves nothing and says so.
    is_test = models.BooleanField(default=False)

    class Meta:
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="receipt_year_sequence_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class ReceiptSequence(models.Model):
    """The last receipt number given in a year; locked while the next one is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class ReconciliationRun(models.Model):
    """One comparison of a provider's daily statement with the platform's payments."""

    day = models.DateField()
    provider = models.CharField(max_length=30)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    run_by = models.CharField(max_length=150)
    statement_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    mismatched_count = models.PositiveIntegerField(default=0)
    corrected_count = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-day", "-started_at"]
        indexes = [models.Index(fields=["provider", "day"], name="reconciliation_day_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.day}"


# --- The sandbox gateway's side ("the bank") ----------------------------------------------


class SandboxStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    SUCCEEDED = "succeeded", _("Thành công")
    FAILED = "failed", _("Thất bại")
    CANCELLED = "cancelled", _("Người nộp hủy")
    EXPIRED = "expired", _("Hết hạn")


class SandboxTransaction(models.Model):
    """The simulated gateway's own ledger: what "the bank" knows, independent of the platform."""

    ref = models.CharField(max_length=64, unique=True)
    merchant_ref = models.CharField(max_length=64, unique=True)
    amount = models.PositiveBigIntegerField(help_text="The amount the platform asked for")
    settled_amount = models.PositiveBigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="VND")
    description = models.CharField(max_length=255)
    merchant_name = models.CharField(max_length=255, blank=True)
    return_url = models.CharField(max_length=500)
    callback_url = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=SandboxStatus.choices, default=SandboxStatus.PENDING)
    bank_txn_no = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.ref


class SandboxCallback(models.Model):
    """A notification the sandbox gateway owes the platform, sent by a task (possibly late, twice)."""

    transaction = models.ForeignKey(SandboxTransaction, on_delete=models.CASCADE, related_name="callbacks")
    status = models.CharField(max_length=20, choices=SandboxStatus.choices)
    due_at = models.DateTimeField()
    copies = models.PositiveSmallIntegerField(default=1)
    sent_count = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True, help_text="The signed body, fixed at the first send")
    signature = models.CharField(max_length=64, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    given_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.transaction.ref} {self.status} ×{self.copies}"

    @property
    def done(self) -> bool:
        return self.given_up or self.sent_count >= self.copies
