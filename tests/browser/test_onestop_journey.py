"""The one-stop office end to end in a real browser.

A citizen applies online for a procedure with a fee and pays in the sandbox gateway; the one-stop
officer receives the dossier, a specialist processes it, a leader approves it (the fee step passes
by itself, the fee being paid), the one-stop officer attaches the result and returns it online,
and the citizen sees "Đã trả kết quả" on their dossier page and downloads the result. Each person
uses their own browser context; officers sign in with their password and a TOTP code. On the way,
the officer's page goes stale (the citizen adds a file meanwhile) and the htmx panel explains it in
place. Screenshots of the processing page and of the citizen's dossier page are left in the
temporary directory for a look at the layout.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from django_otp.oath import totp

from tinhso.core.accounts import services as accounts
from tinhso.core.agencies.models import AgencyKind
from tinhso.core.files.tests.samples import pdf_bytes
from tinhso.core.permissions import SYSTEM
from tinhso.core.testing.factories import DEFAULT_PASSWORD
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierState
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.procedures import services as procedures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZEN_ID = "093085000321"
PROCEDURE = "DEMO.TP.901"
# Screenshots of the two main pages, kept for a human look at the layout after each run.
SCREENSHOTS = Path(tempfile.gettempdir())


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes()}


def _context_page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _officer_signs_in(page, url: str, username: str, device) -> None:
    page.goto(url)
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill(username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Mã xác thực 6 chữ số").fill(_code(device))
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("heading", name="Một cửa điện tử").wait_for()


@pytest.fixture
def province(make_agency, make_officer, make_citizen):
    top = make_agency(name="UBND tỉnh Hậu Giang", code="000.00.00.H23", kind=AgencyKind.PROVINCIAL_COMMITTEE)
    dept = make_agency(name="Sở Tư pháp", code="000.00.09.H23", kind=AgencyKind.DEPARTMENT, parent=top)
    procedures.save_field(actor=SYSTEM, code="CT", name="Chứng thực")
    procedures.create_procedure(
        actor=SYSTEM,
        data={
            "code": PROCEDURE,
            "name": "Cấp bản sao từ sổ gốc",
            "field_code": "CT",
            "levels": ["provincial"],
            "agencies": [dept.code],
            "processing_days": 5,
            "fee_rule": {"kind": "fixed", "amount": 50000},
            "result_type": "Bản sao từ sổ gốc",
            "online_level": "full",
            "documents": [{"name": "Đơn đề nghị cấp bản sao", "copies": "01 bản chính", "accepts": ["pdf"]}],
            "form_fields": [
                {"key": "so_ban", "label": "Số bản sao đề nghị", "datatype": "number", "required": True},
                {"key": "muc_dich", "label": "Mục đích sử dụng", "datatype": "text", "required": False},
            ],
            "route_steps": [
                {
                    "name": "Tiếp nhận hồ sơ",
                    "kind": "receive",
                    "role": "one_stop_officer",
                    "share_days": "0.5",
                },
                {"name": "Thẩm định hồ sơ", "kind": "process", "role": "specialist", "share_days": "2.5"},
                {"name": "Lãnh đạo Sở phê duyệt", "kind": "approve", "role": "leader", "share_days": "1"},
                {"name": "Thu lệ phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"},
                {"name": "Trả kết quả", "kind": "return", "role": "one_stop_officer", "share_days": "1"},
            ],
        },
    )
    people = {
        "desk": make_officer(username="motcua.stp", full_name="Lê Thị Một Cửa", roles=[(dept, "one_stop_officer")]),
        "specialist": make_officer(username="chuyenvien.stp", full_name="Võ Minh Khoa", roles=[(dept, "specialist")]),
        "leader": make_officer(username="lanhdao.stp", full_name="Trần Văn Lãnh", roles=[(dept, "leader")]),
    }  # fmt: skip
    devices = {
        name: accounts.enroll_demo_totp(user, accounts.new_demo_totp_key()) for name, user in people.items()
    }
    make_citizen(citizen_id=CITIZEN_ID, full_name="Phạm Thị Nộp", phone="0939123456", email="nop@example.vn")
    return devices


def test_citizen_applies_pays_and_gets_the_result_online(live_server, browser, page, province, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.SITE_URL = live_server.url
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_ENABLED = True
    settings.PAYMENT_SANDBOX_CALLBACK_TRANSPORT = "direct"
    base = live_server.url

    # --- The citizen applies from the catalog and pays the fee. ---------------------------------
    page.goto(f"{base}/thu-tuc/{PROCEDURE}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill(CITIZEN_ID)
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Nộp hồ sơ trực tuyến").wait_for()
    assert page.get_by_text("50.000 đ").first.is_visible()
    page.get_by_label("Số bản sao đề nghị").fill("2")
    page.get_by_label("Mục đích sử dụng").fill("Bổ sung hồ sơ xin việc")
    page.get_by_label("1. Đơn đề nghị cấp bản sao").set_input_files(_pdf("don-de-nghi.pdf"))
    page.get_by_label("Nhận trực tuyến").check()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.get_by_text("Đã nộp hồ sơ. Mã hồ sơ của bạn là", exact=False).wait_for()
    dossier = Dossier.objects.get()
    assert dossier.state == DossierState.SUBMITTED and dossier.fee_amount == 50000

    page.get_by_role("button", name="Thanh toán").click()
    page.get_by_text("CỔNG THANH TOÁN THỬ NGHIỆM (SANDBOX)", exact=False).wait_for()
    page.get_by_label("Thanh toán thành công").check()
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("link", name="Quay lại hồ sơ").wait_for()
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    page.get_by_role("link", name="Quay lại hồ sơ").click()
    page.get_by_text("đã thanh toán", exact=False).first.wait_for()

    # --- The one-stop officer receives it. ------------------------------------------------------
    desk_context, desk = _context_page(browser)
    _officer_signs_in(desk, f"{base}/ho-so/lam-viec/", "motcua.stp", province["desk"])
    desk.get_by_role("link", name=dossier.code).click()
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").wait_for()
    # Meanwhile the citizen adds a file: the officer's page is stale, the panel says so in place.
    services.add_documents(
        actor=Dossier.objects.get().applicant,
        dossier=dossier,
        documents=[services.DocumentInput(upload=io.BytesIO(pdf_bytes()), name="giay-to-them.pdf")],
    )
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    desk.get_by_text("Hồ sơ vừa được người khác xử lý, vui lòng tải lại.").wait_for()
    assert Dossier.objects.get().state == DossierState.SUBMITTED
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()  # the re-rendered panel is current
    desk.get_by_text("Đã tiếp nhận hồ sơ.", exact=False).wait_for()
    assert desk.get_by_role("link", name="Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả").is_visible()

    # --- The specialist processes it, the leader approves it. -----------------------------------
    for who, button in (("specialist", "Hoàn thành bước, chuyển tiếp"), ("leader", "Phê duyệt")):
        context, officer = _context_page(browser)
        _officer_signs_in(
            officer,
            f"{base}/ho-so/lam-viec/",
            f"{'chuyenvien' if who == 'specialist' else 'lanhdao'}.stp",
            province[who],
        )
        officer.get_by_role("link", name=dossier.code).click()
        officer.get_by_role("button", name=button).click()
        officer.get_by_text("Đã hoàn thành bước xử lý", exact=False).wait_for()
        context.close()
    dossier.refresh_from_db()
    # The fee was paid in advance: the fee step passed by itself, the result waits to be returned.
    assert dossier.state == DossierState.PROCESSED
    assert "payment_received" not in dossier.transitions.values_list("action", flat=True)

    # --- The one-stop officer attaches the result and returns it online. ------------------------
    desk.reload()
    desk.get_by_label("Tên kết quả").fill("Bản sao từ sổ gốc")
    desk.get_by_label("Tệp kết quả").set_input_files(_pdf("ban-sao.pdf"))
    desk.get_by_role("button", name="Tải lên kết quả").click()
    desk.get_by_text("Đã đính kèm kết quả.").wait_for()
    desk.screenshot(path=SCREENSHOTS / "onestop-officer-processing.png", full_page=True)
    desk.get_by_label("Hình thức trả kết quả").select_option("online")
    desk.get_by_role("button", name="Trả kết quả").click()
    desk.get_by_text("Đã trả kết quả cho người nộp.").wait_for()
    desk_context.close()

    # --- The citizen sees the result and downloads it. ------------------------------------------
    page.reload()
    page.get_by_text("Đã trả kết quả").first.wait_for()
    assert page.locator(".dossier-head .state").inner_text() == "Đã trả kết quả"
    page.screenshot(path=SCREENSHOTS / "onestop-citizen-dossier.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về: Bản sao từ sổ gốc").click()
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    dossier.refresh_from_db()
    assert dossier.state == DossierState.RETURNED
