"""The providers' signed notifications: verified, recorded, applied once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tinhso.payments import conf
from tinhso.payments.errors import (
    CallbackMalformed,
    CallbackRejected,
    CallbackReplayed,
    CallbackStale,
    CallbackUnknownPayment,
)
from tinhso.payments.models import (
    PROCESSED_RESULTS,
    CallbackResult,
    Payment,
    PaymentCallback,
    Receipt,
)
from tinhso.payments.providers import get_provider
from tinhso.payments.services.common import (
    MAX_CALLBACK_BODY,
    logger,
    provider_principal,
)
from tinhso.payments.services.outcomes import apply_provider_view

# --- Callbacks --------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackOutcome:
    result: str
    duplicate: bool
    payment: Payment
    receipt_number: str | None
    callback_id: int


_KEPT_HEADERS = ("content-type", "user-agent")


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    kept = {}
    for key, value in headers.items():
        lower = key.lower()
        if lower in _KEPT_HEADERS or lower.startswith("x-"):
            kept[lower[:60]] = str(value)[:300]
        if len(kept) >= 20:
            break
    return kept


def _record_callback(
    *,
    provider: str,
    body: bytes,
    headers: Mapping[str, str],
    remote_ip: str,
    result: str,
    signature_valid: bool,
    payment: Payment | None = None,
    data=None,
    duplicate: bool = False,
    detail: str = "",
) -> PaymentCallback:
    return PaymentCallback.objects.create(
        provider=provider[:30],
        payment=payment,
        provider_ref=(data.provider_ref if data else "")[:64],
        nonce=(data.nonce if data else "")[:64],
        reported_status=(str(data.status) if data else "")[:20],
        reported_amount=data.amount if data and data.amount > 0 else None,
        body=body[:MAX_CALLBACK_BODY].decode("utf-8", "replace").replace("\x00", ""),
        body_sha256=hashlib.sha256(body).hexdigest(),
        headers=_kept_headers(headers),
        signature_valid=signature_valid,
        remote_ip=(remote_ip or "")[:45],
        result=result,
        duplicate=duplicate,
        detail=detail[:255],
    )


def handle_callback(
    *, provider_name: str, body: bytes, headers: Mapping[str, str], remote_ip: str = ""
) -> CallbackOutcome:
    """Process a provider's server-to-server notification. Every notification is recorded.

    Refused (recorded, nothing else changed, the error raised): no or a wrong signature, a body
    that cannot be read, a timestamp outside ``PAYMENT_CALLBACK_MAX_AGE_SECONDS``, a nonce already
    used for a different body, an unknown transaction. Accepted: the same notification again (a
    duplicate: the first one's result, nothing changed), a success (the payment succeeds and its
    receipt is issued), a failure (the payment fails, unless it had already succeeded), an amount
    that differs from the payment's (flagged for review, not paid).
    """
    provider = get_provider(provider_name)
    name = provider.name

    def refuse(error: CallbackRejected, *, signature_valid: bool, data=None, payment=None):
        with transaction.atomic():
            _record_callback(
                provider=name,
                body=body,
                headers=headers,
                remote_ip=remote_ip,
                result=error.result,
                signature_valid=signature_valid,
                payment=payment,
                data=data,
                detail=error.message_en,
            )
        logger.warning("payment callback refused", extra={"provider": name, "code": error.code})
        raise error

    if len(body) > MAX_CALLBACK_BODY:
        refuse(CallbackMalformed(details={"reason": "too large"}), signature_valid=False)
    try:
        data = provider.verify_callback(body, headers)
    except CallbackRejected as error:
        # Adapters check the signature before they parse: a body they call malformed was signed.
        refuse(error, signature_valid=error.result == CallbackResult.MALFORMED)
    age = abs((timezone.now() - data.sent_at).total_seconds())
    if age > conf.callback_max_age_seconds():
        known = Payment.objects.filter(provider=name, provider_ref=data.provider_ref).first()
        refuse(
            CallbackStale(details={"age_seconds": int(age)}), signature_valid=True, data=data, payment=known
        )

    body_sha = hashlib.sha256(body).hexdigest()
    actor = provider_principal(name)
    error: CallbackRejected | None = None
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("agency", "created_by")
            .filter(provider=name, provider_ref=data.provider_ref)
            .first()
        )
        if payment is None:
            error = CallbackUnknownPayment()
            callback = _record_callback(
                provider=name, body=body, headers=headers, remote_ip=remote_ip,
                result=CallbackResult.UNKNOWN_PAYMENT, signature_valid=True, data=data, detail=error.message_en,
            )  # fmt: skip
        else:
            prior = (
                PaymentCallback.objects.filter(
                    provider=name, nonce=data.nonce, signature_valid=True, result__in=PROCESSED_RESULTS
                )
                .order_by("id")
                .first()
            )
            if prior is not None and prior.body_sha256 != body_sha:
                error = CallbackReplayed()
                callback = _record_callback(
                    provider=name, body=body, headers=headers, remote_ip=remote_ip, payment=payment,
                    result=CallbackResult.REPLAYED, signature_valid=True, data=data, detail=error.message_en,
                )  # fmt: skip
            elif prior is not None:
                result, duplicate = prior.result, True
                callback = _record_callback(
                    provider=name, body=body, headers=headers, remote_ip=remote_ip, payment=payment,
                    result=result, signature_valid=True, data=data, duplicate=True,
                    detail=f"same notification as #{prior.pk}",
                )  # fmt: skip
            else:
                result = apply_provider_view(
                    payment,
                    actor=actor,
                    status=data.status,
                    amount=data.amount,
                    currency=data.currency,
                    provider_txn_no=data.provider_txn_no,
                    paid_at=data.paid_at,
                    source=f"callback from {name}",
                )
                duplicate = result == CallbackResult.UNCHANGED
                callback = _record_callback(
                    provider=name, body=body, headers=headers, remote_ip=remote_ip, payment=payment,
                    result=result, signature_valid=True, data=data, duplicate=duplicate,
                )  # fmt: skip
    if error is not None:
        logger.warning("payment callback refused", extra={"provider": name, "code": error.code})
        raise error
    receipt = Receipt.objects.filter(payment=payment).values_list("number", flat=True).first()
    return CallbackOutcome(
        result=str(result),
        duplicate=duplicate,
        payment=payment,
        receipt_number=receipt,
        callback_id=callback.pk,
    )
