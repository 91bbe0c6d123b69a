"""The national Service Index figures (Decision 766/QĐ-TTg, 2022) computed from the platform's data.

The index has five groups (publicity; progress and results; digitisation; online services;
satisfaction). The platform computes the indicators its data can support, each with its
numerator, denominator, formula and source; the others are listed with ``computed = False`` and
the reason, so a report never shows a number the platform cannot stand behind. The national
platform turns rates into points (thresholds such as 80 % or 50 % for the full score); the
points are not computed here (their weights were not verified).

Numbering follows the national platform's formula description (1.4, 2.1, ...), see
docs/onestop.md for what was verified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from tinhso.dossiers.stats import facts
from tinhso.dossiers.stats.formulas import DECISION_766, FORMULA_DESCRIPTION, PLATFORM_RULE, REFERENCE
from tinhso.dossiers.stats.period import Period, period_of
from tinhso.dossiers.stats.selectors import Scope, compute, resolve_scope

GROUPS = {
    "1": ("Công khai, minh bạch", "Publicity and transparency"),
    "2": ("Tiến độ, kết quả giải quyết", "Progress and results"),
    "3": ("Cung cấp dịch vụ trực tuyến", "Online services"),
    "4": ("Số hóa hồ sơ", "Digitisation of dossiers"),
    "5": ("Mức độ hài lòng", "Satisfaction"),
}


@dataclass
class Indicator:
    code: str
    group: str
    name_vi: str
    name_en: str
    unit: str
    """"percent" (value is a fraction 0..1), "working_days", or "" when not computed."""
    value: float | None
    numerator: float | None
    denominator: float | None
    formula_vi: str
    formula_en: str
    source: str
    status: str
    """verified / reference / platform (see formulas.py)."""
    computed: bool = True
    note_vi: str = ""
    note_en: str = ""

    @property
    def group_name_vi(self) -> str:
        return GROUPS[self.group][0]


@dataclass
class ServiceIndexReport:
    date_from: dt.date
    date_to: dt.date
    measured_at: dt.datetime
    agency_ids: list[int] | None
    """The receiving agencies covered (None: all)."""
    indicators: list[Indicator] = field(default_factory=list)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for entry, indicator in zip(data["indicators"], self.indicators, strict=True):
            entry["group_name_vi"] = indicator.group_name_vi
            entry["group_name_en"] = GROUPS[indicator.group][1]
        return data


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _procedures_online(scope: Scope, day: dt.date) -> tuple[int, int]:
    """(procedures offered online, active procedures) performed by the scope's agencies."""
    from tinhso.procedures.models import OnlineLevel, Procedure
    from tinhso.procedures.selectors import active_on

    qs = Procedure.objects.filter(active_on(day))
    if scope.agency_ids is not None:
        qs = qs.filter(performing_agencies__in=sorted(scope.agency_ids))
    if scope.procedure_id is not None:
        qs = qs.filter(pk=scope.procedure_id)
    if scope.field_id is not None:
        qs = qs.filter(field_id=scope.field_id)
    counts = qs.aggregate(
        total=Count("id", distinct=True),
        online=Count("id", distinct=True, filter=Q(online_level__in=[OnlineLevel.FULL, OnlineLevel.PARTIAL])),
    )
    return counts["online"], counts["total"]


def service_index(
    *,
    actor: Any,
    date_from: dt.date,
    date_to: dt.date,
    agency_ids=None,
    include_subordinates: bool = True,
    now: dt.datetime | None = None,
) -> ServiceIndexReport:
    """The Service Index indicators of the period for the agencies the actor may see
    (permission ``dossiers.view_stats``); a constant number of queries."""
    period = period_of(date_from, date_to, now=now or timezone.now())
    scope = resolve_scope(actor, agency_ids=agency_ids, include_subordinates=include_subordinates)
    return build_report(scope, period)


