"""The Service Index figures and the XLSX export, on the hand-made dossiers of March 2025."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tinhso.core.errors import PermissionDenied
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers.stats import export_stats_xlsx, service_index
from tinhso.dossiers.stats.formulas import STATS_FIGURES
from tinhso.dossiers.tests import test_stats_support as support
from tinhso.dossiers.tests.test_stats_support import LATER, MARCH

pytestmark = pytest.mark.django_db

_calendar_loaded, world, march = support._calendar_loaded, support.world, support.march


def test_indicators_of_agency_a(world, march, django_assert_max_num_queries):
    # Statistics' queries (test_stats.MAX_QUERIES) plus the procedure catalog and dislikes.
    with django_assert_max_num_queries(8):
        report = service_index(actor=SYSTEM, **MARCH, agency_ids=[world["a"].pk], now=LATER)
    figures = {i.code: (i.value, i.numerator, i.denominator, i.computed) for i in report.indicators}
    assert figures["2.1"] == (round(8 / 13, 4), 8, 13, True)
    assert figures["2.2"] == (5.0, 35.0, 7, True)
    # Procedures performed by A: both online ones and the one not offered online.
    assert figures["3.1"] == (round(2 / 3, 4), 2, 3, True)
    assert figures["3.3"] == (round(1 / 12, 4), 1, 12, True)
    assert figures["3.6"] == (0.25, 1, 4, True)
    # Processed in March: on_time, early, one_supplement, two_supplements, legacy_late,
    # legacy_early, carried; only "early" has a result file (and its submitted documents).
    assert figures["4.1"] == (round(1 / 7, 4), 1, 7, True)
    assert figures["4.2"] == (round(1 / 7, 4), 1, 7, True)
    # 100% − (5 late or overdue + 1 rating of 2) / 13.
    assert figures["5.4"] == (round(7 / 13, 4), 7, 13, True)
    assert figures["1.4"] == (None, None, None, False)
    assert figures["4.3"] == (None, None, None, False)
    for indicator in report.indicators:
        assert indicator.formula_vi and indicator.formula_en and indicator.source and indicator.status
    assert report.agency_ids == [world["a"].pk]
    assert report.measured_at == support.at(4, 1, 0)


def test_index_is_permission_filtered(world, march, make_officer):
    leader_b = make_officer(roles=[(world["b"], "leader")])
    report = service_index(actor=leader_b, **MARCH, now=LATER)
    # "friday" and, by the national method, "weekend_supplement" are on time; "b_late" is not.
    on_time = report.indicator("2.1")
    assert (on_time.numerator, on_time.denominator) == (2, 3)
    assert "1/3" in on_time.note_en  # the legal clock counts "weekend_supplement" late
    assert report.indicator("3.1").numerator == 1  # only the fee procedure is performed by B
    with pytest.raises(PermissionDenied):
        service_index(actor=leader_b, **MARCH, agency_ids=[world["a"].pk], now=LATER)


def test_xlsx_contains_the_figures(world, march):
    content = export_stats_xlsx(actor=SYSTEM, **MARCH, agency_ids=[world["a"].pk], now=LATER)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo cơ quan",
        "Theo thủ tục",
        "Theo lĩnh vực",
        "Theo tháng",
        "Chỉ số phục vụ",
        "Công thức - Formulas",
    ]
    total = book["Tổng hợp"]
    headers = [cell.value for cell in total[4]]
    assert headers[:2] == ["Mã", "Toàn bộ phạm vi"]
    assert headers[2:] == [figure.label_vi for figure in STATS_FIGURES]
    values = dict(zip(headers, [cell.value for cell in total[5]], strict=True))
    assert values["Tổng số phải giải quyết"] == 13
    assert (values["Trước hạn"], values["Đúng hạn"], values["Trễ hạn"]) == (3, 3, 3)
    assert values["Tỷ lệ đúng hạn"] == round(8 / 13, 4)
    rate_column = headers.index("Tỷ lệ đúng hạn") + 1
    assert total.cell(row=5, column=rate_column).number_format == "0.00%"
    by_procedure = book["Theo thủ tục"]
    assert [(row[0].value, row[1].value) for row in by_procedure.iter_rows(min_row=5)] == [
        ("9.000001", "Thủ tục có phí"),
        ("9.000002", "Thủ tục miễn phí"),
    ]
    assert [row[0].value for row in book["Theo tháng"].iter_rows(min_row=5)] == ["2025-03"]
    index = {row[0].value: row for row in book["Chỉ số phục vụ"].iter_rows(min_row=5)}
    assert index["3.6"][3].value == 0.25 and index["1.4"][3].value == "Chưa tính"
    formulas = [row[0].value for row in book["Công thức - Formulas"].iter_rows(min_row=5)]
    assert "on_time_rate" in formulas and "2.1" in formulas


def test_xlsx_needs_the_permission(world, make_citizen):
    with pytest.raises(PermissionDenied):
        export_stats_xlsx(actor=make_citizen(), **MARCH, now=LATER)


def test_every_figure_is_documented(world):
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "onestop.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Statistics and the Service Index") :]
    for figure in STATS_FIGURES:
        assert f"`{figure.code}`" in section, figure.code
    report = service_index(actor=SYSTEM, **MARCH, now=LATER)
    for indicator in report.indicators:
        assert f"| {indicator.code} |" in section, indicator.code
