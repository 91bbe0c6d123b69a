"""A platform administrator issues an Open311 key on the operators' page (htmx, no reload), an
application submits a report with it over real HTTP, then the key is revoked and refused."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import include, path
from django_otp.oath import totp

import tinhso.urls
from tinhso.core.accounts import services as accounts
from tinhso.core.permissions import SYSTEM
from tinhso.core.testing.factories import DEFAULT_PASSWORD
from tinhso.feedback import services as feedback
from tinhso.feedback.models import Channel, Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]

# The operators' pages where tinhso/urls.py is to mount them, plus the whole site.
urlpatterns = [
    path("quan-ly/open311/", include("tinhso.feedback.open311.admin_urls")),
    *tinhso.urls.urlpatterns,
]


def _post(url: str, fields: dict) -> tuple[int, object]:
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live test server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_admin_issues_and_revokes_an_open311_key(live_server, page, make_agency, make_officer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    agency = make_agency(name="Sở Xây dựng thành phố Cần Thơ")
    feedback.create_category(
        actor=SYSTEM,
        code="rac-thai",
        name="Rác thải, vệ sinh môi trường",
        agency=agency,
        deadline_days=3,
        allow_anonymous=True,
        contact_required=False,
        photo_required=False,
    )
    admin = make_officer(
        username="quantri.open311", full_name="Lê Quản Trị", roles=[(agency, "platform_admin")]
    )
    device = accounts.enroll_demo_totp(admin, accounts.new_demo_totp_key())

    page.goto(f"{live_server.url}/quan-ly/open311/")
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill("quantri.open311")
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Mã xác thực 6 chữ số").fill(
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    )
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("heading", name="Khóa Open311 của ứng dụng kết nối").wait_for()
    page.get_by_text("Chưa cấp khóa nào.").wait_for()

    page.get_by_label("Tên ứng dụng").fill("Ứng dụng Cần Thơ Số")
    page.get_by_label("Số yêu cầu tối đa mỗi phút").fill("30")
    page.get_by_role("button", name="Cấp khóa").click()
    key_element = page.get_by_test_id("issued-key")
    key_element.wait_for()
    plain = key_element.inner_text().strip()
    assert plain.startswith("o311_")
    assert page.get_by_role("cell", name=plain[:12] + "…").is_visible()

    status, body = _post(
        f"{live_server.url}/open311/v2/requests.json",
        {
            "api_key": plain,
            "service_code": "rac-thai",
            "lat": "9.7845",
            "long": "105.4701",
            "description": "Rác tồn đọng nhiều ngày ở đầu hẻm 12.",
        },
    )
    assert status == 201, body
    report = Report.objects.get(public_id=body[0]["service_request_id"])
    assert report.channel == Channel.OPEN311

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Thu hồi").click()
    page.get_by_text("Đã thu hồi khóa", exact=False).first.wait_for()
    assert page.get_by_test_id("issued-key").count() == 0  # the key is never shown again

    status, body = _post(
        f"{live_server.url}/open311/v2/requests.json",
        {"api_key": plain, "service_code": "rac-thai", "description": "Thử lại sau khi thu hồi khóa."},
    )
    assert status == 403
    assert body[0]["code"] == 403
    assert Report.objects.count() == 1
