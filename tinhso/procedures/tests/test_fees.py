import pytest

from tinhso.core.errors import ValidationFailed
from tinhso.core.permissions import SYSTEM
from tinhso.procedures import fees, selectors, services

from .conftest import procedure_data

CERTIFIED_COPY = {
    "kind": "per_unit",
    "unit": "trang",
    "amount": 2000,
    "first_units": 2,
    "next_amount": 1000,
    "max_amount": 200000,
}
CRIMINAL_RECORD = {
    "kind": "table",
    "options": [
        {"key": "thuong", "label": "Mức chung", "amount": 200000},
        {"key": "uu_dai", "label": "Sinh viên, người có công", "amount": 100000},
    ],
}


def test_normalize():
    assert fees.normalize_fee_rule(None) == ({"kind": "free"}, [])
    assert fees.normalize_fee_rule({"kind": "fixed", "amount": 0}) == ({"kind": "free"}, [])
    assert fees.normalize_fee_rule(CERTIFIED_COPY) == (CERTIFIED_COPY, [])
    rule, problems = fees.normalize_fee_rule({**CRIMINAL_RECORD, "default": "khac"})
    assert [p.path for p in problems] == ["fee_rule.default"]


@pytest.mark.parametrize(("pages", "amount"), [(1, 2000), (2, 4000), (3, 5000), (10, 12000), (500, 200000)])
def test_certified_copy_by_page(pages, amount):
    assert fees.quote(CERTIFIED_COPY, {"quantity": pages}).amount == amount


def test_table_needs_a_known_option():
    assert fees.quote(CRIMINAL_RECORD, {"option": "uu_dai"}).amount == 100000
    with pytest.raises(ValidationFailed) as caught:
        fees.quote(CRIMINAL_RECORD, {})
    assert caught.value.code == "procedures.fee_option_required"
    assert caught.value.details == {"options": ["thuong", "uu_dai"]}
    assert fees.quote({**CRIMINAL_RECORD, "default": "thuong"}, {}).amount == 200000


@pytest.mark.parametrize("quantity", [0, -1, "3", True, 10**9])
def test_bad_quantity(quantity):
    with pytest.raises(ValidationFailed) as caught:
        fees.quote(CERTIFIED_COPY, {"quantity": quantity})
    assert caught.value.code == "procedures.invalid_fee_quantity"


def test_describe():
    assert fees.describe({"kind": "fixed", "amount": 1000000}) == "1.000.000 đ"
    assert fees.describe({"kind": "free"}) == "Không thu phí, lệ phí"
    assert "tối đa 200.000 đ" in fees.describe(CERTIFIED_COPY)


@pytest.mark.django_db
def test_fee_for_a_procedure(field_ht):
    steps = procedure_data()["route_steps"]
    steps.insert(3, {"name": "Thu phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"})
    procedure = services.create_procedure(
        actor=SYSTEM, data=procedure_data(fee_rule=CRIMINAL_RECORD, route_steps=steps)
    )
    quote = selectors.fee_for(procedure, {"option": "thuong"})
    assert (quote.amount, quote.label, quote.option) == (200000, "Mức chung", "thuong")
