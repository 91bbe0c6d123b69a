from datetime import date

import pytest

from tinhso.core.errors import NotFound, ValidationFailed
from tinhso.core.units import selectors
from tinhso.core.units.models import Structure, UnitLevel

pytestmark = pytest.mark.django_db

BEFORE, AFTER = date(2025, 6, 30), date(2025, 7, 1)


def codes(units):
    return [(u.structure, u.code) for u in units]


def test_units_as_of_each_side_of_the_reform(can_tho):
    before = selectors.units_as_of(BEFORE, level=UnitLevel.PROVINCE)
    after = selectors.units_as_of(AFTER, level=UnitLevel.PROVINCE)
    assert codes(before) == [("legacy", "92"), ("legacy", "93"), ("legacy", "94")]
    assert codes(after) == [("current", "92")]
    assert not selectors.units_as_of(AFTER, level=UnitLevel.DISTRICT).exists()
    assert selectors.units_as_of(BEFORE, level=UnitLevel.DISTRICT).filter(code="934").exists()


def test_units_as_of_within_a_province_and_under_a_parent(can_tho):
    hau_giang = selectors.units_as_of(BEFORE, province="93")
    assert {u.structure for u in hau_giang} == {Structure.LEGACY}
    assert hau_giang.filter(level=UnitLevel.DISTRICT).count() == 8
    assert hau_giang.filter(code="31402").exists()  # a commune, two levels down
    assert not selectors.units_as_of(AFTER, province="93").exists()  # Hậu Giang no longer exists
    # "92" means legacy Cần Thơ before the reform and the merged city after it.
    assert selectors.units_as_of(BEFORE, province="92").first().structure == Structure.LEGACY
    can_tho_now = selectors.units_as_of(AFTER, province="92")
    assert can_tho_now.filter(code="31399", structure=Structure.CURRENT).exists()
    phung_hiep = selectors.get_unit("legacy", "934")
    under = selectors.units_as_of(BEFORE, parent=phung_hiep)
    assert under.count() == 15 and all(u.parent_id == phung_hiep.pk for u in under)
    assert not selectors.units_as_of(AFTER, parent=phung_hiep).exists()


def test_units_as_of_refuses_an_unknown_level(can_tho):
    with pytest.raises(ValidationFailed) as info:
        selectors.units_as_of(AFTER, level="hamlet")
    assert info.value.code == "units.invalid_level"


def test_hau_giang_became_can_tho(can_tho):
    hau_giang = selectors.get_unit("legacy", "93")
    assert codes(selectors.successors_of(hau_giang)) == [("current", "92")]
    assert selectors.successors_of(hau_giang)[0].name == "Thành phố Cần Thơ"
    assert selectors.current_unit_for(hau_giang, AFTER).code == "92"
    assert selectors.current_unit_for(hau_giang, BEFORE) == hau_giang


def test_a_legacy_commune_became_a_new_commune(can_tho):
    binh_thanh = selectors.get_unit("legacy", "31402")  # Xã Bình Thành, Huyện Phụng Hiệp
    became = selectors.successors_of(binh_thanh)
    assert codes(became) == [("current", "31399")]
    assert became[0].name == "Xã Tân Bình"
    assert selectors.current_unit_for(binh_thanh, date(2026, 1, 1)) == became[0]


def test_a_current_commune_came_from_its_former_communes(can_tho):
    tan_binh = selectors.get_unit("current", "31399")
    assert codes(selectors.predecessors_of(tan_binh)) == [("legacy", "31399"), ("legacy", "31402")]
    with_districts = selectors.predecessors_of(tan_binh, include_derived=True)
    assert ("legacy", "934") in codes(with_districts)
    # Both former communes were in Huyện Phụng Hiệp: that is the unit that covered it before.
    assert selectors.current_unit_for(tan_binh, BEFORE).code == "934"


def test_a_former_district_became_the_communes_its_communes_went_to(can_tho):
    phung_hiep = selectors.get_unit("legacy", "934")
    became = selectors.successors_of(phung_hiep)
    assert {u.code for u in became} == {"31393", "31396", "31399", "31408", "31420", "31426", "31432"}
    assert all(u.structure == Structure.CURRENT for u in became)
    # Spread over seven communes: the smallest unit covering them all is the merged city.
    assert selectors.current_unit_for(phung_hiep, AFTER).code == "92"


def test_a_split_commune_is_counted_under_the_unit_containing_all_its_parts(can_tho):
    from vietnam_provinces import _ward_conversion_2025 as table

    entry = next(
        e for e in table.OLD_TO_NEW.values() if e.old_ward.province_code == 92 and len(e.new_wards) > 1
    )
    split = selectors.get_unit("legacy", f"{entry.old_ward.code:05d}")
    parts = selectors.successors_of(split)
    assert {p.code for p in parts} == {f"{w.code:05d}" for w in entry.new_wards}
    covering = selectors.current_unit_for(split, AFTER)
    assert (covering.structure, covering.code) == ("current", "92")
    assert all(p.parent_id == covering.pk for p in parts)


def test_direct_and_transitive_successors(can_tho):
    current = selectors.get_unit("current", "92")
    assert selectors.successors_of(current) == []
    assert codes(selectors.predecessors_of(current)) == [("legacy", "92"), ("legacy", "93"), ("legacy", "94")]
    # No single former province covered the merged city.
    assert selectors.current_unit_for(current, BEFORE) is None
    hau_giang = selectors.get_unit("legacy", "93")
    assert selectors.successors_of(hau_giang, transitive=False) == selectors.successors_of(hau_giang)


def test_find_units_ignores_case_and_diacritics(can_tho):
    found = selectors.find_units("phung hiep")
    assert ("legacy", "934") in codes(found)
    assert codes(found)[0][0] == Structure.CURRENT  # current units first
    assert codes(selectors.find_units("PHỤNG HIỆP")) == codes(found)
    dai_thanh = selectors.find_units("dai thanh")  # Xã Đại Thành: đ is searched as d
    assert any(u.name == "Xã Đại Thành" for u in dai_thanh)
    assert selectors.find_units("Đại Thành") == dai_thanh
    assert codes(selectors.find_units("hau giang", level=UnitLevel.PROVINCE)) == [("legacy", "93")]
    assert selectors.find_units("hau giang", as_of=AFTER, level=UnitLevel.PROVINCE) == []
    assert selectors.find_units("  ") == []
    assert len(selectors.find_units("xa", limit=5)) == 5


def test_get_unit_refuses_unknown_structure_and_code(can_tho):
    with pytest.raises(ValidationFailed):
        selectors.get_unit("future", "92")
    with pytest.raises(NotFound) as info:
        selectors.get_unit("current", "93")
    assert info.value.code == "units.not_found"
