"""Daily reconciliation of the platform's payments with a provider's statement."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.permissions import as_principal, require
from tinhso.payments.errors import invalid
from tinhso.payments.models import (
    CallbackResult,
    Payment,
    PaymentStatus,
    ReconciliationRun,
)
from tinhso.payments.providers import get_provider
from tinhso.payments.providers.base import ProviderStatus
from tinhso.payments.services.common import TZ, lock_payment
from tinhso.payments.services.outcomes import apply_provider_view, flag_payment

# --- Reconciliation ---------------------------------------------------------------------


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=TZ)
    return start, start + timedelta(days=1)


def reconcile_day(*, actor: Any, day: date, provider: str | None = None) -> ReconciliationRun:
    """Compare the provider's statement of ``day`` (Vietnam time) with the platform's payments.

    A success the provider reports but the platform missed (its notification never arrived) is
    applied: the payment succeeds and gets its receipt. An amount that differs, a success the
    platform has but the provider does not, a failure reported for a payment the platform holds
    as paid, or a transaction the platform does not know are flagged for review. Each correction
    commits on its own; the run records what was found.
    """
    require(actor, "payments.reconcile")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise invalid("invalid_date", "Ngày đối soát không hợp lệ.", "The reconciliation day is not valid.")
    if day >= timezone.now().astimezone(TZ).date() + timedelta(days=1):
        raise invalid(
            "future_date", "Không đối soát ngày trong tương lai.", "A day in the future cannot be reconciled."
        )
    payment_provider = get_provider(provider)
    name = payment_provider.name
    started_at = timezone.now()
    lines = payment_provider.daily_statement(day)
    details: list[dict[str, Any]] = []
    counts = {"matched": 0, "mismatched": 0, "corrected": 0}
    by_ref = {line.provider_ref: line for line in lines}
    source = f"reconciliation of {day.isoformat()}"

    def note(kind: str, line, payment: Payment | None, action: str, **extra) -> None:
        counts["mismatched"] += 1
        if action in {"marked_succeeded", "marked_failed", "marked_cancelled", "marked_expired"}:
            counts["corrected"] += 1
        details.append(
            {
                "kind": kind,
                "action": action,
                "provider_ref": line.provider_ref if line else (payment.provider_ref if payment else ""),
                "payment_id": str(payment.public_id) if payment else None,
                "provider_status": str(line.status) if line else None,
                "provider_amount": line.amount if line else None,
                "platform_status": payment.status if payment else None,
                "platform_amount": payment.amount if payment else None,
                **extra,
            }
        )

    for ref in sorted(by_ref):
        line = by_ref[ref]
        with transaction.atomic():
            payment = (
                Payment.objects.select_for_update(of=("self",))
                .select_related("agency", "created_by")
                .filter(provider=name, provider_ref=ref)
                .first()
            )
            if payment is None:
                note("unknown_at_platform", line, None, "flagged")
                continue
            before = payment.status
            if line.status == ProviderStatus.SUCCEEDED and line.amount != payment.amount:
                flag_payment(
                    payment,
                    actor=actor,
                    reason=f"statement shows {line.amount} for {payment.amount}",
                    source=source,
                )
                note("amount_mismatch", line, payment, "flagged", platform_status=before)
                continue
            if line.status != ProviderStatus.SUCCEEDED and before == PaymentStatus.SUCCEEDED:
                flag_payment(
                    payment,
                    actor=actor,
                    reason=f"statement shows {line.status} for a paid payment",
                    source=source,
                )
                note("status_conflict", line, payment, "flagged", platform_status=before)
                continue
            result = apply_provider_view(
                payment,
                actor=actor,
                status=line.status,
                amount=line.amount,
                currency="",
                provider_txn_no=line.provider_txn_no,
                paid_at=line.paid_at,
                source=source,
            )
            if result == CallbackResult.APPLIED:
                kind = "missing_callback"
                note(kind, line, payment, f"marked_{payment.status}", platform_status=before)
            else:
                counts["matched"] += 1

    start, end = _day_bounds(day)
    unseen = (
        Payment.objects.filter(
            provider=name, status=PaymentStatus.SUCCEEDED, paid_at__gte=start, paid_at__lt=end
        )
        .exclude(provider_ref__in=list(by_ref))
        .order_by("paid_at", "id")
    )
    for payment in unseen:
        with transaction.atomic():
            locked = lock_payment(payment)
            flag_payment(
                locked,
                actor=actor,
                reason="paid on the platform, absent from the provider's statement",
                source=source,
            )
            note("missing_at_provider", None, locked, "flagged")

    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            day=day,
            provider=name,
            started_at=started_at,
            finished_at=timezone.now(),
            run_by=(as_principal(actor).label or "")[:150],
            statement_count=len(lines),
            matched_count=counts["matched"],
            mismatched_count=counts["mismatched"],
            corrected_count=counts["corrected"],
            details=details,
        )
        audit.record(
            actor=actor,
            action="payments.reconciled",
            obj=run,
            changes={"day": day.isoformat(), "provider": name, **counts, "statement": len(lines)},
        )
    return run
