from datetime import date

import vietnam_provinces
import vietnam_provinces.legacy

from tinhso.core.units.models import Structure, UnitLevel
from tinhso.core.units.source import normalize_search, read_source


def test_normalize_search_drops_diacritics_and_maps_d_bar():
    assert normalize_search("Huyện Phụng Hiệp") == "huyen phung hiep"
    assert normalize_search("ĐỒNG THÁP") == "dong thap"
    assert normalize_search("Xã Đại  Thành") == "xa dai thanh"
    assert normalize_search("Bà Rịa - Vũng Tàu") == "ba ria vung tau"
    assert normalize_search("") == ""


def test_source_holds_every_unit_of_both_structures_with_padded_codes():
    data = read_source()
    by_kind: dict[tuple[str, str], int] = {}
    for unit in data.units:
        by_kind[(unit.structure, unit.level)] = by_kind.get((unit.structure, unit.level), 0) + 1
    assert by_kind[(Structure.LEGACY, UnitLevel.PROVINCE)] == len(
        list(vietnam_provinces.legacy.Province.iter_all())
    )
    assert by_kind[(Structure.LEGACY, UnitLevel.DISTRICT)] == len(
        list(vietnam_provinces.legacy.District.iter_all())
    )
    assert by_kind[(Structure.LEGACY, UnitLevel.COMMUNE)] == len(
        list(vietnam_provinces.legacy.Ward.iter_all())
    )
    assert by_kind[(Structure.CURRENT, UnitLevel.PROVINCE)] == 34
    assert by_kind[(Structure.CURRENT, UnitLevel.COMMUNE)] == len(list(vietnam_provinces.Ward.iter_all()))
    assert (Structure.CURRENT, UnitLevel.DISTRICT) not in by_kind
    lengths = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}
    assert all(len(u.code) == lengths[u.level] and u.code.isdigit() for u in data.units)
    assert len({u.key for u in data.units}) == len(data.units)


def test_source_validity_and_successions_are_consistent():
    data = read_source()
    keys = {u.key for u in data.units}
    assert data.effective_on == date(2025, 7, 1)
    for unit in data.units:
        if unit.structure == Structure.LEGACY:
            assert (unit.valid_from, unit.valid_to) == (None, date(2025, 6, 30))
        else:
            assert (unit.valid_from, unit.valid_to) == (date(2025, 7, 1), None)
    for succession in data.successions:
        assert succession.predecessor in keys and succession.successor in keys
        assert succession.predecessor[0] == Structure.LEGACY and succession.successor[0] == Structure.CURRENT
    assert data.legacy_to_current["93"] == ("92",)
    assert set(data.current_to_legacy["92"]) == {"92", "93", "94"}
