"""Why an upload is refused, as domain errors whose HTTP status tells the client which kind.

413: too large; 415: the type (by content) is not acceptable; 422: the content is malformed,
unsafe or infected; 503: the antivirus could not be reached and uploads fail closed.
"""

from __future__ import annotations

from tinhso.core.errors import DomainError, ValidationFailed


class FileTooLarge(ValidationFailed):
    status = 413
    code = "files.too_large"
    message_vi = "Tệp vượt quá dung lượng cho phép."
    message_en = "The file is larger than allowed."


class FileTypeRefused(ValidationFailed):
    status = 415
    code = "files.type_not_allowed"
    message_vi = "Loại tệp không được chấp nhận."
    message_en = "This type of file is not accepted."


class FileContentInvalid(ValidationFailed):
    status = 422
    code = "files.invalid_content"
    message_vi = "Nội dung tệp không hợp lệ."
    message_en = "The content of the file is not valid."


class FileInfected(ValidationFailed):
    status = 422
    code = "files.infected"
    message_vi = "Tệp bị phát hiện chứa mã độc và đã bị từ chối."
    message_en = "Malware was detected in the file; it was refused."


class ScannerUnavailable(DomainError):
    status = 503
    code = "files.scanner_unavailable"
    message_vi = "Chưa kiểm tra được virus cho tệp lúc này; vui lòng thử lại sau."
    message_en = "The file could not be checked for viruses right now; please try again later."
