import copy

import pytest

from tinhso.core.permissions import SYSTEM
from tinhso.procedures import services

BASE = {
    "code": "1.001193",
    "name": "Đăng ký khai sinh",
    "field_code": "HT",
    "levels": ["commune"],
    "agencies": [],
    "processing_days": 1,
    "processing_note": "Ngay trong ngày nếu nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo.",
    "fee_rule": {"kind": "free"},
    "fee_description": "Miễn lệ phí khi đăng ký khai sinh đúng hạn.",
    "result_type": "Giấy khai sinh (bản chính)",
    "online_level": "full",
    "legal_basis": "Luật Hộ tịch năm 2014\nNghị định 123/2015/NĐ-CP",
    "documents": [
        {"name": "Tờ khai đăng ký khai sinh", "copies": "01 bản chính", "accepts": ["pdf"]},
        {"name": "Giấy chứng sinh", "copies": "01 bản chính"},
    ],
    "form_fields": [
        {"key": "ho_ten_tre", "label": "Họ, chữ đệm và tên của trẻ", "datatype": "text", "required": True},
        {
            "key": "gioi_tinh",
            "label": "Giới tính",
            "datatype": "choice",
            "required": True,
            "choices": [{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}],
        },
    ],
    "route_steps": [
        {"name": "Tiếp nhận hồ sơ", "kind": "receive", "role": "one_stop_officer", "share_days": "0.25"},
        {"name": "Thẩm định", "kind": "process", "role": "specialist", "share_days": "0.25"},
        {"name": "Phê duyệt", "kind": "approve", "role": "leader", "share_days": "0.25"},
        {"name": "Trả kết quả", "kind": "return", "role": "one_stop_officer", "share_days": "0.25"},
    ],
}


def procedure_data(**overrides):
    data = copy.deepcopy(BASE)
    data.update(overrides)
    return data


@pytest.fixture
def field_ht(db):
    field, _ = services.save_field(actor=SYSTEM, code="HT", name="Hộ tịch")
    return field


@pytest.fixture
def field_xd(db):
    field, _ = services.save_field(actor=SYSTEM, code="XD", name="Xây dựng")
    return field


@pytest.fixture
def make_procedure(field_ht):
    def make(**overrides):
        return services.create_procedure(actor=SYSTEM, data=procedure_data(**overrides))

    return make
