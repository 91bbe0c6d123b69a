from datetime import date

import pytest

from tinhso.core.agencies import services
from tinhso.core.agencies.events import AgencyClosed, AgencyCreated, AgencyUpdated
from tinhso.core.agencies.models import Agency, AgencyKind
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.core.permissions import ANONYMOUS, SYSTEM

pytestmark = pytest.mark.django_db

LAST_DAY = date(2025, 6, 30)


def _snapshot():
    return list(Agency.objects.order_by("pk").values())


# --- codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["000.00.00.H28", "000.01.31.H28", "123.45.67.G01", " 000.00.00.h13 "])
def test_valid_codes_are_accepted_and_normalised(code):
    assert services.validate_code(code) == code.strip().upper()


@pytest.mark.parametrize(
    "code",
    [
        "",
        "H28",
        "000.00.00",
        "000.00.00.H2",
        "000.00.00.H283",
        "00.00.00.H28",
        "000-00-00-H28",
        "000.00.00.028",
        "000.0A.00.H28",
        None,
        28,
    ],
)
def test_malformed_codes_are_refused(code):
    with pytest.raises(ValidationFailed) as error:
        services.validate_code(code)
    assert error.value.code == "agencies.invalid_code"


# --- create --------------------------------------------------------------------------------


def test_create_writes_audits_and_publishes(platform_admin, province, captured):
    agency = services.create_agency(
        actor=platform_admin,
        code="000.00.09.h28",
        name="  Sở Thông tin và   Truyền thông tỉnh Hậu Giang ",
        short_name="STTTT",
        kind=AgencyKind.DEPARTMENT,
        parent=province,
    )
    agency.refresh_from_db()
    assert agency.code == "000.00.09.H28"
    assert agency.name == "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    assert agency.parent == province
    [record] = captured["audit"]
    assert record["action"] == "agencies.agency_created" and record["obj"] == agency
    assert record["changes"]["parent"] == "000.00.00.H28"
    assert captured["events"] == [
        AgencyCreated(
            code="000.00.09.H28",
            agency_name="Sở Thông tin và Truyền thông tỉnh Hậu Giang",
            kind="department",
            parent_code="000.00.00.H28",
        )
    ]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"code": "H28"}, "agencies.invalid_code"),
        ({"name": "   "}, "agencies.invalid_name"),
        ({"name": None}, "agencies.invalid_name"),
        ({"name": "x" * 256}, "agencies.invalid_name"),
        ({"short_name": "x" * 41}, "agencies.invalid_short_name"),
        ({"kind": "ministry"}, "agencies.invalid_kind"),
        ({"valid_from": date(2025, 2, 1), "valid_to": date(2025, 1, 1)}, "agencies.invalid_dates"),
        ({"valid_from": "2025-01-01"}, "agencies.invalid_date"),
        ({"parent": "not an agency"}, "agencies.invalid_parent"),
        ({"unit": "93"}, "agencies.invalid_unit"),
    ],
)
def test_invalid_input_is_refused_and_changes_nothing(province, captured, changes, code):
    before = _snapshot()
    arguments = {"code": "000.00.05.H28", "name": "Sở Tài chính", "kind": AgencyKind.DEPARTMENT, **changes}
    with pytest.raises(ValidationFailed) as error:
        services.create_agency(actor=SYSTEM, **arguments)
    assert error.value.code == code
    assert error.value.message_vi and error.value.message_en
    assert _snapshot() == before
    assert captured == {"audit": [], "events": []}


def test_duplicate_code_is_a_conflict(department):
    before = _snapshot()
    with pytest.raises(Conflict) as error:
        services.create_agency(
            actor=SYSTEM, code="000.00.03.h28", name="Trùng mã", kind=AgencyKind.DEPARTMENT
        )
    assert error.value.code == "agencies.code_taken"
    assert _snapshot() == before


