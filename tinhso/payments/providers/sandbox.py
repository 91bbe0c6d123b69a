"""The sandbox: a simulated payment gateway inside the platform, behaving like a real one.

It has two sides. :class:`SandboxProvider` is the platform's adapter, exactly like the adapter of
a real gateway would be. The rest of this module is "the bank": its ledger
(:class:`~tinhso.payments.models.SandboxTransaction`), the payer page at
``/thanh-toan/sandbox/<ref>/`` (see ``sandbox_views.py``) and the notifications it sends to the
platform's callback URL, signed with HMAC-SHA256, from a background task that testers can delay
or make send the same notification twice. The bank's ledger answers ``query`` and
``daily_statement`` on its own, so reconciliation finds what the platform missed.

It refuses to work unless PAYMENT_SANDBOX_ENABLED (on by default only with DEBUG or
TINHSO_TESTING): a production server must never treat a simulated payment as money received.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tinhso.core.errors import DomainError, ValidationFailed
from tinhso.payments import conf
from tinhso.payments.errors import (
    CallbackBadSignature,
    CallbackMalformed,
    CallbackUnsigned,
    ProviderUnavailable,
)
from tinhso.payments.models import SandboxCallback, SandboxStatus, SandboxTransaction
from tinhso.payments.providers.base import (
    CallbackData,
    CreatedTransaction,
    PaymentProvider,
    ProviderStatus,
    QueryResult,
    StatementLine,
)

if TYPE_CHECKING:
    from tinhso.payments.models import Payment

logger = logging.getLogger("tinhso.payments.sandbox")

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

SIGNATURE_HEADER = "X-Sandbox-Signature"
MAX_DELAY_SECONDS = 3600
MAX_COPIES = 3
MAX_AMOUNT_DELTA = 1_000_000
HTTP_TIMEOUT_SECONDS = 10
REPORTED_STATUSES = {SandboxStatus.SUCCEEDED, SandboxStatus.FAILED, SandboxStatus.CANCELLED}


# --- Signing --------------------------------------------------------------------------


def canonical_body(payload: Mapping[str, Any]) -> bytes:
    """The one byte form of a notification: JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(body: bytes) -> str:
    return hmac.new(conf.sandbox_secret(), body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return str(value).strip()
    return ""


# --- The platform's adapter -------------------------------------------------------------


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    label = "Cổng thanh toán thử nghiệm (sandbox)"
    is_test = True

    def check_available(self) -> None:
        if not conf.sandbox_enabled():
            raise ProviderUnavailable(
                "Cổng thanh toán thử nghiệm bị tắt trên máy chủ này.",
                "The sandbox payment gateway is disabled on this server.",
            )

    def create(self, payment: Payment, *, callback_url: str, return_url: str) -> CreatedTransaction:
        self.check_available()
        merchant_ref = str(payment.public_id)
        tx = SandboxTransaction.objects.filter(merchant_ref=merchant_ref).first()
        if tx is None:
            tx = SandboxTransaction.objects.create(
                ref="SBX" + secrets.token_hex(16).upper(),
                merchant_ref=merchant_ref,
                amount=payment.amount,
                currency=payment.currency,
                description=payment.description,
                merchant_name=payment.agency.name if payment.agency_id else "",
                return_url=return_url,
                callback_url=callback_url,
                expires_at=timezone.now() + timedelta(minutes=conf.sandbox_transaction_minutes()),
            )
        return CreatedTransaction(
            # Absolute, like a real gateway's address: API clients (the mobile app) open it as is.
            redirect_url=conf.site_url() + reverse("payments:sandbox_pay", args=[tx.ref]),
            provider_ref=tx.ref,
            expires_at=tx.expires_at,
        )

    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackData:
        # A disabled sandbox must not move payments either, whoever holds its key.
        self.check_available()
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature:
            raise CallbackUnsigned()
        # The signature covers the exact bytes sent; it is checked before the body is parsed.
        if not hmac.compare_digest(signature.lower().encode("ascii", "replace"), sign(body).encode("ascii")):
            raise CallbackBadSignature()
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise CallbackMalformed(details={"reason": "not JSON"}) from None
        return _parse_notification(payload)

    def query(self, provider_ref: str) -> QueryResult:
        self.check_available()
        tx = SandboxTransaction.objects.filter(ref=provider_ref).first()
        if tx is None:
            return QueryResult(status=ProviderStatus.UNKNOWN)
        status = _current_status(tx)
        return QueryResult(
            status=ProviderStatus(status),
            amount=tx.settled_amount if tx.settled_amount is not None else tx.amount,
            provider_txn_no=tx.bank_txn_no,
            paid_at=tx.completed_at if status == SandboxStatus.SUCCEEDED else None,
        )

    def daily_statement(self, day: date) -> list[StatementLine]:
        self.check_available()
        start = datetime(day.year, day.month, day.day, tzinfo=TZ)
        rows = SandboxTransaction.objects.filter(
            completed_at__gte=start,
            completed_at__lt=start + timedelta(days=1),
            status__in=REPORTED_STATUSES,
        ).order_by("completed_at", "id")
        return [
            StatementLine(
                provider_ref=tx.ref,
                amount=tx.settled_amount if tx.settled_amount is not None else tx.amount,
                status=ProviderStatus(tx.status),
                provider_txn_no=tx.bank_txn_no,
                paid_at=tx.completed_at if tx.status == SandboxStatus.SUCCEEDED else None,
            )
            for tx in rows
        ]


def _parse_notification(payload: Any) -> CallbackData:
    def bad(reason: str) -> CallbackMalformed:
        return CallbackMalformed(details={"reason": reason})

    if not isinstance(payload, dict):
        raise bad("not an object")
    ref, status, amount = payload.get("provider_ref"), payload.get("status"), payload.get("amount")
    nonce, timestamp = payload.get("nonce"), payload.get("timestamp")
    if not isinstance(ref, str) or not ref or len(ref) > 64:
        raise bad("provider_ref")
    if status not in {s.value for s in REPORTED_STATUSES}:
        raise bad("status")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise bad("amount")
    if not isinstance(nonce, str) or not 16 <= len(nonce) <= 64:
        raise bad("nonce")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise bad("timestamp")
    paid_at = None
    if payload.get("paid_at"):
        try:
            paid_at = datetime.fromisoformat(str(payload["paid_at"]))
        except ValueError:
            raise bad("paid_at") from None
        if timezone.is_naive(paid_at):
            raise bad("paid_at")
    try:
        sent_at = datetime.fromtimestamp(timestamp, tz=TZ)
    except (OverflowError, OSError, ValueError):
        raise bad("timestamp") from None
    return CallbackData(
        provider_ref=ref,
        status=ProviderStatus(status),
        amount=amount,
        currency=str(payload.get("currency") or ""),
        nonce=nonce,
        sent_at=sent_at,
        provider_txn_no=str(payload.get("bank_txn_no") or "")[:64],
        paid_at=paid_at,
        raw=payload,
    )


# --- The bank's side --------------------------------------------------------------------


class SandboxError(ValidationFailed):
    code = "payments.sandbox_refused"


def _current_status(tx: SandboxTransaction) -> str:
    if tx.status == SandboxStatus.PENDING and tx.expires_at <= timezone.now():
        return SandboxStatus.EXPIRED
    return tx.status


def find_transaction(ref: str) -> SandboxTransaction | None:
    return SandboxTransaction.objects.filter(ref=ref).first()


def transaction_status(tx: SandboxTransaction) -> str:
    return _current_status(tx)


OUTCOMES = {
    "success": SandboxStatus.SUCCEEDED,
    "failure": SandboxStatus.FAILED,
    "cancel": SandboxStatus.CANCELLED,
}


@transaction.atomic
def complete_transaction(
    ref: str,
    *,
    outcome: str,
    delay_seconds: int = 0,
    copies: int = 1,
    send_callback: bool = True,
    amount_delta: int = 0,
) -> SandboxTransaction:
    """The payer finished on the bank's page: record the outcome and owe the platform a notification.

    Tester options: ``delay_seconds`` before the notification is sent, ``copies`` of the identical
    notification (a duplicate), ``send_callback=False`` (the notification is lost), and
    ``amount_delta`` (the bank debits a different amount than asked).
    """
    SandboxProvider().check_available()
    if outcome not in OUTCOMES:
        raise SandboxError("Kết quả không hợp lệ.", "Unknown outcome.", details={"outcome": outcome})
    if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise SandboxError(
            f"Độ trễ phải từ 0 đến {MAX_DELAY_SECONDS} giây.",
            f"The delay must be between 0 and {MAX_DELAY_SECONDS} seconds.",
        )
    if not 1 <= copies <= MAX_COPIES:
        raise SandboxError(
            f"Số lần gửi phải từ 1 đến {MAX_COPIES}.", f"Copies must be between 1 and {MAX_COPIES}."
        )
    if abs(amount_delta) > MAX_AMOUNT_DELTA:
        raise SandboxError("Chênh lệch số tiền quá lớn.", "The amount difference is too large.")
    tx = SandboxTransaction.objects.select_for_update().filter(ref=ref).first()
    if tx is None:
        raise SandboxError(
            "Không tìm thấy giao dịch.", "No such transaction.", code="payments.sandbox_not_found"
        )
    current = _current_status(tx)
    if current != SandboxStatus.PENDING:
        if current == SandboxStatus.EXPIRED and tx.status != SandboxStatus.EXPIRED:
            tx.status = SandboxStatus.EXPIRED
            tx.save(update_fields=["status"])
        raise SandboxError(
            "Giao dịch đã kết thúc hoặc hết hạn, không thể thanh toán.",
            "The transaction is finished or expired.",
            code="payments.sandbox_closed",
            details={"status": current},
        )
    now = timezone.now()
    tx.status = OUTCOMES[outcome]
    tx.completed_at = now
    if tx.status == SandboxStatus.SUCCEEDED:
        settled = tx.amount + amount_delta
        if settled <= 0:
            raise SandboxError("Số tiền ghi nợ phải dương.", "The debited amount must be positive.")
        tx.settled_amount = settled
        tx.bank_txn_no = f"SBT{now.astimezone(TZ):%Y%m%d}{secrets.randbelow(10**8):08d}"
    tx.save(update_fields=["status", "completed_at", "settled_amount", "bank_txn_no"])
    if send_callback:
        callback = SandboxCallback.objects.create(
            transaction=tx, status=tx.status, due_at=now + timedelta(seconds=delay_seconds), copies=copies
        )
        transaction.on_commit(lambda: schedule_callback(callback.pk))
    logger.info(
        "sandbox transaction completed",
        extra={"ref": tx.ref, "status": tx.status, "delay": delay_seconds, "copies": copies},
    )
    return tx


def schedule_callback(callback_id: int) -> bool:
    """Enqueue the delivery task at the callback's due time; False when the task backend cannot
    defer (the immediate backend of tests): ``send_due_callbacks`` then sends it once due."""
    from tinhso.payments.tasks import deliver_sandbox_callback

    callback = SandboxCallback.objects.filter(pk=callback_id).first()
    if callback is None or callback.done:
        return False
    task = deliver_sandbox_callback
    if callback.due_at > timezone.now():
        if not task.get_backend().supports_defer:
            return False
        task = task.using(run_after=callback.due_at)
    task.enqueue(callback_id)
    return True


def _build_body(callback: SandboxCallback) -> bytes:
    tx = callback.transaction
    paid = callback.status == SandboxStatus.SUCCEEDED
    payload = {
        "provider_ref": tx.ref,
        "merchant_ref": tx.merchant_ref,
        "status": callback.status,
        "amount": (tx.settled_amount if paid and tx.settled_amount is not None else tx.amount),
        "currency": tx.currency,
        "bank_txn_no": tx.bank_txn_no,
        "paid_at": tx.completed_at.isoformat() if paid and tx.completed_at else None,
        "nonce": secrets.token_hex(16),
        "timestamp": int(timezone.now().timestamp()),
    }
    return canonical_body(payload)


def _send(url: str, body: bytes, signature: str) -> tuple[int, str]:
    """Deliver one notification; (HTTP status, response text), status 0 when nothing answered."""
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    if conf.sandbox_callback_transport() == "direct":
        from tinhso.payments import services

        try:
            outcome = services.handle_callback(provider_name="sandbox", body=body, headers=headers)
        except DomainError as error:  # a refused notification is an answer too, like an HTTP 4xx
            return error.status, error.code
        except Exception as error:  # the platform failed: like an HTTP 500, the bank retries later
            logger.exception("sandbox direct callback failed")
            return 500, type(error).__name__
        return 200, outcome.result
    if not url.startswith(("http://", "https://")):
        return 0, "callback URL is not http(s)"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - our own URL
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, response.read(400).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(400).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        return 0, str(error)[:400]


def deliver_callback(callback_id: int, *, now: datetime | None = None) -> str:
    """Send a due notification (every copy of it); called by the task, safe to call again.

    ``now`` lets a caller (``send_due_callbacks``, tests) decide what is due."""
    now = now or timezone.now()
    with transaction.atomic():
        callback = (
            SandboxCallback.objects.select_for_update(of=("self",))
            .select_related("transaction")
            .filter(pk=callback_id)
            .first()
        )
        if callback is None or callback.done:
            return "done"
        if callback.due_at > now:
            return "not due"
        if not callback.body or callback.last_error:
            # A new round (first send, or a retry after a failure) is signed afresh: new
            # timestamp, new nonce. The copies within one round are byte-identical.
            body = _build_body(callback)
            callback.body = body.decode("utf-8")
            callback.signature = sign(body)
            callback.last_error = ""
        callback.attempts += 1
        callback.save(update_fields=["body", "signature", "last_error", "attempts", "updated_at"])
        url, body, signature = (
            callback.transaction.callback_url,
            callback.body.encode("utf-8"),
            callback.signature,
        )
        remaining = callback.copies - callback.sent_count

    sent, status, text = 0, 0, ""
    for _ in range(remaining):
        status, text = _send(url, body, signature)
        if status == 0 or status >= 500:
            break
        sent += 1

    with transaction.atomic():
        callback = SandboxCallback.objects.select_for_update().get(pk=callback_id)
        callback.sent_count += sent
        callback.last_status_code = status or None
        callback.last_response = text[:500]
        if callback.sent_count < callback.copies:
            # Nobody answered, or the platform failed: try again later, like a bank does.
            callback.last_error = text[:500] or f"HTTP {status}"
            if callback.attempts >= conf.sandbox_callback_max_attempts():
                callback.given_up = True
            else:
                callback.due_at = timezone.now() + timedelta(seconds=30 * 2 ** (callback.attempts - 1))
        callback.save()
        given_up, retry = callback.given_up, not callback.done
    if given_up:
        logger.error("sandbox callback given up", extra={"callback": callback_id, "status": status})
        return "given up"
    if retry:
        transaction.on_commit(lambda: schedule_callback(callback_id))
        logger.warning("sandbox callback not delivered", extra={"callback": callback_id, "status": status})
        return "retry"
    return "sent"


def send_due_callbacks(*, now: datetime | None = None) -> int:
    """Send every notification that is due (for task backends that cannot defer); returns how many."""
    now = now or timezone.now()
    due = list(
        SandboxCallback.objects.filter(given_up=False, due_at__lte=now).values_list(
            "pk", "copies", "sent_count"
        )
    )
    count = 0
    for pk, copies, sent_count in due:
        if sent_count < copies and deliver_callback(pk, now=now) == "sent":
            count += 1
    return count
