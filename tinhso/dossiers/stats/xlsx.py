"""The statistics as an Excel workbook: a sheet per breakdown, the Service Index, and the formulas.

Headers are in Vietnamese (the province's reports are); the last sheet explains every figure in
Vietnamese and English with its source. Counts are integers, rates are Excel percentages.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers.stats.formulas import STATS_FIGURES
from tinhso.dossiers.stats.index import GROUPS, build_report
from tinhso.dossiers.stats.period import period_of
from tinhso.dossiers.stats.selectors import StatsRow, compute, resolve_scope

BREAKDOWNS = (
    (None, "Tổng hợp", "Toàn bộ phạm vi"),
    ("agency", "Theo cơ quan", "Cơ quan tiếp nhận"),
    ("procedure", "Theo thủ tục", "Thủ tục hành chính"),
    ("field", "Theo lĩnh vực", "Lĩnh vực"),
    ("month", "Theo tháng", "Tháng"),
)
FORMULAS_SHEET = "Công thức - Formulas"  # Excel forbids "/" in sheet names
STATUS_VI = {
    "verified": "Đã đối chiếu văn bản",
    "reference": "Theo bản mô tả công thức của Cổng DVCQG (bản chép lại), chưa đối chiếu văn bản gốc",
    "platform": "Quy ước của nền tảng",
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=13)


def _header(ws, row: int, titles: list[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = ws.cell(row=row, column=column, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = ws.cell(row=row + 1, column=3)


def _widths(ws, widths: list[int]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def _title(ws, text: str, period_text: str) -> None:
    ws.cell(row=1, column=1, value=text).font = TITLE_FONT
    ws.cell(row=2, column=1, value=period_text)


def _value(row: StatsRow, code: str) -> Any:
    value = getattr(row, code)
    return float(value) if value is not None and not isinstance(value, int) else value


def _breakdown_sheet(ws, title: str, key_title: str, rows: list[StatsRow], period_text: str) -> None:
    _title(ws, title, period_text)
    _header(ws, 4, ["Mã", key_title, *(figure.label_vi for figure in STATS_FIGURES)])
    for offset, row in enumerate(rows):
        line = 5 + offset
        ws.cell(row=line, column=1, value=row.key)
        ws.cell(row=line, column=2, value=row.name)
        for column, figure in enumerate(STATS_FIGURES, start=3):
            cell = ws.cell(row=line, column=column, value=_value(row, figure.code))
            cell.number_format = figure.number_format
    _widths(ws, [18, 40, *([14] * len(STATS_FIGURES))])
    ws.row_dimensions[4].height = 45


def _index_sheet(ws, report, period_text: str) -> None:
    _title(ws, "Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg)", period_text)
    _header(
        ws, 4, ["Mã", "Nhóm chỉ số", "Chỉ số", "Giá trị", "Tử số", "Mẫu số", "Đơn vị", "Công thức", "Ghi chú"]
    )
    for offset, indicator in enumerate(report.indicators):
        line = 5 + offset
        unit = {"percent": "%", "working_days": "ngày làm việc"}.get(indicator.unit, "")
        values = [
            indicator.code,
            GROUPS[indicator.group][0],
            indicator.name_vi,
            indicator.value if indicator.computed else "Chưa tính",
            indicator.numerator,
            indicator.denominator,
            unit,
            indicator.formula_vi,
            indicator.note_vi,
        ]
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=line, column=column, value=value)
            cell.alignment = Alignment(wrap_text=column in (3, 8, 9), vertical="top")
        ws.cell(row=line, column=4).number_format = "0.00%" if indicator.unit == "percent" else "0.00"
        for column in (5, 6):
            ws.cell(row=line, column=column).number_format = "0.##"
    _widths(ws, [6, 26, 40, 12, 10, 10, 14, 70, 60])


def _formulas_sheet(ws, report) -> None:
    _title(ws, "Công thức tính các số liệu / How each figure is computed", "")
    _header(
        ws, 4, ["Mã / Code", "Chỉ tiêu", "Figure", "Công thức", "Formula", "Nguồn / Source", "Kiểm chứng"]
    )
    line = 5
    entries = [
        (f.code, f.label_vi, f.label_en, f.formula_vi, f.formula_en, f.source, f.status)
        for f in STATS_FIGURES
    ] + [
        (i.code, i.name_vi, i.name_en, i.formula_vi, i.formula_en, i.source, i.status)
        for i in report.indicators
    ]
    for entry in entries:
        for column, value in enumerate(entry, start=1):
            text = STATUS_VI.get(value, value) if column == 7 else value
            cell = ws.cell(row=line, column=column, value=text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        line += 1
    _widths(ws, [22, 30, 30, 70, 70, 50, 30])


def export_stats_xlsx(
    *,
    actor: Any,
    date_from: dt.date,
    date_to: dt.date,
    agency_ids=None,
    procedure_code: str | None = None,
    field_code: str | None = None,
    include_subordinates: bool = True,
    now: dt.datetime | None = None,
) -> bytes:
    """The workbook (XLSX bytes) of the period: permission ``dossiers.view_stats``, same scope
    rules as :func:`dossier_stats`; two queries per breakdown plus the Service Index's."""
    period = period_of(date_from, date_to, now=now or timezone.now())
    scope = resolve_scope(
        actor,
        agency_ids=agency_ids,
        procedure_code=procedure_code,
        field_code=field_code,
        include_subordinates=include_subordinates,
    )
    measured = period.measured_at.astimezone(TZ)
    period_text = (
        f"Kỳ thống kê: {period.date_from:%d/%m/%Y} – {period.date_to:%d/%m/%Y}; "
        f"hồ sơ chưa kết thúc tính đến {measured:%H:%M %d/%m/%Y}"
    )
    workbook = Workbook()
    workbook.remove(workbook.active)
    for group_by, sheet_name, key_title in BREAKDOWNS:
        rows = compute(scope, period, group_by)
        _breakdown_sheet(workbook.create_sheet(sheet_name), sheet_name, key_title, rows, period_text)
    report = build_report(scope, period)
    _index_sheet(workbook.create_sheet("Chỉ số phục vụ"), report, period_text)
    _formulas_sheet(workbook.create_sheet(FORMULAS_SHEET), report)
    workbook.properties.title = "Thống kê giải quyết hồ sơ"
    workbook.properties.creator = "Tỉnh số"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
