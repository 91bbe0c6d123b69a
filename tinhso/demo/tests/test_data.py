"""The demo data is consistent with itself and with the `vietnam-provinces` package."""

from datetime import timedelta

from vietnam_provinces import Ward
from vietnam_provinces.legacy import District, Province
from vietnam_provinces.legacy import Ward as LegacyWard

from tinhso.core.accounts import citizen_ids
from tinhso.core.accounts.models import Role
from tinhso.core.agencies.models import AgencyKind
from tinhso.core.agencies.services import validate_code
from tinhso.demo import data


def test_codes_are_valid_and_unique():
    codes = [row.code for row in data.AGENCIES]
    assert len(codes) == len(set(codes))
    assert all(validate_code(code) == code for code in codes)
    assert {code[-3:] for code in codes} == {"H28", "H13"}


def test_references_point_to_listed_agencies_valid_at_the_right_time():
    by_code = {row.code: row for row in data.AGENCIES}
    for row in data.AGENCIES:
        assert row.kind in AgencyKind.values
        if row.parent:
            assert row.parent in by_code, row
        if row.successor:
            successor = by_code[row.successor]
            assert row.valid_to is not None
            assert successor.valid_from is None or successor.valid_from <= row.valid_to + timedelta(days=1)
            assert successor.valid_to is None or successor.valid_to > row.valid_to
        if row.code.endswith("H28"):
            assert row.valid_to is not None and row.valid_to <= data.LEGACY_LAST_DAY
            assert row.unit[0] == data.LEGACY
        else:
            assert row.valid_from == data.REFORM_DAY and row.valid_to is None
            assert row.unit[0] == data.CURRENT


def test_the_eight_district_level_units_of_hau_giang():
    assert Province.from_code(93).name == "Tỉnh Hậu Giang"
    package = {
        str(d.code.value if hasattr(d.code, "value") else d.code) for d in District.iter_by_province(93)
    }
    assert {unit for _n, unit, *_rest in data.HG_DISTRICTS} == package
    assert len(data.HG_DISTRICTS) == 8


def test_commune_successors_follow_the_package_conversion_table():
    for _district, _n, legacy_code, _name, current_code in data.HG_COMMUNES:
        ward = Ward.from_code(int(current_code))
        sources = {int(source.code) for source in ward.get_legacy_sources()}
        assert int(legacy_code) in sources, (legacy_code, current_code)
        legacy = LegacyWard.from_code(int(legacy_code))
        assert int(legacy.district_code) in {int(unit) for _x, unit, *_r in data.HG_DISTRICTS}


def test_people_are_well_formed():
    roles = {officer.role for officer in data.OFFICERS}
    assert roles == set(Role.values)
    agencies = {row.code for row in data.AGENCIES}
    assert all(officer.agency in agencies for officer in data.OFFICERS)
    for citizen in data.CITIZENS:
        assert citizen_ids.validate(citizen.citizen_id) == citizen.citizen_id
        assert citizen.citizen_id[:3] in {"093", "092"}
        assert citizen.citizen_id[-6:].startswith("00000")  # obviously fictional
