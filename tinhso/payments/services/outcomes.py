"""What a payment becomes when its provider reports: success (with its receipt), failure, a flag.

Lock order, everywhere: the payment row, then the year's receipt sequence, then the audit chain
(``audit.record`` comes last)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.events import services as events
from tinhso.payments import conf
from tinhso.payments.errors import UnknownProvider
from tinhso.payments.events import PaymentFailed, PaymentSucceeded
from tinhso.payments.models import (
    OPEN_STATUSES,
    CallbackResult,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptSequence,
)
from tinhso.payments.providers import get_provider
from tinhso.payments.providers.base import PaymentProvider, ProviderStatus
from tinhso.payments.services.common import (
    LOOKUP_ALPHABET,
    TZ,
    logger,
)

# --- Outcomes ---------------------------------------------------------------------------


def next_receipt_number(year: int) -> tuple[int, str]:
    # The year's row is locked until the caller's transaction ends: numbers are taken one after
    # another, and a rolled-back transaction gives its number back (no gaps).
    ReceiptSequence.objects.get_or_create(year=year)
    sequence = ReceiptSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, f"{conf.receipt_prefix()}-{year}-{sequence.last_number:06d}"


def issue_receipt(payment: Payment, provider: PaymentProvider | None) -> Receipt:
    issued_at = timezone.now()
    year = issued_at.astimezone(TZ).year
    number_in_year, number = next_receipt_number(year)
    return Receipt.objects.create(
        number=number,
        year=year,
        sequence=number_in_year,
        payment=payment,
        amount=payment.amount,
        currency=payment.currency,
        issued_at=issued_at,
        payer_name=payment.payer_name,
        description=payment.description,
        agency_code=payment.agency.code if payment.agency_id else "",
        agency_name=payment.agency.name if payment.agency_id else "",
        provider=payment.provider,
        provider_ref=payment.provider_ref,
        provider_txn_no=payment.provider_txn_no,
        lookup_code="".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(10)),
        is_test=bool(provider and provider.is_test),
    )


def mark_succeeded(
    payment: Payment, *, actor: Any, paid_at: datetime | None, provider_txn_no: str, source: str
) -> Receipt:
    """``payment`` is locked and not yet succeeded; the provider says the money was received."""
    previous = payment.status
    now = timezone.now()
    payment.status = PaymentStatus.SUCCEEDED
    payment.paid_at = paid_at or now
    payment.closed_at = now
    payment.status_reason = f"reported by {source}"
    if provider_txn_no:
        payment.provider_txn_no = provider_txn_no[:64]
    payment.save(
        update_fields=["status", "paid_at", "closed_at", "status_reason", "provider_txn_no", "updated_at"]
    )
    try:
        provider = get_provider(payment.provider)
    except UnknownProvider:  # a provider removed from the settings still had its payments
        provider = None
    receipt = issue_receipt(payment, provider)
    audit.record(
        actor=actor,
        action="payments.payment_succeeded",
        obj=payment,
        changes={"status": [previous, PaymentStatus.SUCCEEDED], "receipt": receipt.number, "source": source},
    )
    events.publish(
        PaymentSucceeded(
            payment_id=str(payment.public_id),
            payable_type=payment.payable_type,
            payable_id=payment.payable_id,
            amount=payment.amount,
            receipt_number=receipt.number,
            agency_code=payment.agency.code if payment.agency_id else None,
        )
    )
    return receipt


def mark_unsuccessful(payment: Payment, *, actor: Any, status: str, reason: str, source: str) -> None:
    """``payment`` is locked and open; it ends without money received."""
    previous = payment.status
    payment.status = status
    payment.status_reason = reason[:255]
    payment.closed_at = timezone.now()
    payment.save(update_fields=["status", "status_reason", "closed_at", "updated_at"])
    audit.record(
        actor=actor,
        action=f"payments.payment_{status}",
        obj=payment,
        changes={"status": [previous, status], "source": source, "reason": reason[:255]},
    )
    events.publish(
        PaymentFailed(
            payment_id=str(payment.public_id),
            payable_type=payment.payable_type,
            payable_id=payment.payable_id,
            amount=payment.amount,
            status=status,
            reason=reason[:255],
            agency_code=payment.agency.code if payment.agency_id else None,
        )
    )


def flag_payment(payment: Payment, *, actor: Any, reason: str, source: str) -> None:
    """Something about a payment needs a person: flag it, do not change its status."""
    if payment.needs_review and payment.review_reason == reason[:255]:
        return
    payment.needs_review = True
    payment.review_reason = reason[:255]
    payment.save(update_fields=["needs_review", "review_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="payments.payment_flagged",
        obj=payment,
        changes={"reason": reason, "source": source},
    )
    logger.warning("payment flagged for review", extra={"payment": str(payment.public_id), "reason": reason})


_FINAL = {
    ProviderStatus.FAILED: PaymentStatus.FAILED,
    ProviderStatus.CANCELLED: PaymentStatus.CANCELLED,
    ProviderStatus.EXPIRED: PaymentStatus.EXPIRED,
}


def apply_provider_view(
    payment: Payment,
    *,
    actor: Any,
    status: ProviderStatus,
    amount: int | None,
    currency: str,
    provider_txn_no: str,
    paid_at: datetime | None,
    source: str,
) -> str:
    """Bring a locked payment in line with what its provider reports; returns a CallbackResult value."""
    if status == ProviderStatus.SUCCEEDED:
        if amount != payment.amount or (currency and currency != payment.currency):
            flag_payment(
                payment,
                actor=actor,
                reason=f"provider reported {amount} {currency or payment.currency} for {payment.amount} "
                f"{payment.currency}",
                source=source,
            )
            return CallbackResult.AMOUNT_MISMATCH
        if payment.status == PaymentStatus.SUCCEEDED:
            return CallbackResult.UNCHANGED
        mark_succeeded(payment, actor=actor, paid_at=paid_at, provider_txn_no=provider_txn_no, source=source)
        return CallbackResult.APPLIED
    if status in _FINAL:
        target = _FINAL[status]
        if payment.status == PaymentStatus.SUCCEEDED:
            # A late failure never undoes money received; the notification is kept as a record.
            return CallbackResult.OUT_OF_ORDER
        if payment.status in OPEN_STATUSES:
            mark_unsuccessful(
                payment, actor=actor, status=target, reason=f"{target} reported by {source}", source=source
            )
            return CallbackResult.APPLIED
        return CallbackResult.UNCHANGED
    return CallbackResult.UNCHANGED
