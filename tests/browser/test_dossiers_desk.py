"""The one-stop desk's own work in a real browser, through htmx: documents added before receipt,
a step assigned by the leader, a supplement handed in at the counter (a wrong file first, refused
in place), and the notification outbox where the applicant's messages are read in a demo."""

from __future__ import annotations

import io

import pytest
from django_otp.oath import totp

from tinhso.core.accounts import services as accounts
from tinhso.core.agencies.models import AgencyKind
from tinhso.core.files.tests.samples import pdf_bytes, png_bytes
from tinhso.core.permissions import SYSTEM
from tinhso.core.testing.factories import DEFAULT_PASSWORD
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierDocument, DossierState
from tinhso.dossiers.tests.conftest import deliver_events
from tinhso.procedures import services as procedures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROCEDURE = "DEMO.TP.902"


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _file(name: str, content: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def _file_input(page, label: str):
    return page.locator("input[type=file]").and_(page.get_by_label(label))


def _signed_in(browser, base: str, username: str, device):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/ho-so/lam-viec/")
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill(username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Mã xác thực 6 chữ số").fill(_code(device))
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("heading", name="Một cửa điện tử").wait_for()
    return context, page


@pytest.fixture
def desk_world(make_agency, make_officer, make_citizen):
    top = make_agency(name="UBND tỉnh Hậu Giang", code="000.00.00.H23", kind=AgencyKind.PROVINCIAL_COMMITTEE)
    dept = make_agency(name="Sở Tư pháp", code="000.00.09.H23", kind=AgencyKind.DEPARTMENT, parent=top)
    procedures.save_field(actor=SYSTEM, code="CT", name="Chứng thực")
    procedure = procedures.create_procedure(
        actor=SYSTEM,
        data={
            "code": PROCEDURE,
            "name": "Cấp bản sao từ sổ gốc",
            "field_code": "CT",
            "levels": ["provincial"],
            "agencies": [dept.code],
            "processing_days": 5,
            "online_level": "full",
            "documents": [
                {"name": "Đơn đề nghị cấp bản sao", "copies": "01 bản chính", "accepts": ["pdf"]},
                {"name": "Giấy tờ tùy thân", "copies": "01 bản sao", "is_required": False},
            ],
            "route_steps": [
                {"name": "Tiếp nhận hồ sơ", "kind": "receive", "role": "one_stop_officer", "share_days": "0.5"},
                {"name": "Thẩm định hồ sơ", "kind": "process", "role": "specialist", "share_days": "2.5"},
                {"name": "Lãnh đạo Sở phê duyệt", "kind": "approve", "role": "leader", "share_days": "1"},
                {"name": "Trả kết quả", "kind": "return", "role": "one_stop_officer", "share_days": "1"},
            ],
        },
    )  # fmt: skip
    people = {
        "desk": make_officer(username="motcua.stp", full_name="Lê Thị Một Cửa", roles=[(dept, "one_stop_officer")]),
        "leader": make_officer(username="lanhdao.stp", full_name="Trần Văn Lãnh", roles=[(dept, "leader")]),
        "specialist": make_officer(username="chuyenvien.stp", full_name="Võ Minh Khoa", roles=[(dept, "specialist")]),
        "second": make_officer(username="chuyenvien2.stp", full_name="Phạm Thị Hai", roles=[(dept, "specialist")]),
    }  # fmt: skip
    devices = {
        name: accounts.enroll_demo_totp(user, accounts.new_demo_totp_key()) for name, user in people.items()
    }
    citizen = make_citizen(full_name="Phạm Thị Nộp", phone="0939123456", email="nop@example.vn")
    declaration = procedure.documents.get(order=1)
    dossier = services.submit_dossier(
        actor=citizen,
        procedure_code=PROCEDURE,
        agency=dept,
        form_data={},
        documents=[
            services.DocumentInput(required_document_id=declaration.pk, upload=io.BytesIO(pdf_bytes()), name="don.pdf")
        ],
    ).dossier  # fmt: skip
    return {"people": people, "devices": devices, "dossier": dossier, "declaration": declaration}


def test_desk_work_through_htmx(live_server, browser, desk_world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    base = live_server.url
    dossier, devices = desk_world["dossier"], desk_world["devices"]

    # --- The desk adds the ID copy the applicant brought, then receives the dossier. ------------
    desk_context, desk = _signed_in(browser, base, "motcua.stp", devices["desk"])
    desk.goto(f"{base}/ho-so/lam-viec/{dossier.code}/")
    desk.get_by_text("Thêm giấy tờ trước khi tiếp nhận").click()
    _file_input(desk, "Giấy tờ tùy thân").set_input_files(_file("cccd.png", png_bytes(), "image/png"))
    desk.get_by_role("button", name="Thêm vào hồ sơ").click()
    desk.get_by_text("Đã thêm 1 tệp vào hồ sơ.").wait_for()
    assert DossierDocument.objects.filter(dossier=dossier).count() == 2
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    desk.get_by_text("Đã tiếp nhận hồ sơ.", exact=False).wait_for()

    # --- The leader gives the examination to the second specialist. ------------------------------
    leader_context, leader = _signed_in(browser, base, "lanhdao.stp", devices["leader"])
    leader.goto(f"{base}/ho-so/lam-viec/{dossier.code}/")
    leader.get_by_text("Phân công xử lý").click()
    leader.get_by_label("Giao cho cán bộ").select_option(label="Phạm Thị Hai (chuyenvien2.stp)")
    leader.get_by_role("button", name="Phân công").click()
    leader.get_by_text("Đã giao bước “Thẩm định hồ sơ” cho Phạm Thị Hai.").wait_for()
    assert leader.get_by_text("Giao cho: Phạm Thị Hai").is_visible()
    leader_context.close()

    # The second specialist finds it under "Giao cho tôi" and asks for a signed declaration.
    second_context, second = _signed_in(browser, base, "chuyenvien2.stp", devices["second"])
    second.get_by_role("link", name="Giao cho tôi (1)").click()
    second.get_by_role("link", name=dossier.code).wait_for()
    second_context.close()
    services.request_supplement(
        actor=desk_world["people"]["second"],
        dossier=dossier,
        reason="Đơn chưa ký",
        items=[
            {"name": desk_world["declaration"].name, "required_document_id": desk_world["declaration"].pk}
        ],
    )

    # --- The applicant brings the signed form to the counter: a photo first (refused), then the PDF.
    desk.reload()
    desk.get_by_text("Nhận hồ sơ bổ sung tại quầy").wait_for()
    _file_input(desk, "Đơn đề nghị cấp bản sao").set_input_files(_file("anh.png", png_bytes(), "image/png"))
    desk.get_by_role("button", name="Nhận bổ sung").click()
    desk.get_by_text("chỉ nhận tệp: pdf", exact=False).wait_for()
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.AWAITING_SUPPLEMENT
    _file_input(desk, "Đơn đề nghị cấp bản sao").set_input_files(
        _file("don-ky.pdf", pdf_bytes(), "application/pdf")
    )
    desk.get_by_role("button", name="Nhận bổ sung").click()
    desk.get_by_text("Đã nhận hồ sơ bổ sung tại quầy (1 tệp)", exact=False).wait_for()
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.PROCESSING

    # --- The outbox: with no sender configured, the applicant's messages are read here. ----------
    deliver_events()
    desk.goto(f"{base}/ho-so/lam-viec/hop-thu-di/")
    desk.get_by_text(f"Yêu cầu bổ sung hồ sơ {dossier.code}").first.wait_for()
    assert desk.get_by_text(f"Đã tiếp nhận hồ sơ {dossier.code}").first.is_visible()
    assert desk.get_by_text("n***@example.vn").first.is_visible()
    assert desk.get_by_text("*******3456").first.is_visible()
    assert "0939123456" not in desk.content() and "nop@example.vn" not in desk.content()
    desk_context.close()
