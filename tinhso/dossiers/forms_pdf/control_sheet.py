"""Form 06, the control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): every hand-over of
the dossier with its time and whether the giver finished its part before, on or after its
deadline. Layout after Circular 01/2018/TT-VPCP Form 05, which Circular 03/2025/TT-VPCP renumbers
as Form 06 (see docs/onestop.md, "Forms")."""

from __future__ import annotations

from tinhso.dossiers.forms_pdf import facts, handovers, wording
from tinhso.dossiers.forms_pdf.layout import HeadingCell, new_form
from tinhso.dossiers.models import Dossier, DossierStep, DossierTransition

TITLE_06 = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
EMPTY = "(Chưa có lượt giao, nhận hồ sơ)"


def _rows(rows: list[handovers.HandOver]) -> list[list[str]]:
    table = []
    for row in rows:
        people = []
        if row.giver_person:
            people.append(f"Người giao: {row.giver_person}")
        if row.receiver_person:
            people.append(f"Người nhận: {row.receiver_person}")
        table.append(
            [
                f"1. Giao: {row.giver.label}\n2. Nhận: {row.receiver.label}",
                "\n".join([wording.moment_words(row.at), *people]),
                row.result,
                "; ".join(row.notes),
            ]
        )
    return table


def render_form_06(dossier: Dossier) -> bytes:
    """Form 06 for ``dossier``, from its transitions and steps (any state)."""
    transitions = list(
        DossierTransition.objects.filter(dossier=dossier).select_related("actor").order_by("at", "id")
    )
    steps = list(DossierStep.objects.filter(dossier=dossier).select_related("agency", "assignee"))
    rows = handovers.hand_overs(dossier, transitions=transitions, steps=steps)
    heading = facts.heading_of(dossier.receiving_agency)
    page = new_form(
        meta_title=f"{TITLE_06} – {dossier.code}",
        governing=heading.governing,
        agency=heading.agency,
        number=None,
        place_date=None,
    )
    page.form_title(TITLE_06, subtitle=f"Mã hồ sơ: {dossier.code}")
    page.field("Tên thủ tục hành chính: ", dossier.procedure_name)
    page.field("Người nộp hồ sơ: ", dossier.applicant_name)
    page.field("Thời gian nhận hồ sơ: ", wording.moment_words(dossier.received_at), value_style="")
    page.field("Thời gian hẹn trả kết quả: ", wording.moment_words(dossier.appointment_at), value_style="")
    page.field("Cơ quan (bộ phận) giải quyết hồ sơ: ", handovers.lead_agency(dossier, steps).name)
    others = handovers.cooperating_agencies(dossier, steps)
    page.field(
        "Cơ quan phối hợp giải quyết hồ sơ: ",
        "; ".join(agency.name for agency in others) if others else "Không",
        value_style="",
    )
    page.ln(2)
    page.grid(
        headings=[
            [
                HeadingCell("TÊN CƠ QUAN"),
                HeadingCell("THỜI GIAN GIAO, NHẬN HỒ SƠ"),
                HeadingCell("KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ đúng hạn/ quá hạn)"),
                HeadingCell("GHI CHÚ"),
            ]
        ],
        rows=_rows(rows) or [[EMPTY, "", "", ""]],
        widths=[60, 44, 29, 32],
        aligns=["L", "L", "C", "L"],
        size=9,
        heading_size=9,
    )
    return page.to_bytes()
