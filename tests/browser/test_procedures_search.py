"""A citizen searches the procedure catalog without diacritics and opens a procedure."""

import pytest

from tinhso.core.permissions import SYSTEM
from tinhso.procedures import services
from tinhso.procedures.tests.conftest import procedure_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUTE = [
    {"name": "Tiếp nhận hồ sơ", "kind": "receive", "role": "one_stop_officer", "share_days": "0.5"},
    {"name": "Thẩm định hồ sơ", "kind": "process", "role": "specialist", "share_days": "11"},
    {"name": "Phê duyệt", "kind": "approve", "role": "leader", "share_days": "3"},
    {"name": "Thu lệ phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"},
    {"name": "Trả kết quả", "kind": "return", "role": "one_stop_officer", "share_days": "0.5"},
]


def test_search_without_diacritics_and_open_a_procedure(live_server, page):
    services.save_field(actor=SYSTEM, code="HT", name="Hộ tịch")
    services.save_field(actor=SYSTEM, code="XD", name="Hoạt động xây dựng")
    services.create_procedure(actor=SYSTEM, data=procedure_data())
    services.create_procedure(
        actor=SYSTEM,
        data=procedure_data(
            code="DEMO.XD.001",
            name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
            field_code="XD",
            levels=["district"],
            processing_days=15,
            fee_rule={"kind": "fixed", "amount": 75000},
            online_level="partial",
            route_steps=ROUTE,
        ),
    )

    page.goto(f"{live_server.url}/thu-tuc/")
    page.get_by_role("heading", name="Tra cứu thủ tục hành chính").wait_for()
    assert page.get_by_text("Tìm thấy 2 thủ tục.").is_visible()

    # Typing is enough: HTMX asks for the results as the citizen types, without a page load.
    page.get_by_label("Tên hoặc mã thủ tục").press_sequentially("xay dung giay phep", delay=20)
    page.get_by_text("Tìm thấy 1 thủ tục.").wait_for()
    assert "q=xay%20dung%20giay%20phep" in page.url  # the search is in the address, shareable
    assert page.get_by_role("link", name="Đăng ký khai sinh").count() == 0

    page.get_by_role("link", name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ").click()
    page.get_by_role("heading", name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ").wait_for()
    assert page.url.endswith("/thu-tuc/DEMO.XD.001/")
    assert page.get_by_text("75.000 đ").first.is_visible()
    assert (
        page.get_by_role("link", name="Nộp hồ sơ trực tuyến").get_attribute("href")
        == "/ho-so/nop/DEMO.XD.001/"
    )
    assert page.get_by_role("cell", name="Giấy chứng sinh").is_visible()
