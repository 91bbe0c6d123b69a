"""The forms of the one-stop desk: receipt and appointment (01), request to supplement (02),
refusal to receive (03). Layout and wording after Circular 01/2018/TT-VPCP, Forms 01–03, kept
under Circular 03/2025/TT-VPCP, Appendix I, Forms 01–03 (see docs/onestop.md, "Forms")."""

from __future__ import annotations

import datetime as dt

from tinhso.dossiers.forms_pdf import facts, tracking, wording
from tinhso.dossiers.forms_pdf.layout import HeadingCell, Signature, new_form
from tinhso.dossiers.models import Channel, Dossier, Refusal, SupplementRequest

TITLE_01 = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
TITLE_02 = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
TITLE_03 = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"

TRACKING_TEXT = "Tra cứu tình trạng giải quyết hồ sơ: quét mã QR hoặc truy cập {url}"


def _number(dossier: Dossier) -> str:
    return f"Số: {dossier.code}"


def _applicant_lines(page, dossier: Dossier, *, reveal_contact: bool) -> None:
    contact = facts.contact_of(dossier, reveal_contact=reveal_contact)
    page.field("Cơ quan tiếp nhận: ", dossier.receiving_agency.name)
    page.field("Tiếp nhận hồ sơ của: ", dossier.applicant_name)
    page.field("Địa chỉ: ", contact.address or wording.BLANK, value_style="")
    phone = contact.phone or wording.BLANK
    email = contact.email or wording.BLANK
    page.field("Số điện thoại: ", f"{phone}        Email: {email}", value_style="")
    page.field(
        "Nội dung yêu cầu giải quyết: ", f"{dossier.procedure_name} (mã thủ tục {dossier.procedure_code})"
    )


def _appointment_at_receipt(dossier: Dossier, accepted) -> dt.datetime | None:
    """The appointment as written at reception (a later extension changes the dossier's, not
    the receipt's: Form 04 carries the new one)."""
    raw = (accepted.data or {}).get("appointment_at")
    if raw:
        try:
            return dt.datetime.fromisoformat(raw)
        except ValueError:
            pass
    return dossier.appointment_at


def render_form_01(dossier: Dossier, *, reveal_contact: bool = False) -> bytes:
    """Form 01: the receipt of the dossier with the appointment to return the result."""
    accepted = facts.acceptance(dossier)
    heading = facts.heading_of(dossier.receiving_agency)
    page = new_form(
        meta_title=f"{TITLE_01} – {dossier.code}",
        governing=heading.governing,
        agency=heading.agency,
        number=_number(dossier),
        place_date=wording.place_and_date(dossier.receiving_agency, accepted.at),
    )
    page.form_title(TITLE_01, subtitle=f"Mã hồ sơ: {dossier.code}")
    _applicant_lines(page, dossier, reveal_contact=reveal_contact)

    page.paragraph("1. Thành phần hồ sơ nộp gồm:")
    documents = facts.documents_received(dossier)
    if documents:
        page.grid(
            headings=[
                [
                    HeadingCell("TT"),
                    HeadingCell("Tên giấy tờ"),
                    HeadingCell("Hình thức, số lượng bản"),
                    HeadingCell("Số tệp đính kèm"),
                ]
            ],
            rows=[
                [str(index), line.name, line.form or "", wording.two_digits(line.files)]
                for index, line in enumerate(documents, start=1)
            ],
            widths=[10, 95, 38, 22],
            aligns=["C", "L", "C", "C"],
            size=10,
        )
        page.ln(1)
    else:
        page.paragraph("(Không có giấy tờ kèm theo)", style="I", indent=8)
    page.paragraph("2. Số lượng hồ sơ: 01 (bộ)")
    page.paragraph(f"3. Thời gian giải quyết hồ sơ theo quy định là: {facts.processing_time_words(dossier)}")
    page.field("4. Thời gian nhận hồ sơ: ", wording.moment_words(dossier.received_at))
    page.field(
        "5. Thời gian trả kết quả giải quyết hồ sơ: ",
        wording.moment_words(_appointment_at_receipt(dossier, accepted)),
    )
    page.field("6. Đăng ký nhận kết quả tại: ", facts.delivery_words(dossier), value_style="")

    url = tracking.tracking_url(dossier.code)
    page.tracking_block(tracking.qr_png(url), TRACKING_TEXT.format(url=url))
    applicant_signs = dossier.channel in (Channel.COUNTER, Channel.POSTAL)
    page.signatures(
        Signature("NGƯỜI NỘP HỒ SƠ", name=dossier.applicant_name) if applicant_signs else None,
        Signature("NGƯỜI TIẾP NHẬN HỒ SƠ", name=facts.officer_name(accepted)),
    )
    return page.to_bytes()


