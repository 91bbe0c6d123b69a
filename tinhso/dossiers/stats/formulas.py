"""What every figure means: its formula in Vietnamese and English, its legal source and whether
that source was verified. The XLSX "Công thức / Formulas" sheet, the Service Index report and
docs/onestop.md all read from here, so the three never disagree."""

from __future__ import annotations

from dataclasses import dataclass

DECISION_766 = (
    "Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ phê duyệt Bộ chỉ số chỉ đạo, điều hành "
    "và đánh giá chất lượng phục vụ người dân, doanh nghiệp trong thực hiện thủ tục hành chính, dịch vụ "
    "công theo thời gian thực trên môi trường điện tử (Phụ lục)"
)
FORMULA_DESCRIPTION = (
    "Mô tả công thức tính chỉ số 766 của Cổng Dịch vụ công quốc gia (bản chép lại công khai, không phải "
    "văn bản của Quyết định)"
)
DECREE_61 = "Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP), thay thế từ 1/7/2025 bởi Nghị định 118/2025/NĐ-CP"
PLATFORM = "Quy ước của nền tảng Tỉnh số (docs/onestop.md)"

# Verification status of a figure's source.
VERIFIED = "verified"
"""The rule was read in a published copy of the text (or a government summary of it)."""
REFERENCE = "reference"
"""Read only in a third-party copy of the national platform's formula description."""
PLATFORM_RULE = "platform"
"""The platform's own definition, documented because the texts leave it open."""


@dataclass(frozen=True)
class Figure:
    code: str
    label_vi: str
    label_en: str
    formula_vi: str
    formula_en: str
    source: str
    status: str
    number_format: str = "0"
    """Excel number format of the figure's cells."""


_TIMELINESS_VI = (
    "Kết thúc xử lý = thời điểm trạng thái kết thúc (đã xử lý xong – ưu tiên hơn đã trả kết quả –, dừng xử "
    "lý, từ chối, rút hồ sơ sau tiếp nhận); so với hạn giải quyết due_at = ngày hẹn trả lúc tiếp nhận cộng "
    "thời gian chờ bổ sung (tính theo giờ hành chính); gia hạn (Mẫu 04) không dời hạn. Hồ sơ đang chờ bổ "
    "sung tính tại thời điểm yêu cầu bổ sung; yêu cầu bổ sung quá 01 lần là trễ hạn; hồ sơ chưa kết thúc đo "
    "tại cuối kỳ (hoặc hiện tại nếu kỳ chưa hết). Không có hạn: số ngày làm việc từ tiếp nhận đến kết thúc "
    "so với thời hạn giải quyết của thủ tục."
)
_TIMELINESS_EN = (
    "Processing end = the moment of the terminal status (processed – preferred over result returned –, "
    "stopped, refused, withdrawn after receipt), compared with the deadline due_at = the appointment "
    "given at receipt plus the time waited for supplements (in office hours); extensions (Form 04) do "
    "not move it. A dossier waiting for a supplement is measured at the request; more than one "
    "supplement request means late; an open dossier is measured at the end of the period (or now). "
    "Without a deadline: working days from receipt to the end against the procedure's processing days."
)

