from datetime import date

import pytest

from tinhso.core.permissions import SYSTEM
from tinhso.procedures import search, selectors, services
from tinhso.procedures.selectors import Filters

from .conftest import procedure_data

pytestmark = pytest.mark.django_db

ROUTE_15_WITH_FEE = [
    {"name": "Tiếp nhận", "kind": "receive", "role": "one_stop_officer", "share_days": "0.5"},
    {"name": "Thẩm định", "kind": "process", "role": "specialist", "share_days": "11"},
    {"name": "Phê duyệt", "kind": "approve", "role": "leader", "share_days": "3"},
    {"name": "Thu lệ phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"},
    {"name": "Trả kết quả", "kind": "return", "role": "one_stop_officer", "share_days": "0.5"},
]


def names(filters: Filters, **kwargs) -> list[str]:
    return [p.name for p in selectors.search_procedures(filters, **kwargs)]


@pytest.fixture
def catalog(make_procedure, field_xd, agency, other_agency):
    make_procedure(agencies=[agency.code])
    services.save_field(actor=SYSTEM, code="DD", name="Đất đai")
    build = dict(
        field_code="XD",
        processing_days=15,
        fee_rule={"kind": "fixed", "amount": 75000},
        route_steps=ROUTE_15_WITH_FEE,
        online_level="partial",
        levels=["district"],
    )
    make_procedure(
        code="DEMO.XD.001",
        name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        agencies=[other_agency.code],
        **build,
    )
    make_procedure(code="DEMO.XD.002", name="Gia hạn giấy phép xây dựng đối với nhà ở riêng lẻ", **build)
    make_procedure(code="DEMO.XD.003", name="Cấp giấy phép xây dựng", **build)
    make_procedure(
        code="DEMO.DD.001", name="Đăng ký biến động quyền sử dụng đất", field_code="DD", online_level="none"
    )


def test_normalize_strips_diacritics_and_d():
    assert search.normalize("Cấp Giấy phép XÂY DỰNG (nhà ở)") == "cap giay phep xay dung nha o"
    assert search.normalize("Đăng ký đất đai") == "dang ky dat dai"
    assert search.normalize("Ưu đãi người có công") == "uu dai nguoi co cong"
    assert search.tokens("  xây   dựng xây ") == ["xay", "dung"]


def test_without_diacritics_finds_the_procedure(catalog):
    found = names(Filters(q="cap giay phep xay dung"))
    assert found[0] == "Cấp giấy phép xây dựng"
    assert "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" in found
    assert "Gia hạn giấy phép xây dựng đối với nhà ở riêng lẻ" not in found  # "cap" is required


def test_word_order_is_ignored(catalog):
    assert set(names(Filters(q="xay dung giay phep"))) == {
        "Cấp giấy phép xây dựng",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "Gia hạn giấy phép xây dựng đối với nhà ở riêng lẻ",
    }


def test_with_diacritics_and_capitals(catalog):
    assert names(Filters(q="ĐĂNG KÝ KHAI SINH")) == ["Đăng ký khai sinh"]
    assert names(Filters(q="đăng ký đất")) == ["Đăng ký biến động quyền sử dụng đất"]


def test_tokens_match_word_beginnings_not_inside_words(catalog):
    assert names(Filters(q="khai")) == ["Đăng ký khai sinh"]
    assert names(Filters(q="kha si")) == ["Đăng ký khai sinh"]  # prefixes of words
    assert names(Filters(q="ai")) == []  # "ai" is inside "khai" only, never at a word start


def test_every_token_is_required(catalog):
    assert names(Filters(q="khai sinh xay")) == []


def test_code_and_field_name_are_searchable(catalog):
    assert names(Filters(q="1.001193")) == ["Đăng ký khai sinh"]
    assert names(Filters(q="1001193")) == ["Đăng ký khai sinh"]
    assert names(Filters(q="ho tich")) == ["Đăng ký khai sinh"]  # the field "Hộ tịch"


def test_ranking_prefers_the_phrase_at_the_start(catalog):
    found = names(Filters(q="giay phep xay dung"))
    assert found[0] == "Cấp giấy phép xây dựng"  # shortest name holding the phrase
    assert found[-1] == "Gia hạn giấy phép xây dựng đối với nhà ở riêng lẻ"


def test_filters(catalog, agency, other_agency):
    assert names(Filters(q="giay phep", field="xd")) and all(
        p.field.code == "XD" for p in selectors.search_procedures(Filters(field="XD"))
    )
    assert names(Filters(agency=other_agency.code)) == ["Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"]
    assert names(Filters(agency=agency.code)) == ["Đăng ký khai sinh"]
    assert names(Filters(online_level="none")) == ["Đăng ký biến động quyền sử dụng đất"]
    assert names(Filters(online_level="full")) == ["Đăng ký khai sinh"]
    assert len(names(Filters(level="district"))) == 3
    assert names(Filters(level="commune", q="khai sinh")) == ["Đăng ký khai sinh"]


def test_withdrawn_and_future_procedures_are_not_listed(catalog):
    procedure = services.get_for_update("DEMO.XD.003")
    services.deactivate_procedure(actor=SYSTEM, procedure=procedure, last_day=date(2025, 1, 1))
    assert "Cấp giấy phép xây dựng" not in names(Filters(q="xay dung"))
    assert "Cấp giấy phép xây dựng" in names(Filters(q="xay dung"), include_inactive=True)
    services.create_procedure(
        actor=SYSTEM,
        data=procedure_data(code="DEMO.HT.900", name="Khai sinh tương lai", active_from=date(2099, 1, 1)),
    )
    assert names(Filters(q="tuong lai")) == []
    assert names(Filters(q="tuong lai"), on=date(2099, 1, 2)) == ["Khai sinh tương lai"]


def test_search_text_follows_a_field_rename(catalog):
    services.save_field(actor=SYSTEM, code="HT", name="Hộ tịch và quốc tịch")
    assert names(Filters(q="quoc tich")) == ["Đăng ký khai sinh"]


def test_search_needs_a_bounded_number_of_queries(catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        selectors.search_procedures(
            Filters(q="giay phep xay dung nha o rieng le", field="XD", online_level="partial")
        )
