"""The agency's letters to the applicant: apology and new appointment (04), stop notice (05).

Form 04 follows the structure of Circular 01/2018/TT-VPCP Form 04 ("Phiếu xin lỗi và hẹn lại
ngày trả kết quả") under the name Circular 03/2025/TT-VPCP gives it ("Văn bản xin lỗi và đề nghị
gia hạn thời gian giải quyết"); Form 05 is new in Circular 03/2025 (stop notice). Their exact 2025
wording was not verified: see docs/onestop.md, "Forms".
"""

from __future__ import annotations

from tinhso.dossiers.forms_pdf import facts, tracking, wording
from tinhso.dossiers.forms_pdf.layout import BODY_SIZE, FONT, LINE, PARAGRAPH_INDENT, Signature, new_form
from tinhso.dossiers.models import Dossier, Extension, StopNotice

TITLE_04 = "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN\nTHỜI GIAN GIẢI QUYẾT"
TITLE_05 = "THÔNG BÁO"
SUBTITLE_05 = "Dừng giải quyết hồ sơ"

SIGNER = Signature("ĐẠI DIỆN CƠ QUAN, ĐƠN VỊ", hint="(Ký, ghi rõ họ tên và đóng dấu)")


def _addressee(page, dossier: Dossier) -> None:
    page.set_font(FONT, "", BODY_SIZE)
    page.multi_cell(
        page.content_width,
        LINE,
        f"Kính gửi: Ông/Bà {dossier.applicant_name}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    page.ln(2)


def _received_sentence(dossier: Dossier) -> str:
    if dossier.received_at is not None:
        return (
            f"Ngày {wording.short_date(dossier.received_at)}, {dossier.receiving_agency.name} tiếp nhận hồ sơ "
            f"của Ông/Bà đề nghị giải quyết thủ tục hành chính: {dossier.procedure_name}."
        )
    return (
        f"Ngày {wording.short_date(dossier.submitted_at)}, Ông/Bà nộp hồ sơ đề nghị giải quyết thủ tục hành "
        f"chính: {dossier.procedure_name} tại {dossier.receiving_agency.name}."
    )


def _recipients(dossier: Dossier, agency) -> list[str]:
    lines = ["Như trên;"]
    if agency.pk != dossier.receiving_agency_id:
        lines.append(f"{dossier.receiving_agency.name};")
    lines.append("Lưu: VT.")
    return lines


def _extension(dossier: Dossier, extension: Extension | None) -> Extension:
    rows = list(Extension.objects.filter(dossier=dossier).select_related("agency", "issued_by"))
    if not rows:
        raise facts.unavailable(
            dossier, "04", "Hồ sơ chưa có văn bản xin lỗi và gia hạn.", "The dossier was never extended."
        )
    rows.sort(key=lambda r: (r.issued_at, r.pk))
    if extension is None:
        return rows[-1]
    for row in rows:
        if row.pk == extension.pk:
            return row
    raise facts.unavailable(
        dossier, "04", "Văn bản gia hạn không thuộc hồ sơ này.", "The extension is not of this dossier."
    )


def render_form_04(dossier: Dossier, extension: Extension | None = None) -> bytes:
    """Form 04: the apology for the delay and the new appointment (the latest one by default)."""
    extension = _extension(dossier, extension)
    agency = extension.agency
    heading = facts.heading_of(agency)
    page = new_form(
        meta_title=f"{TITLE_04.replace(chr(10), ' ')} – {dossier.code}",
        governing=heading.governing,
        agency=heading.agency,
        number=f"Số: {dossier.code}",
        place_date=wording.place_and_date(agency, extension.issued_at),
    )
    page.form_title(TITLE_04)
    _addressee(page, dossier)
    page.body(_received_sentence(dossier))
    page.field("Mã hồ sơ: ", dossier.code, first_line_indent=PARAGRAPH_INDENT)
    page.field(
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: ",
        wording.moment_words(extension.old_appointment_at),
        first_line_indent=PARAGRAPH_INDENT,
    )
    page.body(
        f"Tuy nhiên đến nay, {agency.name} chưa thể trả kết quả giải quyết hồ sơ của Ông/Bà đúng thời hạn "
        "ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả."
    )
    page.field("Lý do: ", extension.reason, value_style="", first_line_indent=PARAGRAPH_INDENT)
    page.body(
        f"Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của Ông/Bà. {agency.name} "
        "xin lỗi Ông/Bà và đề nghị gia hạn thời gian giải quyết hồ sơ; thời gian hẹn trả kết quả mới:"
    )
    page.paragraph(wording.moment_words(extension.new_appointment_at), style="B", align="C")
    page.body("Xin trân trọng thông báo và mong nhận được sự thông cảm của Ông/Bà./.")
    url = tracking.tracking_url(dossier.code)
    page.tracking_block(
        tracking.qr_png(url), f"Tra cứu tình trạng giải quyết hồ sơ: quét mã QR hoặc truy cập {url}"
    )
    page.recipients_and_signature(
        _recipients(dossier, agency),
        Signature(SIGNER.title, hint=SIGNER.hint, name=wording.person_name(extension.issued_by)),
    )
    return page.to_bytes()


def render_form_05(dossier: Dossier) -> bytes:
    """Form 05: the notice that the processing of the dossier is stopped, with the reason."""
    notice = StopNotice.objects.filter(dossier=dossier).select_related("agency", "issued_by").first()
    if notice is None:
        raise facts.unavailable(
            dossier, "05", "Hồ sơ không bị dừng giải quyết.", "The processing of the dossier was not stopped."
        )
    agency = notice.agency
    heading = facts.heading_of(agency)
    page = new_form(
        meta_title=f"{TITLE_05} {SUBTITLE_05.lower()} – {dossier.code}",
        governing=heading.governing,
        agency=heading.agency,
        number=f"Số: {dossier.code}",
        place_date=wording.place_and_date(agency, notice.issued_at),
    )
    page.form_title(TITLE_05, subtitle=SUBTITLE_05)
    _addressee(page, dossier)
    page.body(_received_sentence(dossier))
    page.field("Mã hồ sơ: ", dossier.code, first_line_indent=PARAGRAPH_INDENT)
    page.body(
        f"{agency.name} thông báo dừng giải quyết hồ sơ nêu trên kể từ "
        f"{wording.moment_words(notice.issued_at)}."
    )
    page.field("Lý do: ", notice.reason, value_style="", first_line_indent=PARAGRAPH_INDENT)
    page.body("Xin thông báo để Ông/Bà được biết./.")
    page.recipients_and_signature(
        _recipients(dossier, agency),
        Signature(SIGNER.title, hint=SIGNER.hint, name=wording.person_name(notice.issued_by)),
    )
    return page.to_bytes()
