"""A citizen pays a fee through the sandbox gateway; the notification arrives late, over real HTTP,
and the payment page (polling with htmx) shows the success and the receipt without a reload."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.core.testing.factories import DEFAULT_PASSWORD
from tinhso.payments import services
from tinhso.payments.models import PaymentStatus
from tinhso.payments.providers import sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_pays_and_sees_the_late_result(live_server, page, make_citizen, agency, settings):
    settings.SITE_URL = live_server.url
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_ENABLED = True
    settings.PAYMENT_SANDBOX_CALLBACK_TRANSPORT = "http"
    citizen = make_citizen(citizen_id="093085000456", full_name="Phạm Thị Nộp")
    payment = services.create_payment(
        actor=citizen,
        payable_type="dossier",
        payable_id="000.00.01.H23-260105-0042",
        amount=150_000,
        description="Lệ phí cấp bản sao trích lục hộ tịch",
        agency=agency,
    )

    page.goto(f"{live_server.url}/thanh-toan/{payment.public_id}/")
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill("093085000456")
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("150.000 đồng").wait_for()

    page.get_by_role("button", name="Nộp tiền").click()
    page.get_by_text("CỔNG THANH TOÁN THỬ NGHIỆM (SANDBOX)", exact=False).wait_for()
    page.get_by_label("Thanh toán thành công").check()
    page.get_by_text("Tùy chọn cho người kiểm thử").click()
    page.get_by_label("Gửi thông báo kết quả sau (giây)").fill("5")
    page.get_by_role("button", name="Xác nhận").click()

    # Back on the platform before the bank's notification: the page waits and polls.
    page.get_by_text("Đang chờ cổng thanh toán xác nhận kết quả.", exact=False).wait_for()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING

    # The notification falls due; the sandbox posts it to the live server over HTTP.
    assert sandbox.send_due_callbacks(now=timezone.now() + timedelta(seconds=6)) == 1
    page.get_by_role("link", name="Xem biên lai", exact=False).wait_for()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    page.get_by_role("link", name="Xem biên lai", exact=False).click()
    page.get_by_text("Một trăm năm mươi nghìn đồng").wait_for()
    assert page.get_by_text(payment.receipt.number, exact=False).first.is_visible()
