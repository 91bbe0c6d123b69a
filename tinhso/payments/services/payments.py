"""Creating, starting, following, cancelling and retrying payments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.core.agencies.models import Agency
from tinhso.core.audit import services as audit
from tinhso.core.permissions import SYSTEM, as_principal, require
from tinhso.payments import conf
from tinhso.payments.errors import conflict, invalid
from tinhso.payments.models import (
    OPEN_STATUSES,
    UNSUCCESSFUL_STATUSES,
    Payment,
    PaymentStatus,
)
from tinhso.payments.providers import get_provider
from tinhso.payments.services.common import (
    EXPIRY_GRACE,
    PAYABLE_TYPE,
    callback_url,
    clean_amount,
    clean_idempotency_key,
    clean_return_url,
    clean_text,
    fingerprint_of,
    lock_payment,
    logger,
    payment_page_path,
    sync_payment,
)
from tinhso.payments.services.outcomes import apply_provider_view, mark_unsuccessful

# --- Creating and starting ------------------------------------------------------------------


@transaction.atomic
def create_payment(
    *,
    actor: Any,
    payable_type: str,
    payable_id: str,
    amount: int,
    description: str,
    return_url: str = "",
    idempotency_key: str | None = None,
    payer_name: str = "",
    agency: Agency | None = None,
    provider: str | None = None,
) -> Payment:
    """Create a payment of ``amount`` VND for a payable (e.g. ``"dossier"``, a dossier code).

    With an ``idempotency_key``, the same creator sending the same key again gets the payment
    made the first time (``payment.idempotent_replay`` is then True); the same key with different
    data is refused with ``payments.idempotency_key_reused`` (409). The payment is not sent to the
    provider yet: :func:`start_payment` does that when the payer is ready to pay.
    """
    require(actor, "payments.create")
    principal = as_principal(actor)
    payable_type = payable_type.strip() if isinstance(payable_type, str) else payable_type
    if not isinstance(payable_type, str) or not PAYABLE_TYPE.match(payable_type):
        raise invalid(
            "invalid_payable_type",
            "Loại đối tượng thanh toán không hợp lệ (chữ thường, số, gạch dưới).",
            "The payable type is not valid (lower-case letters, digits, underscores).",
        )
    # An identifier chosen by the owning module, not free text: any digits are allowed.
    payable_id = clean_text(payable_id, field="payable_id", max_length=100, required=True, free_text=False)
    amount = clean_amount(amount)
    description = clean_text(description, field="description", max_length=255, required=True)
    user = principal.user if principal.kind in {"citizen", "officer"} else None
    payer_name = clean_text(payer_name, field="payer_name", max_length=150, required=False)
    if not payer_name and user is not None:
        payer_name = (user.full_name or "")[:150]
    return_url = clean_return_url(return_url)
    key = clean_idempotency_key(idempotency_key)
    if agency is not None and (not isinstance(agency, Agency) or agency.pk is None):
        raise invalid("invalid_agency", "Cơ quan không tồn tại.", "The agency does not exist.")
    payment_provider = get_provider(provider)
    payment_provider.check_available()

    fingerprint = fingerprint_of(
        {
            "payable_type": payable_type,
            "payable_id": payable_id,
            "amount": amount,
            "description": description,
            "payer_name": payer_name,
            "return_url": return_url,
            "agency": agency.code if agency else None,
            "provider": payment_provider.name,
        }
    )
    creator_key = f"{principal.kind}:{principal.id}"[:100]
    if key:
        existing = Payment.objects.filter(creator_key=creator_key, idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                payable_type=payable_type,
                payable_id=payable_id,
                agency=agency,
                amount=amount,
                currency="VND",
                description=description,
                payer_name=payer_name,
                return_url=return_url,
                provider=payment_provider.name,
                created_by=user,
                creator_key=creator_key,
                creator_label=(principal.label or "")[:150],
                idempotency_key=key,
                request_fingerprint=fingerprint,
            )
    except IntegrityError:
        # Another request with the same key won the race: answer as a replay of it.
        existing = (
            Payment.objects.filter(creator_key=creator_key, idempotency_key=key).first() if key else None
        )
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    audit.record(
        actor=actor,
        action="payments.payment_created",
        obj=payment,
        changes={
            "payable": f"{payable_type}/{payable_id}",
            "amount": amount,
            "agency": agency.code if agency else None,
            "provider": payment_provider.name,
        },
    )
    payment.idempotent_replay = False
    return payment


def _replay(existing: Payment, fingerprint: str) -> Payment:
    if existing.request_fingerprint != fingerprint:
        raise conflict(
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
            "This Idempotency-Key was already used for a different request.",
            payment_id=str(existing.public_id),
        )
    existing.idempotent_replay = True
    return existing


@transaction.atomic
def start_payment(*, actor: Any, payment: Payment) -> str:
    """Register the payment with its provider (once) and return where to send the payer.

    Calling it again while the payment is pending returns the same address."""
    locked = lock_payment(payment)
    require(actor, "payments.start", locked)
    now = timezone.now()
    if locked.status == PaymentStatus.PENDING and locked.redirect_url:
        if locked.expires_at is None or locked.expires_at > now:
            sync_payment(payment, locked)
            return locked.redirect_url
        raise conflict("expired", "Giao dịch thanh toán đã hết hạn.", "The payment transaction has expired.")
    if locked.status != PaymentStatus.CREATED:
        raise conflict(
            "not_payable",
            "Khoản thanh toán này không còn có thể nộp tiền.",
            "This payment can no longer be paid.",
            status=locked.status,
        )
    provider = get_provider(locked.provider)
    created = provider.create(
        locked,
        callback_url=callback_url(provider.name),
        return_url=conf.site_url() + payment_page_path(locked),
    )
    locked.provider_ref = created.provider_ref
    locked.redirect_url = created.redirect_url
    locked.expires_at = created.expires_at
    locked.started_at = now
    locked.status = PaymentStatus.PENDING
    locked.save(
        update_fields=["provider_ref", "redirect_url", "expires_at", "started_at", "status", "updated_at"]
    )
    audit.record(
        actor=actor,
        action="payments.payment_started",
        obj=locked,
        changes={
            "status": [PaymentStatus.CREATED, PaymentStatus.PENDING],
            "provider_ref": created.provider_ref,
        },
    )
    sync_payment(payment, locked)
    return locked.redirect_url


# --- Status from the provider ------------------------------------------------------------


def refresh_payment_status(*, actor: Any, payment: Payment) -> Payment:
    """Ask the provider for the payment's status and apply it (a lost notification, a payer back
    before the notification, an expired transaction)."""
    require(actor, "payments.refresh", payment)
    if not payment.provider_ref or payment.status == PaymentStatus.SUCCEEDED:
        return payment
    # The provider is asked before any row is locked: a slow provider must not hold the lock.
    answer = get_provider(payment.provider).query(payment.provider_ref)
    with transaction.atomic():
        locked = lock_payment(payment)
        apply_provider_view(
            locked,
            actor=actor,
            status=answer.status,
            amount=answer.amount,
            currency="",
            provider_txn_no=answer.provider_txn_no,
            paid_at=answer.paid_at,
            source="status query",
        )
    sync_payment(payment, locked)
    return payment


@transaction.atomic
def cancel_payment(*, actor: Any, payment: Payment, reason: str = "") -> Payment:
    """The payer (or the agency) gives up a payment not yet paid. If the provider later reports
    that the money was taken after all, that success is still applied."""
    locked = lock_payment(payment)
    require(actor, "payments.cancel", locked)
    reason = clean_text(reason, field="reason", max_length=255, required=False)
    if locked.status not in OPEN_STATUSES:
        raise conflict(
            "not_cancellable",
            "Chỉ hủy được khoản thanh toán chưa nộp tiền.",
            "Only a payment not yet paid can be cancelled.",
            status=locked.status,
        )
    mark_unsuccessful(
        locked, actor=actor, status=PaymentStatus.CANCELLED, reason=reason or "cancelled", source="platform"
    )
    sync_payment(payment, locked)
    return payment


@transaction.atomic
def retry_payment(*, actor: Any, payment: Payment) -> Payment:
    """A new payment for the same payable and amount after one failed, expired or was cancelled.

    Calling it again returns the retry already made while that one is still open."""
    locked = lock_payment(payment)
    require(actor, "payments.start", locked)
    if locked.status not in UNSUCCESSFUL_STATUSES:
        raise conflict(
            "not_retryable",
            "Chỉ thanh toán lại được khi lần trước không thành công.",
            "Only an unsuccessful payment can be retried.",
            status=locked.status,
        )
    existing = locked.retries.filter(status__in=OPEN_STATUSES).order_by("-created_at").first()
    if existing is not None:
        return existing
    get_provider(locked.provider).check_available()
    retry = Payment.objects.create(
        payable_type=locked.payable_type,
        payable_id=locked.payable_id,
        agency=locked.agency,
        amount=locked.amount,
        currency=locked.currency,
        description=locked.description,
        payer_name=locked.payer_name,
        return_url=locked.return_url,
        provider=locked.provider,
        created_by=locked.created_by,
        creator_key=locked.creator_key,
        creator_label=locked.creator_label,
        retry_of=locked,
    )
    audit.record(
        actor=actor,
        action="payments.payment_created",
        obj=retry,
        changes={"retry_of": str(locked.public_id), "amount": retry.amount},
    )
    return retry


def expire_overdue_payments(*, actor: Any = SYSTEM, now: datetime | None = None) -> dict[str, int]:
    """Ask the provider about every pending payment past its expiry and apply the answer."""
    require(actor, "payments.reconcile")
    now = now or timezone.now()
    overdue = Payment.objects.filter(status=PaymentStatus.PENDING, expires_at__lt=now - EXPIRY_GRACE)
    counts = {"checked": 0, "changed": 0, "failed": 0}
    for payment in overdue.order_by("expires_at", "id").iterator():
        counts["checked"] += 1
        try:
            refreshed = refresh_payment_status(actor=actor, payment=payment)
        except Exception:
            counts["failed"] += 1
            logger.exception(
                "could not refresh an overdue payment", extra={"payment": str(payment.public_id)}
            )
            continue
        if refreshed.status != PaymentStatus.PENDING:
            counts["changed"] += 1
    return counts
