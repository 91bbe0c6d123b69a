"""The payments app's errors: stable codes, messages in Vietnamese and English."""

from __future__ import annotations

from tinhso.core.errors import Conflict, DomainError, NotFound, ValidationFailed


def payment_not_found() -> NotFound:
    return NotFound(
        "Không tìm thấy khoản thanh toán.", "The payment was not found.", code="payments.not_found"
    )


def receipt_not_found() -> NotFound:
    return NotFound(
        "Khoản thanh toán chưa có biên lai.", "The payment has no receipt.", code="payments.receipt_not_found"
    )


def invalid(code: str, message_vi: str, message_en: str, **details) -> ValidationFailed:
    return ValidationFailed(message_vi, message_en, code=f"payments.{code}", details=details or None)


def conflict(code: str, message_vi: str, message_en: str, **details) -> Conflict:
    return Conflict(message_vi, message_en, code=f"payments.{code}", details=details or None)


class ProviderUnavailable(DomainError):
    status = 503
    code = "payments.provider_unavailable"
    message_vi = "Cổng thanh toán chưa được cấu hình hoặc tạm thời không hoạt động."
    message_en = "The payment provider is not configured or is unavailable."


class UnknownProvider(NotFound):
    code = "payments.unknown_provider"
    message_vi = "Không có cổng thanh toán này."
    message_en = "There is no such payment provider."


class CallbackRejected(DomainError):
    """A provider's notification the platform refuses; the notification is still recorded."""

    status = 400
    code = "payments.callback_rejected"
    message_vi = "Thông báo kết quả thanh toán không hợp lệ."
    message_en = "The payment notification is not valid."
    result = "malformed"


class CallbackUnsigned(CallbackRejected):
    status = 401
    code = "payments.callback_unsigned"
    message_vi = "Thông báo kết quả thanh toán không có chữ ký."
    message_en = "The payment notification is not signed."
    result = "unsigned"


class CallbackBadSignature(CallbackRejected):
    status = 401
    code = "payments.callback_bad_signature"
    message_vi = "Chữ ký của thông báo kết quả thanh toán không hợp lệ."
    message_en = "The payment notification's signature is not valid."
    result = "bad_signature"


class CallbackMalformed(CallbackRejected):
    code = "payments.callback_malformed"
    result = "malformed"


class CallbackStale(CallbackRejected):
    code = "payments.callback_stale"
    message_vi = "Thông báo kết quả thanh toán đã quá thời hạn chấp nhận."
    message_en = "The payment notification is outside the accepted time window."
    result = "stale"


class CallbackReplayed(CallbackRejected):
    code = "payments.callback_replayed"
    message_vi = "Mã chống phát lại của thông báo đã được dùng cho một nội dung khác."
    message_en = "The notification's nonce was already used for a different notification."
    result = "replayed"


class CallbackUnknownPayment(CallbackRejected):
    status = 404
    code = "payments.callback_unknown_payment"
    message_vi = "Không tìm thấy giao dịch được thông báo."
    message_en = "The notified transaction is unknown."
    result = "unknown_payment"
