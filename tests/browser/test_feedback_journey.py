"""A citizen reports a broken street light with a photo, placing it by clicking the map; a leader of
the ward's People's Committee acknowledges, assigns, starts and resolves it from the handling page
(htmx, no reload); the public page shows it resolved with the answer.

Set TINHSO_SCREENSHOTS to a directory to keep screenshots of the public map and the handling page.
"""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation
from django_otp.oath import totp
from PIL import Image

from tinhso.core.accounts import services as accounts
from tinhso.core.agencies.models import AgencyKind
from tinhso.core.permissions import SYSTEM
from tinhso.core.testing.factories import DEFAULT_PASSWORD
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel
from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _vi(label) -> str:
    """The Vietnamese label, whatever language an earlier test left active in this thread."""
    with translation.override("vi"):
        return str(label)


RESPONSE = "Đã thay bóng đèn mới và kiểm tra lại đường dây, đèn sáng bình thường."


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _unit(code, name, level, parent=None, kind="phường"):
    return AdministrativeUnit.objects.create(
        structure=Structure.CURRENT,
        code=code,
        name=name,
        division_type=kind,
        level=level,
        parent=parent,
        search_name=name.lower(),
        valid_from=date(2025, 7, 1),
    )


def _shot(page, name: str) -> None:
    folder = os.environ.get("TINHSO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


@pytest.fixture
def city(make_agency, make_officer, make_citizen):
    province = _unit("92", "Thành phố Cần Thơ", UnitLevel.PROVINCE, kind="thành phố")
    ward = _unit("31321", "Phường Vị Thanh", UnitLevel.COMMUNE, province)
    committee = make_agency(
        name="Ủy ban nhân dân thành phố Cần Thơ", code="000.00.00.H13", kind=AgencyKind.PROVINCIAL_COMMITTEE
    )
    department = make_agency(name="Sở Xây dựng thành phố Cần Thơ", code="000.00.06.H13", parent=committee)
    ward_committee = make_agency(
        name="Ủy ban nhân dân phường Vị Thanh",
        code="000.00.41.H13",
        kind=AgencyKind.COMMUNE_COMMITTEE,
        parent=committee,
        unit=ward,
    )
    lights = services.create_category(
        actor=SYSTEM,
        code="den-duong",
        name="Đèn chiếu sáng công cộng hư hỏng",
        agency=department,
        deadline_days=5,
        allow_anonymous=False,
        attributes=[
            {
                "code": "tinh-trang",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "Tình trạng đèn",
                "order": 1,
                "values": [
                    {"key": "tat", "name": "Đèn không sáng"},
                    {"key": "chap-chon", "name": "Đèn chập chờn"},
                ],
            }
        ],
    )
    services.set_routing_rule(actor=SYSTEM, category=lights, unit=ward, agency=ward_committee)
    leader = make_officer(
        username="pvithanh.lanhdao", full_name="Đoàn Văn Yên", roles=[(ward_committee, "leader")]
    )
    device = accounts.enroll_demo_totp(leader, accounts.new_demo_totp_key())
    citizen = make_citizen(citizen_id="093085000001", full_name="Nguyễn Văn Thành")
    return {"ward_committee": ward_committee, "leader": leader, "device": device, "citizen": citizen}


def test_citizen_reports_and_officer_resolves(live_server, page, city, settings, tmp_path):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.MAP_TILE_URL = ""  # the offline background: no request leaves the machine
    photo = tmp_path / "den-hong.jpg"
    Image.new("RGB", (640, 480), (30, 30, 60)).save(photo, format="JPEG")

    # The citizen signs in and reports.
    page.goto(f"{live_server.url}/phan-anh/gui/")
    page.get_by_label("Đèn chiếu sáng công cộng hư hỏng").check()
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("link", name="Đăng nhập để gửi phản ánh").click()
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill("093085000001")
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Gửi phản ánh hiện trường").wait_for()

    page.get_by_label("Mô tả").fill("Đèn đường trước chợ Vị Thanh không sáng ba đêm liền, rất tối.")
    page.get_by_label("Ảnh hiện trường").set_input_files(str(photo))
    map_box = page.locator("#fb-map")
    map_box.wait_for()
    page.locator("#fb-map.leaflet-container").wait_for()
    # The map opens on the city's extent, whose centre lies in the former Hậu Giang.
    map_box.click()
    page.get_by_text("Đã chọn vị trí", exact=False).wait_for()
    latitude = float(page.get_by_label("Vĩ độ").input_value())
    longitude = float(page.get_by_label("Kinh độ").input_value())
    assert 9.18 < latitude < 10.35 and 105.20 < longitude < 106.41
    page.get_by_label("Xã, phường").select_option(label="Phường Vị Thanh")
    page.get_by_label("Tình trạng đèn").select_option(label="Đèn không sáng")
    page.get_by_role("button", name="Gửi phản ánh").click()

    page.get_by_text("Đã gửi phản ánh", exact=False).wait_for()
    report = Report.objects.get()
    assert report.reporter == city["citizen"] and report.agency == city["ward_committee"]
    assert report.photos.count() == 1 and float(report.latitude) == pytest.approx(latitude, abs=1e-6)
    assert report.public_id in page.url
    page.get_by_role("button", name="Đăng xuất").click()

    # The public map shows it (no personal data).
    page.goto(f"{live_server.url}/phan-anh/")
    page.locator("#fb-map[data-loaded='1']").wait_for()
    assert page.locator("#fb-map path.leaflet-interactive").count() == 1
    assert "Nguyễn Văn Thành" not in page.content()
    _shot(page, "feedback-public-map.png")

    # The ward's leader signs in with two factors and handles it.
    page.goto(f"{live_server.url}/phan-anh/xu-ly/")
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill("pvithanh.lanhdao")
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Mã xác thực 6 chữ số").fill(_code(city["device"]))
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("heading", name="Xử lý phản ánh hiện trường").wait_for()
    page.get_by_role("link", name=report.public_id).click()
    page.get_by_role("heading", name="Đèn chiếu sáng công cộng hư hỏng").wait_for()

    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    page.locator("#fb-panel [role=status]").filter(has_text="Đã tiếp nhận phản ánh.").wait_for()
    page.get_by_label("Cán bộ xử lý").select_option(label="Đoàn Văn Yên")
    page.locator("form[action$='/thao-tac/assign/'] button").click()
    page.locator("#fb-panel [role=status]").filter(has_text="Đã phân công cán bộ xử lý.").wait_for()
    page.get_by_role("button", name="Bắt đầu xử lý").click()
    page.locator("#fb-panel [role=status]").filter(
        has_text="Đã chuyển phản ánh sang “Đang xử lý”."
    ).wait_for()
    page.get_by_label("Trả lời công khai cho người phản ánh").fill(RESPONSE)
    page.locator("form[action$='/thao-tac/resolve/'] button").click()
    page.locator("#fb-panel [role=status]").filter(has_text="Đã ghi nhận kết quả xử lý.").wait_for()
    # The timeline was re-rendered too, without a reload.
    assert page.locator("#fb-timeline").get_by_text(RESPONSE).is_visible()
    _shot(page, "feedback-handling.png")
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED and report.assignee == city["leader"]

    # Anyone sees it resolved, with the agency's answer.
    page.get_by_role("link", name="Xem trang công khai").click()
    page.get_by_text(RESPONSE).first.wait_for()
    label = _vi(ReportStatus.RESOLVED.label)
    assert page.locator(".fb-status").filter(has_text=re.compile(re.escape(label))).first.is_visible()
