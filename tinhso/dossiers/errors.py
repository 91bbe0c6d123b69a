"""The dossiers module's errors: stable codes, messages in Vietnamese and English."""

from __future__ import annotations

from tinhso.core.errors import Conflict, NotFound, ValidationFailed


def not_found() -> NotFound:
    # The same answer for "does not exist" and "exists but not yours": no existence oracle.
    return NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", code="dossiers.not_found")


def invalid(code: str, message_vi: str, message_en: str, **details) -> ValidationFailed:
    return ValidationFailed(message_vi, message_en, code=f"dossiers.{code}", details=details or None)


def conflict(code: str, message_vi: str, message_en: str, **details) -> Conflict:
    return Conflict(message_vi, message_en, code=f"dossiers.{code}", details=details or None)


def invalid_transition(state: str, action: str) -> Conflict:
    return conflict(
        "invalid_transition",
        f"Không thể thực hiện thao tác “{action}” khi hồ sơ đang ở trạng thái “{state}”.",
        f"The action {action!r} is not allowed while the dossier is {state!r}.",
        state=state,
        action=action,
    )


def stale_version(expected: int, actual: int) -> Conflict:
    return conflict(
        "stale_version",
        "Hồ sơ đã được người khác cập nhật; vui lòng tải lại và thử lại.",
        "The dossier was changed by someone else; reload it and try again.",
        expected_version=expected,
        current_version=actual,
    )