def build_report(scope: Scope, period: Period) -> ServiceIndexReport:
    """The report for an already resolved scope (no permission check here)."""
    row = compute(scope, period, None, facts.Options(processing_time=True, digitisation=True, national=True))[
        0
    ]
    online_procedures, active_procedures = _procedures_online(scope, period.date_to)
    dislikes = row.extra.get("dissatisfied", 0)
    extra = row.extra
    on_time = sum(
        extra.get(name, 0)
        for name in ("national_resolved_early", "national_resolved_on_time", "national_in_progress_in_time")
    )
    legal_on_time = row.resolved_early + row.resolved_on_time + row.in_progress_in_time
    late = row.to_handle - on_time
    processed = row.extra.get("processed", 0)
    with_result = row.extra.get("with_electronic_result", 0)
    digitised = row.extra.get("digitised", 0)
    satisfaction = None
    if row.to_handle:
        satisfaction = round(1 - (late + dislikes) / row.to_handle, 4)
    not_computed = {"unit": "", "value": None, "numerator": None, "denominator": None, "computed": False}
    indicators = [
        Indicator(
            code="1.4",
            group="1",
            name_vi="Tỷ lệ hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia",
            name_en="Share of dossiers synchronised to the National Public Service Portal",
            formula_vi="= Số hồ sơ đã đồng bộ có ngày tiếp nhận trong kỳ / Tổng số hồ sơ tiếp nhận trong kỳ × 100%.",
            formula_en="= Dossiers synchronised with a receipt date in the period / Dossiers received × 100%.",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
            note_vi="Chưa tính: nền tảng chưa có mô-đun đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia.",
            note_en="Not computed: the platform has no synchronisation to the national portal yet.",
            **not_computed,
        ),
        Indicator(
            code="2.1",
            group="2",
            name_vi="Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn",
            name_en="Share of dossiers handled early or on time",
            unit="percent",
            value=_rate(on_time, row.to_handle),
            numerator=on_time,
            denominator=row.to_handle,
            formula_vi="= Số hồ sơ đã và đang xử lý trước hạn, đúng hạn, trong hạn / Tổng số hồ sơ tiếp nhận, "
            "xử lý trong kỳ (tồn kỳ trước + tiếp nhận) × 100%. Đúng hạn: thời điểm kết thúc xử lý (trừ thời "
            "gian chờ bổ sung) không sau ngày hẹn trả; yêu cầu bổ sung quá 01 lần tính trễ hạn; hồ sơ chưa "
            "kết thúc tính tại ngày cuối kỳ.",
            formula_en="= Dossiers handled or being handled early, on time or in time / Dossiers received or "
            "carried over × 100%. On time: the processing end (supplement waiting subtracted) is not after "
            "the appointment; more than one supplement request is late; open dossiers are measured at the "
            "end of the period.",
            source=f"{DECISION_766}; {FORMULA_DESCRIPTION}",
            status=REFERENCE,
            note_vi="Tính như Cổng quốc gia: trừ thời gian chờ bổ sung theo giờ lịch, so với ngày hẹn trả lúc "
            f"tiếp nhận. Theo hạn giải quyết của nền tảng (thời gian chờ tính theo giờ hành chính): "
            f"{legal_on_time}/{row.to_handle}.",
            note_en="As the national portal computes it: the supplement waiting time subtracted in calendar "
            "time, against the appointment given at receipt. On the platform's legal clock (waiting counted "
            f"in office hours): {legal_on_time}/{row.to_handle}.",
        ),
        Indicator(
            code="2.2",
            group="2",
            name_vi="Thời gian giải quyết TTHC trung bình",
            name_en="Average processing time",
            unit="working_days",
            value=row.avg_processing_days,
            numerator=float(row.processing_days_total),
            denominator=row.processed_count,
            formula_vi="= Tổng thời gian giải quyết (ngày làm việc, trừ thời gian chờ bổ sung) của các hồ sơ "
            "đã xử lý xong có ngày tiếp nhận trong kỳ / Số hồ sơ đó.",
            formula_en="= Total processing time (working days, supplement waiting subtracted) of the processed "
            "dossiers received in the period / Their number.",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
            note_vi="Nền tảng tính theo ngày làm việc cho mọi thủ tục; Cổng quốc gia dùng đơn vị thời gian "
            "của từng thủ tục (giờ, ngày, ngày làm việc).",
            note_en="The platform counts working days for every procedure; the national portal uses each "
            "procedure's own unit (hours, days, working days).",
        ),
        Indicator(
            code="3.1",
            group="3",
            name_vi="Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến",
            name_en="Share of procedures offered online",
            unit="percent",
            value=_rate(online_procedures, active_procedures),
            numerator=online_procedures,
            denominator=active_procedures,
            formula_vi="= Số TTHC có dịch vụ công trực tuyến một phần hoặc toàn trình / Tổng số TTHC đang áp "
            "dụng × 100% (theo cơ quan thực hiện của thủ tục khi lọc theo cơ quan).",
            formula_en="= Procedures offered partly or fully online / Procedures in force × 100% (by the "
            "procedure's performing agencies when filtered by agency).",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
            note_vi="Tính tại ngày cuối kỳ từ danh mục thủ tục của nền tảng.",
            note_en="Computed on the last day of the period from the platform's procedure catalog.",
        ),
        Indicator(
            code="3.3",
            group="3",
            name_vi="Tỷ lệ hồ sơ TTHC nộp trực tuyến",
            name_en="Share of dossiers submitted online",
            unit="percent",
            value=_rate(row.received_online, row.received),
            numerator=row.received_online,
            denominator=row.received,
            formula_vi="= Số hồ sơ tiếp nhận trực tuyến có ngày tiếp nhận trong kỳ / Tổng số hồ sơ tiếp nhận "
            "trong kỳ × 100% (mục tiêu ≥ 50%).",
            formula_en="= Dossiers received online in the period / Dossiers received × 100% (target ≥ 50%).",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
            note_vi='Chưa áp dụng điều kiện "có kết quả điện tử với TTHC trả kết quả giấy" và hệ số tỷ lệ '
            "đồng bộ (coi là 100%).",
            note_en='The "electronic result for procedures with a paper result" condition and the '
            "synchronisation factor (taken as 100%) are not applied.",
        ),
        Indicator(
            code="3.6",
            group="3",
            name_vi="Tỷ lệ hồ sơ thanh toán trực tuyến",
            name_en="Share of dossiers paid online",
            unit="percent",
            value=_rate(row.paid_online, row.fee_dossiers),
            numerator=row.paid_online,
            denominator=row.fee_dossiers,
            formula_vi="= Số hồ sơ có phí, lệ phí được thanh toán trực tuyến có ngày tiếp nhận trong kỳ / Tổng "
            "số hồ sơ có phí, lệ phí (khác 0) tiếp nhận trong kỳ × 100%.",
            formula_en="= Dossiers with a fee paid online, received in the period / Dossiers with a non-zero "
            "fee received in the period × 100%.",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
        ),
        Indicator(
            code="4.1",
            group="4",
            name_vi="Tỷ lệ hồ sơ có cấp kết quả giải quyết điện tử",
            name_en="Share of dossiers with an electronic result",
            unit="percent",
            value=_rate(with_result, processed),
            numerator=with_result,
            denominator=processed,
            formula_vi="= Số hồ sơ đã xử lý xong trong kỳ có tệp kết quả điện tử / Số hồ sơ đã xử lý xong "
            "trong kỳ × 100%.",
            formula_en="= Dossiers processed in the period with an electronic result file / Dossiers "
            "processed in the period × 100%.",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
            note_vi="Mẫu số gồm mọi hồ sơ đã xử lý xong: danh mục chưa ghi thủ tục nào bắt buộc trả kết quả "
            "bằng giấy tờ.",
            note_en="The denominator is every processed dossier: the catalog does not record which "
            "procedures must return a paper result.",
        ),
        Indicator(
            code="4.2",
            group="4",
            name_vi="Tỷ lệ hồ sơ TTHC thực hiện số hóa hồ sơ",
            name_en="Share of digitised dossiers",
            unit="percent",
            value=_rate(digitised, processed),
            numerator=digitised,
            denominator=processed,
            formula_vi="= Số hồ sơ đã xử lý xong trong kỳ có thành phần hồ sơ điện tử và kết quả điện tử / "
            "Số hồ sơ đã xử lý xong trong kỳ × 100%.",
            formula_en="= Dossiers processed in the period with electronic documents and an electronic "
            "result / Dossiers processed in the period × 100%.",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
        ),
        Indicator(
            code="4.3",
            group="4",
            name_vi="Tỷ lệ hồ sơ khai thác, sử dụng lại thông tin, dữ liệu số hóa",
            name_en="Share of dossiers reusing digitised data",
            formula_vi="= Số hồ sơ có thành phần sử dụng lại dữ liệu, giấy tờ điện tử đã số hóa / Tổng số hồ "
            "sơ tiếp nhận trong kỳ × 100%.",
            formula_en="= Dossiers with a document reused from digitised data / Dossiers received × 100%.",
            source=FORMULA_DESCRIPTION,
            status=REFERENCE,
            note_vi="Chưa tính: nền tảng chưa ghi nhận thành phần hồ sơ nào lấy lại từ dữ liệu đã số hóa.",
            note_en="Not computed: the platform does not record which documents were reused from "
            "digitised data.",
            **not_computed,
        ),
        Indicator(
            code="5.4",
            group="5",
            name_vi="Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
            name_en="Satisfaction in receiving and handling dossiers",
            unit="percent",
            value=satisfaction,
            numerator=(row.to_handle - late - dislikes) if row.to_handle else None,
            denominator=row.to_handle,
            formula_vi="= 100% − (Tỷ lệ hồ sơ giải quyết quá hạn + Tỷ lệ hồ sơ có đánh giá không hài lòng) "
            "(tính trên tổng số hồ sơ phải giải quyết).",
            formula_en="= 100% − (late share + share of dossiers rated dissatisfied), over the dossiers to "
            "handle.",
            source=FORMULA_DESCRIPTION,
            status=PLATFORM_RULE,
            note_vi='Xấp xỉ: "không hài lòng" = đánh giá 1–2 điểm trong kỳ; phản ánh, kiến nghị chưa liên '
            "kết với hồ sơ nên chưa tính.",
            note_en='Approximation: "dislike" = a rating of 1–2 in the period; citizen reports are not '
            "linked to dossiers and are not counted.",
        ),
    ]
    return ServiceIndexReport(
        date_from=period.date_from,
        date_to=period.date_to,
        measured_at=period.measured_at,
        agency_ids=None if scope.agency_ids is None else sorted(scope.agency_ids),
        indicators=indicators,
    )
