"""Reads over payments: what other modules ask (``is_paid``, ``payments_for``, ``receipt_for``) and
what a person may see."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet, Sum

from tinhso.core.permissions import as_principal, can, require, visible_agency_ids
from tinhso.payments.errors import payment_not_found
from tinhso.payments.models import Payment, PaymentStatus, Receipt, ReconciliationRun


def is_paid(payable_type: str, payable_id: str, amount: int | None = None) -> bool:
    """Has money been received for this payable?

    Without ``amount``: at least one payment for it succeeded. With ``amount`` (VND): the
    succeeded payments for it add up to at least that much. Payments flagged for review (an
    amount that differed from what was asked) are not succeeded and do not count.
    """
    paid = Payment.objects.filter(
        payable_type=payable_type, payable_id=str(payable_id), status=PaymentStatus.SUCCEEDED
    )
    if amount is None:
        return paid.exists()
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError("amount is a whole number of VND, zero or more")
    total = paid.aggregate(total=Sum("amount"))["total"] or 0
    return total >= amount


def amount_paid(payable_type: str, payable_id: str) -> int:
    """The VND received for a payable, over all its succeeded payments."""
    total = Payment.objects.filter(
        payable_type=payable_type, payable_id=str(payable_id), status=PaymentStatus.SUCCEEDED
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


def payments_for(payable_type: str, payable_id: str, *, actor: Any = None) -> QuerySet[Payment]:
    """Every payment made for a payable, oldest first; only those ``actor`` may see when given."""
    queryset = Payment.objects.filter(payable_type=payable_type, payable_id=str(payable_id))
    if actor is not None:
        queryset = queryset & visible_payments(actor)
    return queryset.select_related("agency", "receipt").order_by("created_at", "id")


def open_payment_for(payable_type: str, payable_id: str, *, amount: int | None = None) -> Payment | None:
    """The newest payment for the payable that can still be paid (created or pending), if any."""
    queryset = Payment.objects.filter(
        payable_type=payable_type,
        payable_id=str(payable_id),
        status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING],
    )
    if amount is not None:
        queryset = queryset.filter(amount=amount)
    return queryset.order_by("-created_at", "-id").first()


def receipt_for(payment: Payment) -> Receipt | None:
    return Receipt.objects.filter(payment_id=payment.pk).first()


def visible_payments(actor: Any) -> QuerySet[Payment]:
    """The payments ``actor`` may see (payments.view), newest first."""
    principal = as_principal(actor)
    base = Payment.objects.select_related("agency", "receipt")
    if principal.kind == "system" or _operates_payments(principal):
        return base
    if principal.kind == "citizen":
        if principal.scopes is not None and "payments:read" not in principal.scopes:
            return base.none()
        return base.filter(created_by_id=principal.user.pk)
    if (
        principal.kind == "officer"
        and principal.scopes is not None
        and "payments:read" not in principal.scopes
    ):
        return base.none()
    agencies = visible_agency_ids(principal, "payments.view")
    if agencies is None:
        return base
    return base.filter(agency_id__in=agencies)


def get_payment_for(actor: Any, public_id: uuid.UUID | str, action: str = "payments.view") -> Payment:
    """One payment ``actor`` may see (and act on with ``action``); not found otherwise, so that an
    unseen payment's existence is not revealed."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise payment_not_found() from None
    payment = Payment.objects.select_related("agency", "created_by").filter(public_id=public_id).first()
    if payment is None or not (can(actor, "payments.view", payment) or _operates_payments(actor)):
        raise payment_not_found()
    if action != "payments.view":
        require(actor, action, payment)
    return payment


def _operates_payments(actor: Any) -> bool:
    """Platform administrators reconcile and resolve flagged payments: they see every payment."""
    principal = as_principal(actor)
    return principal.kind == "officer" and principal.scopes is None and can(principal, "payments.reconcile")


def reconciliation_runs(*, provider: str | None = None) -> QuerySet[ReconciliationRun]:
    queryset = ReconciliationRun.objects.all()
    if provider:
        queryset = queryset.filter(provider=provider)
    return queryset.order_by("-day", "-started_at")
