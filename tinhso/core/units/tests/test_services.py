import dataclasses
from datetime import date
from unittest import mock

import pytest
import vietnam_provinces
import vietnam_provinces.legacy

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import PermissionDenied, ValidationFailed
from tinhso.core.events.models import OutboxEvent
from tinhso.core.permissions import ANONYMOUS, SYSTEM, Principal
from tinhso.core.units import services
from tinhso.core.units.models import AdministrativeUnit, Structure, UnitLevel, UnitSuccession
from tinhso.core.units.source import SourceUnit, read_source

pytestmark = pytest.mark.django_db


def _expected_can_tho_units() -> int:
    legacy_provinces = {92, 93, 94}
    districts = [
        d for d in vietnam_provinces.legacy.District.iter_all() if d.province_code.value in legacy_provinces
    ]
    district_codes = {d.code.value for d in districts}
    legacy_wards = [
        w for w in vietnam_provinces.legacy.Ward.iter_all() if w.district_code.value in district_codes
    ]
    current_wards = [w for w in vietnam_provinces.Ward.iter_all() if w.province_code.value == 92]
    return len(legacy_provinces) + len(districts) + len(legacy_wards) + 1 + len(current_wards)


def _snapshot():
    units = list(
        AdministrativeUnit.objects.order_by("id").values_list(
            "id", "structure", "code", "name", "division_type", "parent_id", "valid_from", "valid_to"
        )
    )
    successions = list(
        UnitSuccession.objects.order_by("id").values_list(
            "id", "predecessor_id", "successor_id", "effective_on", "is_partial", "derived"
        )
    )
    return units, successions


def test_filter_widens_to_the_merger_group(can_tho):
    assert can_tho.province_codes == ("92", "93")
    assert can_tho.legacy_provinces == ("92", "93", "94")
    assert can_tho.current_provinces == ("92",)
    assert can_tho.created == _expected_can_tho_units() == AdministrativeUnit.objects.count()
    assert set(
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).values_list("structure", "code", "name")
    ) == {
        (Structure.LEGACY, "92", "Thành phố Cần Thơ"),
        (Structure.LEGACY, "93", "Tỉnh Hậu Giang"),
        (Structure.LEGACY, "94", "Tỉnh Sóc Trăng"),
        (Structure.CURRENT, "92", "Thành phố Cần Thơ"),
    }
    assert can_tho.successions_created == UnitSuccession.objects.count() > 0
    assert can_tho.updated == can_tho.ended == 0
    assert can_tho.unlinkable == []  # the package's unlinkable rows are all in other provinces


def test_units_carry_structure_validity_parent_and_search_name(can_tho):
    hau_giang = AdministrativeUnit.objects.get(structure=Structure.LEGACY, code="93")
    assert (hau_giang.valid_from, hau_giang.valid_to) == (None, date(2025, 6, 30))
    assert hau_giang.division_type == "tỉnh" and hau_giang.parent is None
    phung_hiep = AdministrativeUnit.objects.get(structure=Structure.LEGACY, code="934")
    assert phung_hiep.name == "Huyện Phụng Hiệp" and phung_hiep.level == UnitLevel.DISTRICT
    assert phung_hiep.parent == hau_giang and phung_hiep.search_name == "huyen phung hiep"
    ward = AdministrativeUnit.objects.get(structure=Structure.LEGACY, code="31402")
    assert ward.parent == phung_hiep and ward.level == UnitLevel.COMMUNE
    can_tho_now = AdministrativeUnit.objects.get(structure=Structure.CURRENT, code="92")
    assert (can_tho_now.valid_from, can_tho_now.valid_to) == (date(2025, 7, 1), None)
    new_ward = AdministrativeUnit.objects.get(structure=Structure.CURRENT, code="31399")
    assert new_ward.parent == can_tho_now and new_ward.level == UnitLevel.COMMUNE
    assert new_ward.latitude is None  # the package has no coordinates


def test_successions_follow_the_conversion_tables(can_tho):
    def links(pred_structure, pred_code):
        return {
            (s.successor.code, s.is_partial, s.derived, s.effective_on)
            for s in UnitSuccession.objects.filter(
                predecessor__structure=pred_structure, predecessor__code=pred_code
            ).select_related("successor")
        }

    assert links(Structure.LEGACY, "93") == {("92", False, False, date(2025, 7, 1))}
    assert links(Structure.LEGACY, "31402") == {("31399", False, False, date(2025, 7, 1))}
    phung_hiep = links(Structure.LEGACY, "934")
    assert {code for code, *_ in phung_hiep} == {
        "31393",
        "31396",
        "31399",
        "31408",
        "31420",
        "31426",
        "31432",
    }
    assert all(partial and derived for _, partial, derived, _ in phung_hiep)


