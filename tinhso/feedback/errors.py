"""Errors of the field-report module; each has a stable ``feedback.*`` code (docs/feedback.md)."""

from __future__ import annotations

from tinhso.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed


class ReportNotFound(NotFound):
    code = "feedback.not_found"
    message_vi = "Không tìm thấy phản ánh."
    message_en = "Report not found."


class CategoryNotFound(NotFound):
    code = "feedback.category_not_found"
    message_vi = "Không tìm thấy danh mục phản ánh."
    message_en = "Report category not found."


class UnknownCategory(ValidationFailed):
    code = "feedback.unknown_category"
    message_vi = "Danh mục phản ánh không tồn tại hoặc đã ngừng nhận phản ánh."
    message_en = "The report category does not exist or no longer takes reports."


class SignInRequired(NotAuthenticated):
    code = "feedback.sign_in_required"
    message_vi = "Danh mục này chỉ nhận phản ánh của người đã đăng nhập."
    message_en = "This category only takes reports from signed-in people."


class ContactRequired(ValidationFailed):
    code = "feedback.contact_required"
    message_vi = "Phản ánh không đăng nhập cần để lại thư điện tử hoặc số điện thoại để liên hệ."
    message_en = "An anonymous report needs an e-mail address or a phone number to reply to."


class ReportMerged(Conflict):
    code = "feedback.report_merged"
    message_vi = "Phản ánh đã được gộp vào phản ánh khác; hãy thao tác trên phản ánh chính."
    message_en = "The report was merged into another report; act on the main report."


class NotAssignee(PermissionDenied):
    code = "feedback.not_assignee"
    message_vi = "Chỉ cán bộ được phân công hoặc lãnh đạo cơ quan mới thực hiện được thao tác này."
    message_en = "Only the assigned officer or a leader of the agency may do this."


class ReopenLimit(Conflict):
    code = "feedback.reopen_limit"
    message_vi = "Phản ánh chỉ được mở lại một lần."
    message_en = "A report can be reopened only once."


class IdempotencyKeyReused(Conflict):
    code = "feedback.idempotency_key_reused"
    message_vi = "Khóa Idempotency-Key này đã được dùng cho một phản ánh khác nội dung."
    message_en = "This Idempotency-Key was already used for a report with different content."
