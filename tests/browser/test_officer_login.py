"""An officer signs in with password and a TOTP code and lands in the workspace."""

import pytest
from django_otp.oath import totp

from tinhso.core.accounts import services
from tinhso.core.testing.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_officer_logs_in_with_two_factor_and_sees_workspace(
    live_server, page, make_officer, agency, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a failure; not under test here
    officer = make_officer(
        username="chuyenvien.tttt", full_name="Võ Minh Khoa", roles=[(agency, "specialist")]
    )
    device = services.enroll_demo_totp(officer, services.new_demo_totp_key())

    page.goto(f"{live_server.url}/lam-viec/")
    assert "/dang-nhap/" in page.url  # the workspace sends a signed-out visitor to sign in

    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill("chuyenvien.tttt")
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.get_by_role("heading", name="Xác thực hai lớp").wait_for()
    page.get_by_label("Mã xác thực 6 chữ số").fill("000000" if _code(device) != "000000" else "111111")
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_text("Mã xác thực không đúng hoặc đã hết hạn.").wait_for()

    page.get_by_label("Mã xác thực 6 chữ số").fill(_code(device))
    page.get_by_role("button", name="Xác nhận").click()

    page.get_by_role("heading", name="Không gian làm việc").wait_for()
    assert page.url.endswith("/lam-viec/")
    assert page.get_by_role("cell", name=agency.name).is_visible()
    assert page.get_by_text("Chuyên viên").is_visible()


def test_citizen_registers_and_switches_to_english(live_server, page):
    page.goto(f"{live_server.url}/dang-ky/")
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill("093201000777")
    page.get_by_label("Họ và tên").fill("Đặng Thu Trang")
    page.get_by_label("Mật khẩu").fill("Mot-mat-khau-rat-dai-2026")
    page.get_by_role("button", name="Đăng ký").click()
    page.get_by_role("heading", name="Tài khoản", exact=True).wait_for()
    assert page.get_by_text("*********777").is_visible()
    assert "093201000777" not in page.content()

    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("button", name="Đổi", exact=True).click()
    page.get_by_role("heading", name="Account", exact=True).wait_for()