def test_partial_successions_match_the_package(can_tho):
    from vietnam_provinces import _ward_conversion_2025 as table

    split = [
        entry
        for entry in table.OLD_TO_NEW.values()
        if entry.old_ward.province_code in {92, 93, 94} and len(entry.new_wards) > 1
    ]
    assert split, "the Cần Thơ group has communes split between several new ones"
    entry = split[0]
    rows = UnitSuccession.objects.filter(
        predecessor__structure=Structure.LEGACY, predecessor__code=f"{entry.old_ward.code:05d}", derived=False
    )
    assert {r.successor.code for r in rows} == {f"{w.code:05d}" for w in entry.new_wards}
    assert all(r.is_partial for r in rows)
    whole = next(
        e
        for e in table.OLD_TO_NEW.values()
        if e.old_ward.province_code == 93 and len(e.new_wards) == 1 and not e.old_ward.is_partly_merged
    )
    row = UnitSuccession.objects.get(
        predecessor__structure=Structure.LEGACY, predecessor__code=f"{whole.old_ward.code:05d}"
    )
    assert row.is_partial is False


def test_reload_is_idempotent(can_tho):
    before = _snapshot()
    again = services.load_units(actor=SYSTEM, province_codes=["92", "93"])
    assert (again.created, again.updated, again.ended) == (0, 0, 0)
    assert again.unchanged == can_tho.created
    assert (again.successions_created, again.successions_updated, again.successions_removed) == (0, 0, 0)
    assert again.successions_unchanged == can_tho.successions_created
    assert again.changed is False
    assert _snapshot() == before


def test_each_load_is_audited_once_and_evented_only_when_it_changed(can_tho):
    services.load_units(actor=SYSTEM, province_codes=["93"])
    records = list(AuditRecord.objects.filter(action="units.loaded").order_by("seq"))
    assert len(records) == 2
    assert records[0].changes["created"] == can_tho.created
    assert records[1].changes["created"] == 0
    assert "vietnam-provinces" in records[0].summary
    events = list(OutboxEvent.objects.filter(name="units.loaded"))
    assert len(events) == 1
    assert events[0].payload["created"] == can_tho.created
    assert events[0].payload["province_codes"] == ["92", "93"]


def test_a_smaller_load_does_not_touch_other_provinces(can_tho):
    report = services.load_units(actor=SYSTEM, province_codes=["1"])
    assert report.legacy_provinces == ("01",) and report.current_provinces == ("01",)
    assert report.successions_removed == 0 and report.ended == 0
    assert AdministrativeUnit.objects.filter(structure=Structure.LEGACY, code="93").exists()
    assert UnitSuccession.objects.filter(predecessor__code="93").count() == 1


def _modified_source(*, rename=None, drop=None, add=None):
    data = read_source()
    units = []
    for unit in data.units:
        if drop and unit.key == drop:
            continue
        if rename and unit.key == rename[0]:
            unit = dataclasses.replace(unit, name=rename[1])
        units.append(unit)
    if add:
        units.append(add)
    successions = tuple(s for s in data.successions if not drop or drop not in (s.predecessor, s.successor))
    return dataclasses.replace(data, units=tuple(units), successions=successions)


def test_refresh_updates_names_adds_units_and_ends_instead_of_deleting(can_tho, monkeypatch):
    gone = (Structure.CURRENT, "31399")
    gone_id = AdministrativeUnit.objects.get(structure=gone[0], code=gone[1]).pk
    added = SourceUnit(
        structure=Structure.CURRENT,
        code="99998",
        name="Phường Mới Lập",
        division_type="phường",
        level=UnitLevel.COMMUNE,
        parent_code="92",
        province_code="92",
        codename="phuong_moi_lap",
        valid_from=date(2025, 7, 1),
        valid_to=None,
    )
    newer = _modified_source(rename=((Structure.CURRENT, "31408"), "Xã Thạnh Hoà"), drop=gone, add=added)
    monkeypatch.setattr(services, "read_source", lambda: newer)
    with mock.patch.object(services, "DATA_VERSION", "2026-12-01"):
        report = services.load_units(actor=SYSTEM, province_codes=["92"])
    assert (report.created, report.updated, report.ended) == (1, 1, 1)
    # Links into a unit the package no longer lists are kept with it: they still explain the past.
    assert report.successions_removed == 0
    ended = AdministrativeUnit.objects.get(pk=gone_id)
    assert ended.valid_to == date(2026, 11, 30)
    assert AdministrativeUnit.objects.get(structure=Structure.CURRENT, code="31408").name == "Xã Thạnh Hoà"
    assert (
        AdministrativeUnit.objects.get(structure=Structure.CURRENT, code="99998").search_name
        == "phuong moi lap"
    )
    assert UnitSuccession.objects.filter(successor_id=gone_id).exists()
    # Back to the real package: the unit is current again and its successions return.
    monkeypatch.undo()
    restored = services.load_units(actor=SYSTEM, province_codes=["92"])
    assert restored.updated == 2 and restored.created == 0
    assert AdministrativeUnit.objects.get(pk=gone_id).valid_to is None
    assert not restored.successions_created and not restored.successions_removed