STATS_FIGURES: tuple[Figure, ...] = (
    Figure(
        "carried_over",
        "Tồn kỳ trước",
        "Carried over",
        "Số hồ sơ tiếp nhận trước kỳ, chưa kết thúc xử lý khi kỳ bắt đầu.",
        "Dossiers received before the period and not ended when it starts.",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "received",
        "Tiếp nhận trong kỳ",
        "Received",
        "Số hồ sơ có ngày tiếp nhận trong kỳ (không gồm hồ sơ bị từ chối tiếp nhận).",
        "Dossiers whose receipt date falls in the period (refused dossiers were never received).",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "received_online",
        "Tiếp nhận trực tuyến",
        "Received online",
        "Hồ sơ tiếp nhận trong kỳ có kênh nộp = 2 (trực tuyến).",
        "Received dossiers submitted online (channel 2).",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "received_counter",
        "Tiếp nhận trực tiếp",
        "Received at the counter",
        "Hồ sơ tiếp nhận trong kỳ có kênh nộp = 1 (trực tiếp).",
        "Received dossiers handed in at the counter (channel 1).",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "received_postal",
        "Tiếp nhận qua bưu chính",
        "Received by post",
        "Hồ sơ tiếp nhận trong kỳ có kênh nộp = 3 (bưu chính công ích).",
        "Received dossiers sent by the public postal service (channel 3).",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "to_handle",
        "Tổng số phải giải quyết",
        "To handle",
        "= Tồn kỳ trước + Tiếp nhận trong kỳ (= Đã giải quyết + Đang giải quyết).",
        "= Carried over + Received (= Resolved + In progress).",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "resolved",
        "Đã giải quyết",
        "Resolved",
        "Hồ sơ phải giải quyết có thời điểm kết thúc xử lý trong kỳ. " + _TIMELINESS_VI,
        "Dossiers to handle whose processing ended in the period. " + _TIMELINESS_EN,
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "resolved_early",
        "Trước hạn",
        "Early",
        "Đã giải quyết, không trễ hạn và sớm ít nhất 01 ngày làm việc: thời điểm kết thúc cộng 01 ngày làm "
        "việc vẫn không sau hạn giải quyết (như trạng thái trên trang hồ sơ).",
        "Resolved, not late, and at least one working day early: the end plus one working day is still not "
        "after the deadline (as the dossier's own page shows).",
        PLATFORM,
        PLATFORM_RULE,
    ),
    Figure(
        "resolved_on_time",
        "Đúng hạn",
        "On time",
        "Đã giải quyết, kết thúc không sau hạn giải quyết và không trước hạn.",
        "Resolved, ended not after the deadline, and not early.",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "resolved_late",
        "Trễ hạn",
        "Late",
        "Đã giải quyết, kết thúc sau hạn giải quyết, hoặc có hơn 01 lần yêu cầu bổ sung.",
        "Resolved after the deadline, or with more than one supplement request.",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "in_progress",
        "Đang giải quyết",
        "In progress",
        "Hồ sơ phải giải quyết chưa kết thúc xử lý tại cuối kỳ (hoặc hiện tại nếu kỳ chưa hết).",
        "Dossiers to handle not ended at the end of the period (or now while it runs).",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "in_progress_in_time",
        "Đang giải quyết trong hạn",
        "In progress, in time",
        "Đang giải quyết và thời điểm đo (cuối kỳ, hoặc thời điểm yêu cầu bổ sung đang chờ) không sau hạn.",
        "In progress and the measuring moment (period end, or a pending supplement request) is not after "
        "the deadline.",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "in_progress_overdue",
        "Đang giải quyết quá hạn",
        "In progress, overdue",
        "Đang giải quyết và đã quá hạn tại thời điểm đo, hoặc có hơn 01 lần yêu cầu bổ sung.",
        "In progress and past the deadline at the measuring moment, or more than one supplement request.",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "refused",
        "Từ chối tiếp nhận",
        "Refused",
        "Số hồ sơ bị từ chối tiếp nhận (Mẫu 03) trong kỳ.",
        "Dossiers refused at the desk (Form 03) in the period.",
        DECREE_61,
        PLATFORM_RULE,
    ),
    Figure(
        "withdrawn",
        "Rút hồ sơ",
        "Withdrawn",
        "Số hồ sơ người nộp rút trong kỳ (trước hoặc sau tiếp nhận).",
        "Dossiers withdrawn by the applicant in the period (before or after receipt).",
        PLATFORM,
        PLATFORM_RULE,
    ),
    Figure(
        "stopped",
        "Dừng xử lý",
        "Stopped",
        "Số hồ sơ dừng xử lý (Mẫu 05) trong kỳ.",
        "Dossiers whose processing was stopped (Form 05) in the period.",
        DECREE_61,
        PLATFORM_RULE,
    ),
    Figure(
        "on_time_rate",
        "Tỷ lệ đúng hạn",
        "On-time rate",
        "= (Trước hạn + Đúng hạn + Đang giải quyết trong hạn) / Tổng số phải giải quyết × 100%.",
        "= (Early + On time + In progress in time) / To handle × 100%.",
        FORMULA_DESCRIPTION,
        REFERENCE,
        "0.00%",
    ),
    Figure(
        "online_rate",
        "Tỷ lệ hồ sơ trực tuyến",
        "Online share",
        "= Tiếp nhận trực tuyến / Tiếp nhận trong kỳ × 100%.",
        "= Received online / Received × 100%.",
        FORMULA_DESCRIPTION,
        REFERENCE,
        "0.00%",
    ),
    Figure(
        "fee_dossiers",
        "Hồ sơ có phí, lệ phí",
        "Dossiers with a fee",
        "Hồ sơ tiếp nhận trong kỳ có số tiền phí, lệ phí lớn hơn 0.",
        "Received dossiers whose fee is above 0.",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "paid_online",
        "Thanh toán trực tuyến",
        "Paid online",
        "Hồ sơ có phí tiếp nhận trong kỳ có ít nhất một giao dịch thanh toán trực tuyến thành công.",
        "Dossiers with a fee received in the period that have a succeeded online payment.",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "online_payment_rate",
        "Tỷ lệ thanh toán trực tuyến",
        "Online payment share",
        "= Thanh toán trực tuyến / Hồ sơ có phí, lệ phí × 100%.",
        "= Paid online / Dossiers with a fee × 100%.",
        FORMULA_DESCRIPTION,
        REFERENCE,
        "0.00%",
    ),
    Figure(
        "processed_count",
        "Hồ sơ đã xử lý xong (tiếp nhận trong kỳ)",
        "Processed (received in the period)",
        "Hồ sơ tiếp nhận trong kỳ ở trạng thái đã xử lý xong hoặc đã trả kết quả (ngày xử lý xong có thể "
        "sau kỳ).",
        "Dossiers received in the period that are processed or returned (possibly after the period).",
        FORMULA_DESCRIPTION,
        REFERENCE,
    ),
    Figure(
        "avg_processing_days",
        "Thời gian giải quyết trung bình (ngày làm việc)",
        "Average processing time (working days)",
        "= Σ (số ngày làm việc từ ngày tiếp nhận đến ngày xử lý xong − số ngày chờ bổ sung) / số hồ sơ đã "
        "xử lý xong.",
        "= Σ (working days from the receipt day to the processing day − days waited for supplements) / "
        "processed dossiers.",
        FORMULA_DESCRIPTION,
        REFERENCE,
        "0.00",
    ),
    Figure(
        "ratings",
        "Lượt đánh giá",
        "Ratings",
        "Số lượt đánh giá mức độ hài lòng (1–5) gửi trong kỳ.",
        "Satisfaction ratings (1–5) given in the period.",
        PLATFORM,
        PLATFORM_RULE,
    ),
    Figure(
        "satisfaction_avg",
        "Điểm hài lòng trung bình",
        "Average satisfaction",
        "= Tổng điểm / Lượt đánh giá (thang 1–5).",
        "= Sum of scores / Ratings (scale 1–5).",
        PLATFORM,
        PLATFORM_RULE,
        "0.00",
    ),
    Figure(
        "satisfied_rate",
        "Tỷ lệ hài lòng",
        "Satisfied share",
        "= Lượt đánh giá 4 hoặc 5 điểm / Lượt đánh giá × 100%.",
        "= Ratings of 4 or 5 / Ratings × 100%.",
        PLATFORM,
        PLATFORM_RULE,
        "0.00%",
    ),
)

FIGURES_BY_CODE = {figure.code: figure for figure in STATS_FIGURES}