def _supplement(dossier: Dossier, request: SupplementRequest | None) -> tuple[SupplementRequest, int]:
    requests = list(
        SupplementRequest.objects.filter(dossier=dossier).select_related("agency", "requested_by")
    )
    if not requests:
        raise facts.unavailable(
            dossier, "02", "Hồ sơ chưa có yêu cầu bổ sung.", "No supplement was requested for the dossier."
        )
    requests.sort(key=lambda r: (r.requested_at, r.pk))
    if request is None:
        return requests[-1], len(requests)
    for index, candidate in enumerate(requests, start=1):
        if candidate.pk == request.pk:
            return candidate, index
    raise facts.unavailable(
        dossier,
        "02",
        "Yêu cầu bổ sung không thuộc hồ sơ này.",
        "The supplement request is not of this dossier.",
    )


def render_form_02(
    dossier: Dossier, request: SupplementRequest | None = None, *, reveal_contact: bool = False
) -> bytes:
    """Form 02: what the applicant must supplement or complete, and why (the latest request by
    default)."""
    request, ordinal = _supplement(dossier, request)
    heading = facts.heading_of(request.agency)
    page = new_form(
        meta_title=f"{TITLE_02} – {dossier.code}",
        governing=heading.governing,
        agency=heading.agency,
        number=_number(dossier),
        place_date=wording.place_and_date(request.agency, request.requested_at),
    )
    page.form_title(TITLE_02, subtitle=f"Mã hồ sơ: {dossier.code} – lần thứ {wording.two_digits(ordinal)}")
    _applicant_lines(page, dossier, reveal_contact=reveal_contact)
    page.paragraph("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:")
    items = [
        f"{item.get('name', '')}: {item['note']}" if item.get("note") else str(item.get("name", ""))
        for item in (request.items or [])
        if isinstance(item, dict) and item.get("name")
    ]
    page.numbered(items or [request.reason])
    page.field("Lý do: ", request.reason, value_style="")
    officer = wording.person_name(request.requested_by)
    contact = f"{officer}, {request.agency.name}" if officer else request.agency.name
    page.body(
        f"Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ với {contact} để được hướng dẫn."
    )
    url = tracking.tracking_url(dossier.code)
    page.tracking_block(
        tracking.qr_png(url),
        f"Nộp bổ sung và tra cứu tình trạng hồ sơ: quét mã QR hoặc truy cập {url}",
    )
    page.signatures(None, Signature("NGƯỜI HƯỚNG DẪN", name=officer))
    return page.to_bytes()


def render_form_03(dossier: Dossier, *, reveal_contact: bool = False) -> bytes:
    """Form 03: the refusal to receive the dossier, with the reasons."""
    refusal = Refusal.objects.filter(dossier=dossier).select_related("agency", "issued_by").first()
    if refusal is None:
        raise facts.unavailable(
            dossier, "03", "Hồ sơ không bị từ chối tiếp nhận.", "The dossier was not refused."
        )
    heading = facts.heading_of(refusal.agency)
    page = new_form(
        meta_title=f"{TITLE_03} – {dossier.code}",
        governing=heading.governing,
        agency=heading.agency,
        number=_number(dossier),
        place_date=wording.place_and_date(refusal.agency, refusal.issued_at),
    )
    page.form_title(TITLE_03, subtitle=f"Mã hồ sơ: {dossier.code}")
    _applicant_lines(page, dossier, reveal_contact=reveal_contact)
    page.body(
        f"Sau khi xem xét, đối chiếu với quy định hiện hành, {refusal.agency.name} từ chối tiếp nhận, "
        "giải quyết hồ sơ này với lý do cụ thể như sau:"
    )
    page.numbered([str(reason) for reason in (refusal.reasons or [])])
    page.body("Xin thông báo cho Ông/Bà được biết và thực hiện./.")
    page.signatures(None, Signature("NGƯỜI TIẾP NHẬN HỒ SƠ", name=wording.person_name(refusal.issued_by)))
    return page.to_bytes()
