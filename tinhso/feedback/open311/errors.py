"""Errors of the Open311 layer; each has a stable ``open311.*`` code (docs/open311.md).

The GeoReport v2 error body carries only ``code`` (the HTTP status) and ``description``; the
stable code travels in the ``X-Tinhso-Error-Code`` header.
"""

from __future__ import annotations

from tinhso.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed


class ApiKeyRequired(PermissionDenied):
    code = "open311.api_key_required"
    message_vi = "Cần tham số api_key để gửi phản ánh qua Open311."
    message_en = "An api_key is required to submit a service request."


class InvalidApiKey(PermissionDenied):
    code = "open311.invalid_api_key"
    message_vi = "api_key không hợp lệ."
    message_en = "Invalid api_key received."


class RevokedApiKey(PermissionDenied):
    code = "open311.api_key_revoked"
    message_vi = "api_key đã bị thu hồi; hãy liên hệ đơn vị quản lý để được cấp khóa mới."
    message_en = "This api_key was revoked; ask the platform operators for a new one."


class JurisdictionNotFound(NotFound):
    code = "open311.jurisdiction_not_found"
    message_vi = "Không tìm thấy jurisdiction_id này; điểm cuối chỉ phục vụ một địa phương."
    message_en = "jurisdiction_id not found; this endpoint serves one jurisdiction only."


class ApiKeyNotFound(NotFound):
    code = "open311.key_not_found"
    message_vi = "Không tìm thấy khóa Open311."
    message_en = "Open311 key not found."


class MalformedInput(ValidationFailed):
    code = "open311.malformed_input"
    message_vi = "Nội dung yêu cầu không đọc được."
    message_en = "The request body could not be read."


class InvalidParameter(ValidationFailed):
    code = "open311.invalid_parameter"
    message_vi = "Tham số không hợp lệ."
    message_en = "Invalid parameter."


class TooManyRequests(RateLimited):
    code = "open311.rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Quá nhiều yêu cầu; vui lòng thử lại sau {retry_after} giây.",
            f"Too many requests; retry in {retry_after} seconds.",
        )
        self.retry_after = retry_after
