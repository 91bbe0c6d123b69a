"""Payments through the API: create (with Idempotency-Key), start, follow, cancel, receipts, the
providers' signed callbacks, and reconciliation for platform administrators."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpResponse
from ninja import Field, Header, Router, Schema, Status
from ninja.pagination import paginate

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import NotFound
from tinhso.core.permissions import require
from tinhso.payments import receipts, selectors, services
from tinhso.payments.errors import receipt_not_found
from tinhso.payments.models import Payment, PaymentStatus, Receipt, ReconciliationRun

router = Router(tags=["payments"])


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


class PaymentCreate(Schema):
    payable_type: str = Field(..., description='What is paid for, e.g. "dossier"', examples=["dossier"])
    payable_id: str = Field(..., description="Its identifier in the module that owns it, e.g. a dossier code")
    amount: int = Field(..., description="Amount in VND (a whole number above 0)", examples=[150000])
    description: str = Field(..., description="Shown to the payer and printed on the receipt")
    return_url: str = Field("", description="Where the payer goes back after paying (a path of this site)")
    payer_name: str = Field("", description="Name printed on the receipt; defaults to the caller's name")
    agency_code: str | None = Field(
        None, description="The collecting agency, whose officers then see the payment"
    )


class PaymentRead(Schema):
    public_id: UUID
    payable_type: str
    payable_id: str
    agency_code: str | None = None
    amount: int
    currency: str
    description: str
    payer_name: str
    provider: str
    provider_ref: str
    status: PaymentStatus
    status_reason: str
    needs_review: bool
    created_at: datetime
    started_at: datetime | None = None
    expires_at: datetime | None = None
    paid_at: datetime | None = None
    receipt_number: str | None = None
    retry_of: UUID | None = None
    page_url: str = Field(..., description="The payment's page for the payer, on this site")

    @staticmethod
    def resolve_agency_code(obj: Payment) -> str | None:
        return obj.agency.code if obj.agency_id else None

    @staticmethod
    def resolve_receipt_number(obj: Payment) -> str | None:
        receipt = getattr(obj, "receipt", None) if obj.status == PaymentStatus.SUCCEEDED else None
        return receipt.number if receipt else None

    @staticmethod
    def resolve_retry_of(obj: Payment) -> UUID | None:
        return obj.retry_of.public_id if obj.retry_of_id else None

    @staticmethod
    def resolve_page_url(obj: Payment) -> str:
        return services.payment_page_path(obj)


class PaymentStarted(Schema):
    redirect_url: str = Field(..., description="Send the payer here (the provider's payment page)")
    status: PaymentStatus


class PaymentCancel(Schema):
    reason: str = ""


class ReceiptRead(Schema):
    number: str = Field(..., description="e.g. BL-2026-000123, gapless within a year")
    payment_id: UUID
    amount: int
    currency: str
    issued_at: datetime
    payer_name: str
    description: str
    agency_code: str
    agency_name: str
    provider: str
    provider_ref: str
    provider_txn_no: str
    lookup_code: str
    is_test: bool = Field(..., description="Issued for a sandbox payment: no value")

    @staticmethod
    def resolve_payment_id(obj: Receipt) -> UUID:
        return obj.payment.public_id


class CallbackAck(Schema):
    accepted: bool = True
    result: str = Field(..., description="applied, unchanged, out_of_order or amount_mismatch")
    duplicate: bool
    payment_status: PaymentStatus
    receipt_number: str | None = None


class ReconciliationCreate(Schema):
    day: date
    provider: str | None = Field(None, description="Defaults to the configured provider")


class ReconciliationRead(Schema):
    id: int
    day: date
    provider: str
    started_at: datetime
    finished_at: datetime
    run_by: str
    statement_count: int
    matched_count: int
    mismatched_count: int
    corrected_count: int
    details: list[dict[str, Any]]


def _payment(request, public_id: UUID, action: str = "payments.view") -> Payment:
    return selectors.get_payment_for(_actor(request), public_id, action)


def _with_receipt(payment: Payment) -> Payment:
    return Payment.objects.select_related("agency", "receipt", "retry_of").get(pk=payment.pk)


@router.post(
    "/callback/{provider}",
    response=CallbackAck,
    auth=None,
    url_name="payments_callback",
    summary="Thông báo kết quả từ cổng thanh toán / Provider's payment notification",
)
def callback(request, provider: str):
    """Server-to-server notification from a payment provider, authenticated by its signature (for
    the sandbox: `X-Sandbox-Signature`, HMAC-SHA256 of the exact body). Every notification is
    recorded. Refused: `payments.callback_unsigned` / `payments.callback_bad_signature` (401),
    `payments.callback_malformed`, `payments.callback_stale` (outside the time window),
    `payments.callback_replayed` (a nonce reused for another body) (400),
    `payments.callback_unknown_payment`, `payments.unknown_provider` (404). The same notification
    again is answered like the first, with `duplicate: true`, and changes nothing."""
    outcome = services.handle_callback(
        provider_name=provider,
        body=request.body,
        headers=request.headers,
        remote_ip=request.META.get("REMOTE_ADDR", ""),
    )
    return CallbackAck(
        result=outcome.result,
        duplicate=outcome.duplicate,
        payment_status=outcome.payment.status,
        receipt_number=outcome.receipt_number,
    )


@router.get(
    "/reconciliations",
    response=list[ReconciliationRead],
    summary="Các lần đối soát / Reconciliation runs",
)
@paginate
def list_reconciliations(request, provider: str | None = None):
    """Reconciliation runs, newest day first (permission `payments.reconcile`)."""
    require(_actor(request), "payments.reconcile")
    return selectors.reconciliation_runs(provider=provider)


@router.post(
    "/reconciliations",
    response={201: ReconciliationRead},
    summary="Đối soát một ngày / Reconcile one day",
)
def create_reconciliation(request, payload: ReconciliationCreate):
    """Compare the provider's statement of `day` with the platform's payments, apply successes whose
    notification never arrived and flag differences (permission `payments.reconcile`)."""
    run = services.reconcile_day(actor=_actor(request), day=payload.day, provider=payload.provider)
    return Status(201, run)


@router.get(
    "/reconciliations/{run_id}",
    response=ReconciliationRead,
    summary="Một lần đối soát / One reconciliation run",
)
def get_reconciliation(request, run_id: int):
    """One reconciliation run with its details (permission `payments.reconcile`)."""
    require(_actor(request), "payments.reconcile")
    run = ReconciliationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(
            "Không tìm thấy lần đối soát.", "No such reconciliation run.", code="payments.run_not_found"
        )
    return run


@router.post(
    "/",
    response={200: PaymentRead, 201: PaymentRead},
    summary="Tạo khoản thanh toán / Create a payment",
)
def create_payment(
    request,
    payload: PaymentCreate,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """Create a payment (permission `payments.create`, scope `payments:write`). Send an
    `Idempotency-Key` header (printable ASCII, at most 255 characters) to make a retry safe: the
    same key from the same caller returns the payment made the first time (200 instead of 201);
    the same key with different data is `payments.idempotency_key_reused` (409). Then call
    `POST /{public_id}/start` and send the payer to `redirect_url`."""
    agency = None
    if payload.agency_code:
        agency = Agency.objects.filter(code=payload.agency_code).first()
        if agency is None:
            raise NotFound("Không tìm thấy cơ quan.", "The agency was not found.", code="agencies.not_found")
    payment = services.create_payment(
        actor=_actor(request),
        payable_type=payload.payable_type,
        payable_id=payload.payable_id,
        amount=payload.amount,
        description=payload.description,
        return_url=payload.return_url,
        payer_name=payload.payer_name,
        agency=agency,
        idempotency_key=idempotency_key,
    )
    return Status(200 if payment.idempotent_replay else 201, _with_receipt(payment))


@router.get("/", response=list[PaymentRead], summary="Các khoản thanh toán / List payments")
@paginate
def list_payments(request, status: PaymentStatus | None = None, payable_type: str = "", payable_id: str = ""):
    """The payments the caller may see: a citizen's own, an officer's agencies' (permission
    `payments.view`, scope `payments:read`), newest first."""
    queryset = selectors.visible_payments(_actor(request)).select_related("retry_of")
    if status:
        queryset = queryset.filter(status=status)
    if payable_type:
        queryset = queryset.filter(payable_type=payable_type)
    if payable_id:
        queryset = queryset.filter(payable_id=payable_id)
    return queryset.order_by("-created_at", "-id")


@router.get("/{public_id}", response=PaymentRead, summary="Một khoản thanh toán / One payment")
def get_payment(request, public_id: UUID):
    """One payment the caller may see (`payments.not_found` otherwise)."""
    return _with_receipt(_payment(request, public_id))


@router.post("/{public_id}/start", response=PaymentStarted, summary="Bắt đầu nộp tiền / Start paying")
def start_payment(request, public_id: UUID):
    """Register the payment with its provider (once) and get the address to send the payer to
    (permission `payments.start`). `payments.not_payable` / `payments.expired` (409) when it can no
    longer be paid; `payments.provider_unavailable` (503)."""
    payment = _payment(request, public_id)
    url = services.start_payment(actor=_actor(request), payment=payment)
    return PaymentStarted(redirect_url=url, status=payment.status)


@router.post(
    "/{public_id}/refresh", response=PaymentRead, summary="Hỏi lại trạng thái / Refresh from the provider"
)
def refresh_payment(request, public_id: UUID):
    """Ask the provider for the payment's status and apply it (permission `payments.refresh`)."""
    payment = _payment(request, public_id)
    services.refresh_payment_status(actor=_actor(request), payment=payment)
    return _with_receipt(payment)