def test_refresh_removes_a_succession_the_package_withdrew(can_tho, monkeypatch):
    data = read_source()
    withdrawn = next(s for s in data.successions if s.predecessor == (Structure.LEGACY, "31402"))
    newer = dataclasses.replace(data, successions=tuple(s for s in data.successions if s != withdrawn))
    monkeypatch.setattr(services, "read_source", lambda: newer)
    report = services.load_units(actor=SYSTEM, province_codes=["93"])
    assert (report.successions_removed, report.successions_created, report.created) == (1, 0, 0)
    assert not UnitSuccession.objects.filter(predecessor__code="31402").exists()


@pytest.mark.parametrize(
    ("codes", "code"),
    [
        ("93", "units.invalid_province_codes"),
        ([], "units.invalid_province_codes"),
        (["9a"], "units.invalid_province_codes"),
        (["123"], "units.invalid_province_codes"),
        ([None], "units.invalid_province_codes"),
        ([True], "units.invalid_province_codes"),
        (["0"], "units.invalid_province_codes"),
        (["03"], "units.unknown_province"),
        (["93", "99"], "units.unknown_province"),
    ],
)
def test_bad_province_codes_are_refused_and_nothing_is_written(codes, code):
    with pytest.raises(ValidationFailed) as info:
        services.load_units(actor=SYSTEM, province_codes=codes)
    assert info.value.code == code
    assert not AdministrativeUnit.objects.exists()
    assert not AuditRecord.objects.filter(action="units.loaded").exists()


def test_codes_are_normalized():
    assert services.normalize_province_codes([93, " 92 ", "1", "01"]) == ("01", "92", "93")
    assert services.normalize_province_codes(None) is None


def test_only_platform_admins_system_and_scoped_clients_may_load(make_officer, make_citizen, agency):
    specialist = make_officer(roles=[(agency, "specialist")])
    for actor in (
        specialist,
        make_citizen(),
        ANONYMOUS,
        Principal(kind="client", scopes=frozenset({"units:read"})),
    ):
        with pytest.raises(PermissionDenied):
            services.load_units(actor=actor, province_codes=["93"])
    assert not AdministrativeUnit.objects.exists()
    client = Principal(kind="client", id="c1", label="c1", scopes=frozenset({"units:manage"}))
    assert services.load_units(actor=client, province_codes=["93"]).created > 0


def test_platform_admin_may_load(platform_admin):
    report = services.load_units(actor=platform_admin, province_codes=["93"])
    assert report.created == AdministrativeUnit.objects.count() > 0
    record = AuditRecord.objects.get(action="units.loaded")
    assert record.actor_label == platform_admin.username


def test_loading_the_whole_country_matches_the_package():
    report = services.load_units(actor=SYSTEM)
    legacy_total = (
        len(list(vietnam_provinces.legacy.Province.iter_all()))
        + len(list(vietnam_provinces.legacy.District.iter_all()))
        + len(list(vietnam_provinces.legacy.Ward.iter_all()))
    )
    current_total = len(list(vietnam_provinces.Province.iter_all())) + len(
        list(vietnam_provinces.Ward.iter_all())
    )
    assert AdministrativeUnit.objects.filter(structure=Structure.LEGACY).count() == legacy_total
    assert AdministrativeUnit.objects.filter(structure=Structure.CURRENT).count() == current_total
    assert report.created == legacy_total + current_total
    assert report.successions_created == UnitSuccession.objects.count() == len(read_source().successions)
    assert report.province_codes == () and report.legacy_provinces == ()
    assert report.unlinkable == [code for code, _ in read_source().unlinkable] != []
    again = services.load_units(actor=SYSTEM)
    assert not again.changed and again.unchanged == report.created


def test_a_legacy_code_alone_brings_what_it_became():
    report = services.load_units(actor=SYSTEM, province_codes=["93"])
    assert (report.legacy_provinces, report.current_provinces) == (("93",), ("92",))
    assert not AdministrativeUnit.objects.filter(structure=Structure.LEGACY, code="94").exists()
    assert UnitSuccession.objects.filter(predecessor__code="93", successor__code="92").exists()
    # Every succession written starts in Hậu Giang.
    assert set(
        UnitSuccession.objects.values_list("predecessor__parent__parent__code", flat=True).distinct()
    ) <= {"93", None}