def test_a_child_cannot_outlive_or_predate_its_parent(province):
    services.close_agency(actor=SYSTEM, agency=province, valid_to=LAST_DAY)
    with pytest.raises(ValidationFailed) as error:
        services.create_agency(
            actor=SYSTEM, code="000.00.04.H28", name="Sở mới", kind=AgencyKind.DEPARTMENT, parent=province
        )
    assert error.value.code == "agencies.parent_not_valid"
    with pytest.raises(ValidationFailed) as error:
        services.create_agency(
            actor=SYSTEM,
            code="000.00.04.H28",
            name="Sở cũ",
            kind=AgencyKind.DEPARTMENT,
            parent=province,
            valid_from=date(2000, 1, 1),
            valid_to=date(2003, 1, 1),
        )
    assert error.value.code == "agencies.parent_not_valid"
    ok = services.create_agency(
        actor=SYSTEM,
        code="000.00.04.H28",
        name="Sở Kế hoạch và Đầu tư",
        kind=AgencyKind.DEPARTMENT,
        parent=province,
        valid_to=date(2025, 2, 28),
    )
    assert ok.parent == province


@pytest.mark.parametrize("who", ["anonymous", "citizen", "leader"])
def test_only_platform_admins_may_create(who, make_officer, make_citizen, agency, captured):
    actor = {
        "anonymous": lambda: ANONYMOUS,
        "citizen": lambda: make_citizen(),
        "leader": lambda: make_officer(roles=[(agency, "leader")]),
    }[who]()
    captured["events"].clear()  # the officer's and citizen's own creation
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.create_agency(actor=actor, code="000.00.07.H28", name="Sở X", kind=AgencyKind.DEPARTMENT)
    assert _snapshot() == before
    assert captured["events"] == []


def test_denial_is_audited_because_the_action_is_sensitive(make_officer, agency, monkeypatch):
    denied = []
    monkeypatch.setattr(
        "tinhso.core.audit.services.record_denied", lambda **kwargs: denied.append(kwargs["action"])
    )
    with pytest.raises(PermissionDenied):
        services.create_agency(
            actor=make_officer(roles=[(agency, "specialist")]),
            code="000.00.07.H28",
            name="Sở X",
            kind=AgencyKind.DEPARTMENT,
        )
    assert denied == ["agencies.manage"]


# --- update --------------------------------------------------------------------------------


def test_update_changes_only_what_differs(platform_admin, province, department, captured):
    services.update_agency(
        actor=platform_admin, agency=department, name="Sở Tư pháp  tỉnh Hậu Giang", short_name="STP"
    )
    assert captured == {"audit": [], "events": []}  # same values after normalisation: nothing written
    updated = services.update_agency(
        actor=platform_admin, agency=department, short_name="SoTP", valid_from=None
    )
    assert updated.short_name == "SoTP"
    department.refresh_from_db()
    assert department.short_name == "SoTP"
    [record] = captured["audit"]
    assert record["action"] == "agencies.agency_updated"
    assert record["changes"] == {"short_name": ["STP", "SoTP"]}
    assert captured["events"] == [AgencyUpdated(code="000.00.03.H28", changed_fields=("short_name",))]


def test_update_refuses_a_cycle(province, department):
    with pytest.raises(ValidationFailed) as error:
        services.update_agency(actor=SYSTEM, agency=province, parent=department)
    assert error.value.code == "agencies.parent_cycle"
    with pytest.raises(ValidationFailed) as error:
        services.update_agency(actor=SYSTEM, agency=province, parent=province)
    assert error.value.code == "agencies.parent_cycle"
    province.refresh_from_db()
    assert province.parent is None


def test_update_refuses_bad_values_and_keeps_the_row(department):
    before = _snapshot()
    for changes in ({"kind": "nope"}, {"name": ""}, {"valid_from": "yesterday"}):
        with pytest.raises(ValidationFailed):
            services.update_agency(actor=SYSTEM, agency=department, **changes)
    assert _snapshot() == before


def test_update_is_for_admins_only(make_officer, agency, department):
    with pytest.raises(PermissionDenied):
        services.update_agency(actor=make_officer(roles=[(agency, "leader")]), agency=department, name="Khác")
    department.refresh_from_db()
    assert department.name == "Sở Tư pháp tỉnh Hậu Giang"


