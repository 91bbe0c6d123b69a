"""Domain errors with stable codes and messages in Vietnamese and English.

Services raise these; the API turns them into ``{"code", "message", "message_en"}`` JSON with
the right HTTP status, and views turn them into page messages. The code is the contract: clients
branch on it, never on the message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "error"
    message_vi = "Yêu cầu không hợp lệ."
    message_en = "The request is not valid."

    def __init__(
        self,
        message_vi: str | None = None,
        message_en: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        if message_vi is not None:
            self.message_vi = message_vi
        if message_en is not None:
            self.message_en = message_en
        if code is not None:
            self.code = code
        self.details = details
        super().__init__(f"{self.code}: {self.message_en}")

    def with_status(self, status: int) -> DomainError:
        self.status = status
        return self

    def as_dict(self, language: str = "vi") -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message_en if language.startswith("en") else self.message_vi,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    message_vi = "Dữ liệu không hợp lệ."
    message_en = "The data is not valid."


class NotAuthenticated(DomainError):
    status = 401
    code = "auth.required"
    message_vi = "Cần đăng nhập hoặc mã truy cập hợp lệ."
    message_en = "Authentication is required."


class PermissionDenied(DomainError):
    status = 403
    code = "permission.denied"
    message_vi = "Bạn không có quyền thực hiện thao tác này."
    message_en = "You do not have permission to do this."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message_vi = "Không tìm thấy."
    message_en = "Not found."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message_vi = "Dữ liệu đã bị thay đổi bởi thao tác khác; vui lòng thử lại."
    message_en = "The data was changed by another action; please retry."


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    message_vi = "Quá nhiều yêu cầu; vui lòng thử lại sau."
    message_en = "Too many requests; please try again later."