@router.post("/{public_id}/cancel", response=PaymentRead, summary="Hủy khoản thanh toán / Cancel a payment")
def cancel_payment(request, public_id: UUID, payload: PaymentCancel):
    """Cancel a payment not yet paid (permission `payments.cancel`); `payments.not_cancellable` (409)."""
    payment = _payment(request, public_id)
    services.cancel_payment(actor=_actor(request), payment=payment, reason=payload.reason)
    return _with_receipt(payment)


@router.post(
    "/{public_id}/retry",
    response={201: PaymentRead},
    summary="Thanh toán lại / Retry an unsuccessful payment",
)
def retry_payment(request, public_id: UUID):
    """A new payment for the same payable and amount after a failed, cancelled or expired one
    (permission `payments.start`); `payments.not_retryable` (409)."""
    payment = _payment(request, public_id)
    retry = services.retry_payment(actor=_actor(request), payment=payment)
    return Status(201, _with_receipt(retry))


def _receipt(request, public_id: UUID) -> Receipt:
    payment = _payment(request, public_id)
    receipt = selectors.receipt_for(payment)
    if receipt is None:
        raise receipt_not_found()
    return receipt


@router.get("/{public_id}/receipt", response=ReceiptRead, summary="Biên lai / The payment's receipt")
def get_receipt(request, public_id: UUID):
    """The receipt of a succeeded payment (permission `payments.view`); `payments.receipt_not_found`."""
    return _receipt(request, public_id)


@router.get(
    "/{public_id}/receipt.pdf",
    response={200: None},
    summary="Biên lai PDF / The receipt as PDF",
    openapi_extra={
        "responses": {"200": {"description": "application/pdf", "content": {"application/pdf": {}}}}
    },
)
def get_receipt_pdf(request, public_id: UUID):
    """The receipt as a PDF document (permission `payments.view`)."""
    receipt = _receipt(request, public_id)
    response = HttpResponse(receipts.render_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
    return response