# --- close ---------------------------------------------------------------------------------


def test_close_with_successor(platform_admin, department, city_department, captured):
    closed = services.close_agency(
        actor=platform_admin, agency=department, valid_to=LAST_DAY, successor=city_department
    )
    department.refresh_from_db()
    assert (department.valid_to, department.successor) == (LAST_DAY, city_department)
    assert closed.successor == city_department
    assert list(city_department.predecessors.all()) == [department]
    [record] = captured["audit"]
    assert record["action"] == "agencies.agency_closed"
    assert record["changes"] == {"valid_to": [None, "2025-06-30"], "successor": [None, "000.00.03.H13"]}
    assert captured["events"] == [
        AgencyClosed(code="000.00.03.H28", valid_to="2025-06-30", successor_code="000.00.03.H13")
    ]
    # The same closure again is a no-op.
    services.close_agency(
        actor=platform_admin, agency=department, valid_to=LAST_DAY, successor=city_department
    )
    assert len(captured["audit"]) == 1


def test_close_refuses_open_children(province, department):
    with pytest.raises(ValidationFailed) as error:
        services.close_agency(actor=SYSTEM, agency=province, valid_to=LAST_DAY)
    assert error.value.code == "agencies.open_children"
    assert error.value.details == {"children": ["000.00.03.H28"]}
    province.refresh_from_db()
    assert province.valid_to is None
    services.close_agency(actor=SYSTEM, agency=department, valid_to=LAST_DAY)
    services.close_agency(actor=SYSTEM, agency=province, valid_to=LAST_DAY)
    province.refresh_from_db()
    assert province.valid_to == LAST_DAY


def test_close_refuses_a_successor_not_valid_the_next_day(department, city_department):
    before = _snapshot()
    with pytest.raises(ValidationFailed) as error:
        services.close_agency(
            actor=SYSTEM, agency=department, valid_to=date(2025, 5, 31), successor=city_department
        )
    assert error.value.code == "agencies.successor_not_valid"
    assert _snapshot() == before


def test_close_refuses_itself_or_a_successor_cycle(department, city_department):
    with pytest.raises(ValidationFailed) as error:
        services.close_agency(actor=SYSTEM, agency=department, valid_to=LAST_DAY, successor=department)
    assert error.value.code == "agencies.successor_cycle"
    services.close_agency(actor=SYSTEM, agency=department, valid_to=LAST_DAY, successor=city_department)
    with pytest.raises(ValidationFailed) as error:
        services.close_agency(
            actor=SYSTEM, agency=city_department, valid_to=date(2030, 1, 1), successor=department
        )
    assert error.value.code == "agencies.successor_cycle"


def test_close_refuses_an_end_before_the_start(city_department):
    with pytest.raises(ValidationFailed) as error:
        services.close_agency(actor=SYSTEM, agency=city_department, valid_to=date(2025, 1, 1))
    assert error.value.code == "agencies.invalid_dates"
    with pytest.raises(ValidationFailed) as error:
        services.close_agency(actor=SYSTEM, agency=city_department, valid_to="2026-01-01")
    assert error.value.code == "agencies.invalid_date"


def test_close_is_for_admins_only(make_officer, agency, department, city_department):
    with pytest.raises(PermissionDenied):
        services.close_agency(
            actor=make_officer(roles=[(agency, "leader")]),
            agency=department,
            valid_to=LAST_DAY,
            successor=city_department,
        )
    department.refresh_from_db()
    assert department.valid_to is None and department.successor is None


def test_machine_clients_need_the_scope(province):
    from tinhso.core.permissions import Principal

    with_scope = Principal(kind="client", id="c1", scopes=frozenset({"agencies:manage"}))
    without = Principal(kind="client", id="c2", scopes=frozenset({"units:manage"}))
    with pytest.raises(PermissionDenied):
        services.update_agency(actor=without, agency=province, short_name="X")
    services.update_agency(actor=with_scope, agency=province, short_name="UBND")
    province.refresh_from_db()
    assert province.short_name == "UBND"
