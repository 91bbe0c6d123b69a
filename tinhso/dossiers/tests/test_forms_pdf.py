"""The one-stop forms as PDF: each form rendered from dossiers built through the services, then
read back with a PDF text extractor (pypdf) to check what it says."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
from decimal import Decimal

import pypdf  # test extra: reads the PDFs back (fpdf2 only writes)
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.core.agencies.models import AgencyKind
from tinhso.core.errors import Conflict, ValidationFailed
from tinhso.core.files.tests.samples import pdf_bytes
from tinhso.core.units.models import AdministrativeUnit
from tinhso.core.workcalendar import arithmetic
from tinhso.dossiers import forms_pdf, services
from tinhso.dossiers.forms_pdf import layout, tracking, wording
from tinhso.dossiers.models import Dossier
from tinhso.procedures.models import Field, OnlineLevel, Procedure, RequiredDocument, RouteStep, StepKind

pytestmark = pytest.mark.django_db

TZ = arithmetic.TZ
CITIZEN_ID = "093300051234"
PHONE = "0911222333"
ADDRESS = "Số 12 đường Trần Hưng Đạo, khu vực 3"
ONE, SPEC, LEAD = "one_stop_officer", "specialist", "leader"


def vn(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


# --- reading PDFs back -------------------------------------------------------------------------


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def pages_text(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [_flat(page.extract_text() or "") for page in reader.pages]


def text_of(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        (round(float(p.mediabox.width) * 25.4 / 72), round(float(p.mediabox.height) * 25.4 / 72))
        for p in reader.pages
    ]


def qr_modules(pdf: bytes) -> list[list[bool]]:
    """The dark/light modules of the (only) QR image in the PDF, read back from its pixels."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1, "one QR code per form"
    picture = images[0].image.convert("L")
    scale, border = tracking.QR_SCALE, tracking.QR_BORDER
    size = picture.width // scale - 2 * border
    assert picture.width == picture.height == (size + 2 * border) * scale
    return [
        [
            picture.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def expected_modules(url: str) -> list[list[bool]]:
    return [[bool(cell) for cell in row] for row in tracking.make_qr(url).matrix]


# --- a small province --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://dichvucong.cantho.gov.vn"


@pytest.fixture
def place(db, make_agency, make_officer, make_citizen):
    city_unit = AdministrativeUnit.objects.create(
        structure="current",
        code="92",
        name="Thành phố Cần Thơ",
        division_type="thành phố trung ương",
        level="province",
    )
    ward_unit = AdministrativeUnit.objects.create(
        structure="current",
        code="31321",
        name="Phường Vị Thanh",
        division_type="phường",
        level="commune",
        parent=city_unit,
    )
    city = make_agency(
        name="Ủy ban nhân dân thành phố Cần Thơ",
        code="000.00.00.H13",
        kind=AgencyKind.PROVINCIAL_COMMITTEE,
        unit=city_unit,
    )
    dept = make_agency(name="Sở Tư pháp thành phố Cần Thơ", code="000.00.03.H13", parent=city, unit=city_unit)
    ward = make_agency(
        name="Ủy ban nhân dân phường Vị Thanh",
        code="000.00.41.H13",
        kind=AgencyKind.COMMUNE_COMMITTEE,
        parent=city,
        unit=ward_unit,
    )
    center = make_agency(
        name="Trung tâm Phục vụ hành chính công phường Vị Thanh",
        code="000.01.41.H13",
        kind=AgencyKind.SERVICE_CENTER,
        parent=ward,
        unit=ward_unit,
    )
    other_center = make_agency(
        name="Trung tâm Phục vụ hành chính công phường Vị Tân",
        code="000.01.42.H13",
        kind=AgencyKind.SERVICE_CENTER,
        parent=city,
    )
    field = Field.objects.create(code="HT", name="Hộ tịch")
    procedure = Procedure.objects.create(
        code="1.001193",
        name="Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
        field=field,
        processing_days=7,
        online_level=OnlineLevel.PARTIAL,
    )
    procedure.performing_agencies.set([center, other_center])
    for order, (name, kind, role, share, agency) in enumerate(
        [
            ("Tiếp nhận hồ sơ", StepKind.RECEIVE, ONE, "0.5", None),
            ("Thẩm định hồ sơ", StepKind.PROCESS, SPEC, "2", ward),
            ("Thẩm định tại Sở", StepKind.PROCESS, SPEC, "2", dept),
            ("Lãnh đạo Sở phê duyệt", StepKind.APPROVE, LEAD, "1", dept),
            ("Trả kết quả", StepKind.RETURN, ONE, "0.5", None),
        ],
        start=1,
    ):
        RouteStep.objects.create(
            procedure=procedure,
            order=order,
            name=name,
            kind=kind,
            role=role,
            share_days=Decimal(share),
            agency=agency,
        )
    RequiredDocument.objects.create(
        procedure=procedure,
        order=1,
        name="Tờ khai đăng ký thay đổi hộ tịch",
        copies="01 bản chính",
        is_required=True,
    )
    RequiredDocument.objects.create(
        procedure=procedure,
        order=2,
        name="Giấy tờ chứng minh nội dung thay đổi",
        copies="01 bản sao",
        is_required=False,
    )
    return type(
        "Place",
        (),
        {
            "city": city,
            "dept": dept,
            "ward": ward,
            "center": center,
            "other_center": other_center,
            "procedure": procedure,
            "desk": make_officer(username="motcua.vithanh", full_name="Phạm Thị Tiếp", roles=[(center, ONE)]),
            "desk_b": make_officer(
                username="motcua.vitan", full_name="Đỗ Văn Nhận", roles=[(other_center, ONE)]
            ),
            "ward_specialist": make_officer(
                username="cv.vithanh", full_name="Lê Văn Thẩm", roles=[(ward, SPEC)]
            ),
            "ward_leader": make_officer(username="ld.vithanh", full_name="Võ Văn Dừng", roles=[(ward, LEAD)]),
            "dept_specialist": make_officer(
                username="cv.stp", full_name="Huỳnh Thị Định", roles=[(dept, SPEC)]
            ),
            "dept_leader": make_officer(
                username="ld.stp", full_name="Trương Minh Duyệt", roles=[(dept, LEAD)]
            ),
            "citizen": make_citizen(
                citizen_id=CITIZEN_ID, full_name="Nguyễn Thị Hoa", phone=PHONE, email="hoa.nguyen@example.vn"
            ),
        },
    )


def counter(
    place, *, at, agency=None, officer=None, accept=True, name="Nguyễn Thị Hoa", citizen_id=CITIZEN_ID
):
    agency = agency or place.center
    required = place.procedure.documents.get(order=1)
    other = place.procedure.documents.get(order=2)
    return services.receive_at_counter(
        actor=officer or (place.desk if agency == place.center else place.desk_b),
        procedure_code=place.procedure.code,
        agency=agency,
        applicant=services.ApplicantInput(
            name=name, citizen_id=citizen_id, phone=PHONE, email="hoa.nguyen@example.vn", address=ADDRESS
        ),
        documents=[
            services.DocumentInput(
                required_document_id=required.pk, upload=io.BytesIO(pdf_bytes()), name="to-khai.pdf"
            ),
            services.DocumentInput(
                required_document_id=other.pk, upload=io.BytesIO(pdf_bytes(b"% a")), name="trich-luc.pdf"
            ),
            services.DocumentInput(
                required_document_id=other.pk, upload=io.BytesIO(pdf_bytes(b"% b")), name="cccd.pdf"
            ),
        ],
        accept=accept,
        now=at,
    ).dossier


def reload(dossier) -> Dossier:
    return Dossier.objects.select_related("receiving_agency", "current_agency", "procedure").get(
        pk=dossier.pk
    )


@pytest.fixture
def lived(place):
    """A dossier through its whole life: receipt, supplement, hand-over to the department,
    extension, approval, return of the result."""
    dossier = counter(place, at=vn(2026, 11, 25, 8, 15))
    services.request_supplement(
        actor=place.ward_specialist,
        dossier=dossier,
        reason="Tờ khai chưa ghi nơi đăng ký hộ tịch trước đây.",
        items=[
            {"name": "Tờ khai đăng ký thay đổi hộ tịch", "note": "ghi đủ mục 5"},
            "Bản sao giấy khai sinh",
        ],
        now=vn(2026, 11, 26, 9, 0),
    )
    services.fulfil_supplement(
        actor=place.citizen, dossier=dossier, note="Đã bổ sung tờ khai.", now=vn(2026, 11, 27, 10, 0)
    )
    services.complete_step(
        actor=place.ward_specialist, dossier=dossier, note="Đủ điều kiện", now=vn(2026, 11, 27, 14, 0)
    )
    services.complete_step(actor=place.dept_specialist, dossier=dossier, now=vn(2026, 11, 30, 9, 0))
    services.extend_dossier(
        actor=place.dept_leader,
        dossier=dossier,
        reason="Cần xác minh thông tin tại nơi đăng ký khai sinh.",
        new_appointment_at=vn(2026, 12, 10, 16, 0),
        now=vn(2026, 12, 1, 9, 0),
    )
    services.complete_step(actor=place.dept_leader, dossier=dossier, now=vn(2026, 12, 3, 10, 0))
    services.return_result(actor=place.desk, dossier=dossier, now=vn(2026, 12, 4, 9, 30))
    return reload(dossier)


# --- wording -----------------------------------------------------------------------------------


def test_dates_follow_decree_30_and_are_shown_in_vietnamese_time():
    assert wording.date_words(dt.date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert wording.date_words(dt.date(2026, 3, 5)) == "ngày 05 tháng 3 năm 2026"
    assert wording.date_words(dt.date(2026, 11, 25)) == "ngày 25 tháng 11 năm 2026"
    # 20:30 UTC on 24/11 is 03:30 on 25/11 in Asia/Ho_Chi_Minh.
    utc = dt.datetime(2026, 11, 24, 20, 30, tzinfo=dt.UTC)
    assert wording.moment_words(utc) == "03 giờ 30 phút, ngày 25 tháng 11 năm 2026"
    assert wording.short_date(utc) == "25/11/2026"
    with pytest.raises(ValueError):
        wording.moment_words(dt.datetime(2026, 11, 25, 8))
    assert wording.place_of_unit_name("Phường Vị Thanh") == "Vị Thanh"
    assert wording.place_of_unit_name("Thành phố Cần Thơ") == "Cần Thơ"
    assert wording.place_of_unit_name("Tỉnh Hậu Giang") == "Hậu Giang"
    assert wording.place_of_unit_name("Xã Hỏa Lựu") == "Hỏa Lựu"


def test_place_comes_from_the_unit_the_parent_or_a_setting(place, settings, make_agency):
    assert wording.place_name(place.center) == "Vị Thanh"
    assert wording.place_name(place.other_center) == "Cần Thơ"  # no unit: its parent's
    orphan = make_agency(name="Cơ quan không có địa bàn", code="000.00.99.H13")
    assert wording.place_name(orphan) == ""
    assert wording.place_and_date(orphan, dt.date(2026, 11, 25)) == "Ngày 25 tháng 11 năm 2026"
    settings.DOSSIER_FORMS_PLACE_NAMES = {"000.00.03.H13": "Ninh Kiều"}
    assert wording.place_name(place.dept) == "Ninh Kiều"


# --- Form 01 -----------------------------------------------------------------------------------


def test_form_01_is_the_official_receipt_with_the_appointment(place):
    dossier = reload(counter(place, at=vn(2026, 11, 25, 8, 15)))
    pdf = forms_pdf.render_form_01(dossier)
    assert pdf.startswith(b"%PDF-")
    assert page_sizes(pdf) == [(210, 297)]
    text = text_of(pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN PHƯỜNG VỊ THANH",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG VỊ THANH",
        f"Số: {dossier.code}",
        "Vị Thanh, ngày 25 tháng 11 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của: Nguyễn Thị Hoa",
        "Nội dung yêu cầu giải quyết: Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch (mã thủ tục 1.001193)",
        "Tờ khai đăng ký thay đổi hộ tịch",
        "01 bản chính",
        "Giấy tờ chứng minh nội dung thay đổi",
        "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định là: 07 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 08 giờ 15 phút, ngày 25 tháng 11 năm 2026",
        # 7 working days after Wed 25/11/2026 08:15.
        "5. Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 15 phút, ngày 04 tháng 12 năm 2026",
        "6. Đăng ký nhận kết quả tại: Bộ phận tiếp nhận và trả kết quả – Trung tâm Phục vụ hành chính công phường Vị Thanh",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Phạm Thị Tiếp",
    ):
        assert expected in text, expected
    # The address wraps inside its line; read it without the spaces the wrap puts in.
    assert "https://dichvucong.cantho.gov.vn/ho-so/tra-cuu/?ma=000.01.41.H13-261125-0001" in text.replace(
        " ", ""
    )
    # Two files for the second item, one for the first.
    assert re.search(r"Giấy tờ chứng minh nội dung thay đổi 01 bản sao 02", text)
    assert dossier.appointment_at == vn(2026, 12, 4, 8, 15)


def test_form_01_qr_code_encodes_the_public_tracking_url_only(place):
    dossier = reload(counter(place, at=vn(2026, 11, 25, 8, 15)))
    url = "https://dichvucong.cantho.gov.vn/ho-so/tra-cuu/?ma=000.01.41.H13-261125-0001"
    assert forms_pdf.tracking_url(dossier.code) == url
    assert qr_modules(forms_pdf.render_form_01(dossier)) == expected_modules(url)
    assert qr_modules(forms_pdf.render_form_01(dossier)) != expected_modules(url + "x")


def test_forms_01_to_06_never_print_the_citizen_id_and_mask_the_contact(lived, place):
    dossier = lived
    refused = reload(counter(place, at=vn(2026, 11, 26, 9), accept=False))
    services.refuse_dossier(
        actor=place.desk,
        dossier=refused,
        reasons=["Thủ tục không thuộc thẩm quyền"],
        now=vn(2026, 11, 26, 9, 5),
    )
    stopped = reload(counter(place, at=vn(2026, 11, 26, 10)))
    services.stop_dossier(
        actor=place.ward_leader, dossier=stopped, reason="Người nộp đề nghị dừng", now=vn(2026, 11, 27, 9)
    )
    pdfs = [
        forms_pdf.render_form_01(dossier),
        forms_pdf.render_form_02(dossier),
        forms_pdf.render_form_03(reload(refused)),
        forms_pdf.render_form_04(dossier),
        forms_pdf.render_form_05(reload(stopped)),
        forms_pdf.render_form_06(dossier),
    ]
    for number, pdf in enumerate(pdfs, start=1):
        raw = text_of(pdf).replace(" ", "")
        assert CITIZEN_ID not in raw, number
        assert CITIZEN_ID[-8:] not in raw, number
        assert PHONE not in raw, number
        assert "Trần Hưng Đạo" not in text_of(pdf), number
    text = text_of(pdfs[0])
    assert "******2333" in text and "h***@example.vn" in text
    assert "(không in trên phiếu để bảo vệ dữ liệu cá nhân)" in text


def test_the_contact_is_printed_in_clear_only_when_asked(place):
    dossier = reload(counter(place, at=vn(2026, 11, 25, 8, 15)))
    text = text_of(forms_pdf.render_form_01(dossier, reveal_contact=True))
    assert f"Địa chỉ: {ADDRESS}" in text
    assert PHONE in text and "hoa.nguyen@example.vn" in text
    assert CITIZEN_ID not in text.replace(" ", "")


def test_form_01_of_an_online_dossier_has_no_applicant_signature(place):
    other = place.procedure.documents.get(order=1)
    stored = services.submission.files.store_upload(
        actor=place.citizen,
        purpose="dossier_attachment",
        file=io.BytesIO(pdf_bytes()),
        name="tk.pdf",
        agency=place.center,
    )
    dossier = services.submit_dossier(
        actor=place.citizen,
        procedure_code=place.procedure.code,
        agency=place.center,
        documents=[services.DocumentInput(required_document_id=other.pk, file_id=stored.public_id)],
        result_delivery="counter",
        now=vn(2026, 11, 25, 20, 0),
    ).dossier
    services.accept_dossier(actor=place.desk, dossier=dossier, now=vn(2026, 11, 26, 7, 40))
    text = text_of(forms_pdf.render_form_01(reload(dossier)))
    assert "NGƯỜI NỘP HỒ SƠ" not in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert "Bản điện tử" not in text  # the catalogue says "01 bản chính"


def test_a_dossier_not_received_has_no_form_01(place):
    dossier = reload(counter(place, at=vn(2026, 11, 25, 8, 15), accept=False))
    with pytest.raises(Conflict) as caught:
        forms_pdf.render_form_01(dossier)
    assert caught.value.code == "dossiers.form_unavailable"


# --- Forms 02, 03 ------------------------------------------------------------------------------


def test_form_02_lists_what_to_supplement_and_why(lived):
    pdf = forms_pdf.render_form_02(lived)
    text = text_of(pdf)
    for expected in (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        f"Mã hồ sơ: {lived.code} – lần thứ 01",
        "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ",
        "ỦY BAN NHÂN DÂN PHƯỜNG VỊ THANH",
        "Vị Thanh, ngày 26 tháng 11 năm 2026",
        "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:",
        "1. Tờ khai đăng ký thay đổi hộ tịch: ghi đủ mục 5",
        "2. Bản sao giấy khai sinh",
        "Lý do: Tờ khai chưa ghi nơi đăng ký hộ tịch trước đây.",
        "Ông/Bà liên hệ với Lê Văn Thẩm, Ủy ban nhân dân phường Vị Thanh để được hướng dẫn.",
        "NGƯỜI HƯỚNG DẪN",
    ):
        assert expected in text, expected
    assert qr_modules(pdf) == expected_modules(forms_pdf.tracking_url(lived.code))


def test_form_03_gives_the_reasons_for_refusing(place):
    dossier = reload(counter(place, at=vn(2026, 11, 26, 9), accept=False))
    services.refuse_dossier(
        actor=place.desk,
        dossier=dossier,
        reasons=["Thủ tục không thuộc thẩm quyền của cơ quan", "Hồ sơ đã được giải quyết trước đây"],
        now=vn(2026, 11, 26, 9, 5),
    )
    text = text_of(forms_pdf.render_form_03(reload(dossier)))
    for expected in (
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Vị Thanh, ngày 26 tháng 11 năm 2026",
        "từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
        "1. Thủ tục không thuộc thẩm quyền của cơ quan",
        "2. Hồ sơ đã được giải quyết trước đây",
        "Xin thông báo cho Ông/Bà được biết và thực hiện./.",
        "Phạm Thị Tiếp",
    ):
        assert expected in text, expected
    with pytest.raises(Conflict):
        forms_pdf.render_form_03(reload(counter(place, at=vn(2026, 11, 26, 10))))


# --- Forms 04, 05 ------------------------------------------------------------------------------


def test_form_04_apologises_and_gives_the_new_appointment(lived):
    pdf = forms_pdf.render_form_04(lived)
    text = text_of(pdf)
    for expected in (
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "SỞ TƯ PHÁP THÀNH PHỐ CẦN THƠ",
        "Cần Thơ, ngày 01 tháng 12 năm 2026",
        "Kính gửi: Ông/Bà Nguyễn Thị Hoa",
        "Ngày 25/11/2026, Trung tâm Phục vụ hành chính công phường Vị Thanh tiếp nhận hồ sơ",
        "Lý do: Cần xác minh thông tin tại nơi đăng ký khai sinh.",
        "16 giờ 00 phút, ngày 10 tháng 12 năm 2026",
        "Nơi nhận:",
        "Trương Minh Duyệt",
    ):
        assert expected in text, expected
    # The old appointment is the one after the supplement pushed it, not the receipt's.
    extension = lived.extensions.get()
    assert (
        f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {wording.moment_words(extension.old_appointment_at)}"
        in text
    )
    assert qr_modules(pdf) == expected_modules(forms_pdf.tracking_url(lived.code))


def test_form_05_notifies_that_processing_stopped(place):
    dossier = reload(counter(place, at=vn(2026, 11, 26, 10)))
    services.stop_dossier(
        actor=place.ward_leader,
        dossier=dossier,
        reason="Người nộp đề nghị dừng giải quyết",
        now=vn(2026, 11, 27, 9),
    )
    text = text_of(forms_pdf.render_form_05(reload(dossier)))
    for expected in (
        "THÔNG BÁO",
        "Dừng giải quyết hồ sơ",
        "Vị Thanh, ngày 27 tháng 11 năm 2026",
        "Ủy ban nhân dân phường Vị Thanh thông báo dừng giải quyết hồ sơ nêu trên kể từ 09 giờ 00 phút, ngày 27 tháng 11 năm 2026.",
        "Lý do: Người nộp đề nghị dừng giải quyết",
        "Võ Văn Dừng",
    ):
        assert expected in text, expected
    with pytest.raises(Conflict):
        forms_pdf.render_form_05(reload(counter(place, at=vn(2026, 11, 26, 11))))


# --- Form 06 -----------------------------------------------------------------------------------


def test_form_06_shows_every_hand_over_with_times_and_results(lived):
    text = text_of(forms_pdf.render_form_06(lived))
    for expected in (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {lived.code}",
        "TÊN CƠ QUAN",
        "THỜI GIAN GIAO, NHẬN HỒ SƠ",
        "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ đúng hạn/ quá hạn)",
        "GHI CHÚ",
        "Cơ quan (bộ phận) giải quyết hồ sơ: Sở Tư pháp thành phố Cần Thơ",
        "Cơ quan phối hợp giải quyết hồ sơ: Ủy ban nhân dân phường Vị Thanh",
        # receipt, from the applicant to the desk
        "1. Giao: Nguyễn Thị Hoa (người nộp hồ sơ) 2. Nhận: Trung tâm Phục vụ hành chính công phường Vị Thanh",
        "08 giờ 15 phút, ngày 25 tháng 11 năm 2026",
        "Tiếp nhận hồ sơ (Mẫu số 01)",
        # desk -> ward
        "2. Nhận: Ủy ban nhân dân phường Vị Thanh – Thẩm định hồ sơ",
        # supplement out and back
        "Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu số 02)",
        "09 giờ 00 phút, ngày 26 tháng 11 năm 2026",
        "Nộp bổ sung hồ sơ",
        "10 giờ 00 phút, ngày 27 tháng 11 năm 2026",
        # ward -> department (liên thông)
        "1. Giao: Ủy ban nhân dân phường Vị Thanh – Thẩm định hồ sơ 2. Nhận: Sở Tư pháp thành phố Cần Thơ – Thẩm định tại Sở",
        "14 giờ 00 phút, ngày 27 tháng 11 năm 2026",
        "Người giao: Lê Văn Thẩm",
        "Người nhận: Huỳnh Thị Định",
        "Chuyển liên thông",
        "Gia hạn (Mẫu số 04), hẹn trả mới 16:00 10/12/2026",
        "2. Nhận: Sở Tư pháp thành phố Cần Thơ – Lãnh đạo Sở phê duyệt",
        "Đã giải quyết xong, chuyển trả kết quả",
        "2. Nhận: Nguyễn Thị Hoa (người nộp hồ sơ)",
        "09 giờ 30 phút, ngày 04 tháng 12 năm 2026",
        "Trả kết quả tại bộ phận một cửa",
    ):
        assert expected in text, expected
    # The ward step was due on 30/11 (2.5 working days after receipt, plus the day waited):
    # handed on 27/11 it is early; the department's approval, due after the extension, too.
    assert text.count("Trước hạn") >= 2
    assert "Quá hạn" not in text.replace("(Trước hạn/ đúng hạn/ quá hạn)", "")


def test_form_06_marks_a_step_finished_after_its_deadline_as_late(place):
    dossier = reload(counter(place, at=vn(2026, 11, 25, 8, 15)))
    # The ward's step (2.5 working days from receipt) ends well after its deadline.
    services.complete_step(actor=place.ward_specialist, dossier=dossier, now=vn(2026, 12, 3, 9))
    text = text_of(forms_pdf.render_form_06(reload(dossier)))
    assert "Quá hạn" in text.replace("(Trước hạn/ đúng hạn/ quá hạn)", "")


def test_form_06_table_repeats_its_heading_on_every_page(place):
    dossier = counter(place, at=vn(2026, 11, 25, 8, 15))
    day = dt.date(2026, 11, 26)
    for round_ in range(12):
        moment = dt.datetime.combine(day, dt.time(8, 0), tzinfo=TZ) + dt.timedelta(
            days=round_ // 2, hours=round_ % 2 * 4
        )
        services.request_supplement(
            actor=place.ward_specialist,
            dossier=dossier,
            reason=f"Lần {round_ + 1}: thiếu giấy tờ",
            now=moment,
        )
        services.fulfil_supplement(
            actor=place.citizen, dossier=dossier, note="Đã bổ sung", now=moment + dt.timedelta(hours=1)
        )
    pages = pages_text(forms_pdf.render_form_06(reload(dossier)))
    assert len(pages) >= 2
    for page in pages:
        assert "THỜI GIAN GIAO, NHẬN HỒ SƠ" in page
    assert all(f"Lần {n}: thiếu giấy tờ" in " ".join(pages) for n in range(1, 13))
    assert pages[1].startswith("2 ")  # page numbers from the second page


# --- Form 07 -----------------------------------------------------------------------------------


def test_form_07_is_a_landscape_book_spanning_pages_with_contacts_in_clear(place, caplog):
    codes = []
    for n in range(45):
        at = vn(2026, 11, 2, 8, 0) + dt.timedelta(days=n // 8, minutes=45 * (n % 8))
        # The second applicant has an account (the citizen ID links it): they hand in a supplement.
        citizen_id = CITIZEN_ID if n == 1 else ""
        codes.append(counter(place, at=at, name=f"Người nộp số {n + 1:02d}", citizen_id=citizen_id).code)
    elsewhere = counter(
        place, at=vn(2026, 11, 3, 9), agency=place.other_center, name="Ở nơi khác", citizen_id=""
    )
    before = counter(place, at=vn(2026, 10, 30, 9), name="Trước kỳ", citizen_id="")
    # The second dossier goes all the way: a supplement, the department, the result returned.
    done = Dossier.objects.get(code=codes[1])
    services.request_supplement(
        actor=place.ward_specialist, dossier=done, reason="Thiếu tờ khai", now=vn(2026, 11, 3, 9)
    )
    services.fulfil_supplement(actor=place.citizen, dossier=done, note="Đã bổ sung", now=vn(2026, 11, 3, 15))
    services.complete_step(actor=place.ward_specialist, dossier=done, now=vn(2026, 11, 4, 9))
    services.complete_step(actor=place.dept_specialist, dossier=done, now=vn(2026, 11, 5, 9))
    services.complete_step(actor=place.dept_leader, dossier=done, now=vn(2026, 11, 6, 9))
    services.return_result(actor=place.desk, dossier=done, now=vn(2026, 11, 9, 8, 30))
    with caplog.at_level(logging.DEBUG):
        pdf = forms_pdf.render_form_07(
            place.center, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=vn(2026, 12, 1, 8)
        )
    pages = pages_text(pdf)
    assert len(pages) >= 3
    assert set(page_sizes(pdf)) == {(297, 210)}
    assert "SỔ THEO DÕI HỒ SƠ" in pages[0]
    assert "Từ ngày 01/11/2026 đến ngày 30/11/2026" in pages[0]
    for page in pages:
        for heading in (
            "Mã hồ sơ",
            "Tên TTHC",
            "Tên cá nhân, tổ chức",
            "Địa chỉ, số điện thoại",
            "Cơ quan chủ trì giải quyết",
            "Chuyển hồ sơ đến cơ quan giải quyết",
            "Ký nhận",
        ):
            assert heading in page, heading
    flat = "".join(pages).replace(" ", "")
    for code in codes:
        assert code in flat, code
    assert elsewhere.code not in flat and before.code not in flat
    # Rows in order, one per dossier, every cell read back in column order.
    contact = f"{ADDRESS}; {PHONE}".replace(" ", "")
    lead = "SởTưphápthànhphốCầnThơ"  # it approves: the lead agency
    procedure = place.procedure.name.replace(" ", "")
    # Received Mon 2/11 08:00, appointment 7 working days later, handed to the ward at once,
    # still open on 1/12: overdue.
    first = (
        f"1{codes[0]}{procedure}01Ngườinộpsố01{contact}{lead}02/11/202611/11/202602/11/2026Đangxửlý;Quáhạn"
    )
    assert first in flat
    # The supplement waited 3/11 09:00 to 15:00 (office time), pushing the appointment.
    second = (
        f"2{codes[1]}{procedure}01Ngườinộpsố02{contact}{lead}02/11/202611/11/202602/11/2026"
        "YCBS03/11/2026KQ06/11/202609/11/2026Đãtrảkếtquả;Trướchạn"
    )
    assert second in flat
    assert f"45{codes[44]}{procedure}01Ngườinộpsố45" in flat
    assert flat.index(codes[0]) < flat.index(codes[20]) < flat.index(codes[44])
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert ADDRESS not in logged and PHONE not in logged


def test_form_07_checks_its_period(place):
    with pytest.raises(ValidationFailed) as caught:
        forms_pdf.render_form_07(place.center, dt.date(2026, 12, 1), dt.date(2026, 11, 1))
    assert caught.value.code == "dossiers.invalid_period"
    with pytest.raises(ValidationFailed) as caught:
        forms_pdf.render_form_07(place.center, dt.date(2025, 1, 1), dt.date(2026, 1, 31))
    assert caught.value.code == "dossiers.period_too_long"
    with pytest.raises(ValidationFailed):
        forms_pdf.render_form_07(place.center, "2026-11-01", dt.date(2026, 11, 30))
    empty = text_of(forms_pdf.render_form_07(place.center, dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    assert "(Không có hồ sơ được tiếp nhận trong kỳ)" in empty


# --- the dispatcher, reading only, fonts ---------------------------------------------------------


def test_render_form_dispatches_and_refuses_unknown_numbers(lived):
    filename, pdf = forms_pdf.render_form(lived, "01")
    assert filename == f"mau-01-{lived.code}.pdf"
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text_of(pdf)
    assert forms_pdf.render_form(lived, 6)[0] == f"mau-06-{lived.code}.pdf"
    for bad, code in (
        (7, "dossiers.form_per_agency"),
        (0, "dossiers.unknown_form"),
        ("x", "dossiers.unknown_form"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            forms_pdf.render_form(lived, bad)
        assert caught.value.code == code
    with pytest.raises(Conflict) as caught:
        forms_pdf.render_form(lived, 3)
    assert caught.value.code == "dossiers.form_unavailable"


def test_rendering_writes_nothing(lived, place):
    with CaptureQueriesContext(connection) as queries:
        for number in (1, 2, 4, 6):
            forms_pdf.render_form(lived, number)
        forms_pdf.render_form_07(place.center, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    writes = [
        q["sql"] for q in queries.captured_queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)
    ]
    # The working-day calendar may refresh its entry in the (database) cache; nothing else is written.
    assert [sql for sql in writes if "tinhso_cache" not in sql] == []
    assert any(re.search(r"FROM\s+\"dossiers_dossier\"", q["sql"]) for q in queries.captured_queries)


def test_missing_fonts_fail_with_a_clear_error(lived, monkeypatch):
    monkeypatch.setattr(layout.finders, "find", lambda path: None)
    with pytest.raises(layout.FontsMissing, match="DejaVuSerif.ttf is missing from the static files"):
        forms_pdf.render_form_06(lived)


def test_form_07_refuses_a_book_too_big_to_print_at_once(place, monkeypatch):
    from tinhso.dossiers.forms_pdf import tracking_book

    for n in range(3):
        counter(place, at=vn(2026, 11, 2, 8 + n), name=f"Người nộp {n}", citizen_id="")
    monkeypatch.setattr(tracking_book, "MAX_ROWS", 2)
    with pytest.raises(ValidationFailed) as caught:
        forms_pdf.render_form_07(place.center, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert caught.value.code == "dossiers.book_too_large"


# --- hand-overs of the other actions ------------------------------------------------------------


def test_form_06_shows_a_step_sent_back_and_a_withdrawal(place):
    dossier = counter(place, at=vn(2026, 11, 25, 8, 15))
    services.complete_step(actor=place.ward_specialist, dossier=dossier, now=vn(2026, 11, 25, 10))
    services.complete_step(actor=place.dept_specialist, dossier=dossier, now=vn(2026, 11, 26, 9))
    services.return_step(
        actor=place.dept_leader, dossier=dossier, reason="Dự thảo chưa đúng mẫu", now=vn(2026, 11, 26, 14)
    )
    services.withdraw_dossier(
        actor=place.citizen, dossier=dossier, reason="Không còn nhu cầu", now=vn(2026, 11, 27, 8)
    )
    text = text_of(forms_pdf.render_form_06(reload(dossier)))
    for expected in (
        "1. Giao: Sở Tư pháp thành phố Cần Thơ – Lãnh đạo Sở phê duyệt "
        "2. Nhận: Sở Tư pháp thành phố Cần Thơ – Thẩm định tại Sở",
        "Trả lại bước trước: Dự thảo chưa đúng mẫu",
        "Người giao: Trương Minh Duyệt",
        "1. Giao: Sở Tư pháp thành phố Cần Thơ – Thẩm định tại Sở 2. Nhận: Nguyễn Thị Hoa (người nộp hồ sơ)",
        "Rút hồ sơ theo đề nghị của người nộp: Không còn nhu cầu",
    ):
        assert expected in text, expected


def test_control_sheet_rows_for_the_fee_step(place):
    """The fee step as the route engine records it: awaiting payment, then paid and moved on."""
    from tinhso.dossiers.forms_pdf import handovers
    from tinhso.dossiers.models import DossierStep, DossierTransition

    dossier = reload(counter(place, at=vn(2026, 11, 25, 8, 15)))
    steps = {s.order: s for s in DossierStep.objects.filter(dossier=dossier).select_related("agency")}
    fee = DossierStep(
        dossier=dossier, order=3, name="Thu lệ phí", kind=StepKind.FEE, agency=place.center, role=ONE
    )
    fee.pk = 10_000
    route = [steps[1], steps[2], fee, steps[4]]
    history = list(DossierTransition.objects.filter(dossier=dossier).order_by("at", "id"))
    history += [
        DossierTransition(
            id=10_001,
            dossier=dossier,
            action="await_payment",
            at=vn(2026, 11, 26, 9),
            step=fee,
            actor=place.ward_specialist,
            data={"completed_step": 2, "next_step": 3, "amount": 100000},
        ),
        DossierTransition(
            id=10_002,
            dossier=dossier,
            action="payment_received",
            at=vn(2026, 11, 26, 15),
            step=fee,
            actor_label="system",
            data={"amount": 100000},
        ),
    ]
    rows = handovers.hand_overs(dossier, transitions=history, steps=route)
    waiting, paid = rows[-2], rows[-1]
    assert waiting.giver.step == steps[2] and waiting.receiver.step == fee
    assert "Chờ thực hiện nghĩa vụ tài chính (100.000 đồng)" in waiting.notes
    assert paid.giver.step == fee and paid.receiver.step == steps[4]
    assert paid.giver_person == "Hệ thống" and paid.notes == ["Đã thực hiện nghĩa vụ tài chính"]
