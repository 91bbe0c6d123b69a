"""Categories (Open311 services), their attribute definitions, and routing rules."""

from datetime import date

import pytest

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.core.events.models import OutboxEvent
from tinhso.core.permissions import SYSTEM
from tinhso.feedback import attributes, services
from tinhso.feedback.models import Category, RoutingRule
from tinhso.feedback.routing import route_for

pytestmark = pytest.mark.django_db


# --- Categories ----------------------------------------------------------------------------------


def test_create_and_update_category(admin, construction, ward_vt):
    category = services.create_category(
        actor=admin,
        code="Ngap-Ung",
        name="  Ngập   úng ",
        agency=construction,
        deadline_days=3,
        keywords="ngập, nước, , mưa",
        group="Hạ tầng",
    )
    assert category.code == "ngap-ung" and category.name == "Ngập úng"
    assert category.keywords == ["ngập", "nước", "mưa"]
    assert AuditRecord.objects.filter(action="feedback.category_created", object_id=str(category.pk)).exists()
    assert OutboxEvent.objects.filter(name="feedback.category_created").exists()
    services.update_category(actor=admin, category=category, agency=ward_vt, deadline_days=4)
    category.refresh_from_db()
    assert category.agency == ward_vt and category.deadline_days == 4
    event = OutboxEvent.objects.get(name="feedback.category_updated")
    assert sorted(event.payload["changed_fields"]) == ["agency", "deadline_days"]
    # Same values again: nothing written.
    count = AuditRecord.objects.count()
    services.update_category(actor=admin, category=category, deadline_days=4)
    assert AuditRecord.objects.count() == count


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"code": "Có dấu"}, "feedback.invalid_code"),
        ({"code": "x"}, "feedback.invalid_code"),
        ({"name": ""}, "feedback.invalid_name"),
        ({"deadline_days": 0}, "feedback.invalid_deadline"),
        ({"deadline_days": "5"}, "feedback.invalid_deadline"),
        ({"keywords": [1, 2]}, "feedback.invalid_keywords"),
        ({"allow_anonymous": "yes"}, "feedback.invalid_allow_anonymous"),
        (
            {"attributes": [{"code": "a", "datatype": "color", "description": "?"}]},
            "feedback.invalid_attribute_definition",
        ),
    ],
)
def test_category_validation(admin, construction, fields, code):
    base = {"code": "rac-thai", "name": "Rác thải", "agency": construction, "deadline_days": 3}
    with pytest.raises(ValidationFailed) as raised:
        services.create_category(actor=admin, **{**base, **fields})
    assert raised.value.code == code
    assert not Category.objects.exists()


def test_category_code_is_unique_and_immutable(admin, construction, make_agency):
    category = services.create_category(
        actor=admin, code="rac-thai", name="Rác", agency=construction, deadline_days=3
    )
    with pytest.raises(Conflict) as raised:
        services.create_category(
            actor=admin, code="rac-thai", name="Khác", agency=construction, deadline_days=3
        )
    assert raised.value.code == "feedback.category_code_taken"
    with pytest.raises(ValidationFailed) as raised:
        services.update_category(actor=admin, category=category, code="khac")
    assert raised.value.code == "feedback.code_immutable"
    closed = make_agency(name="Đã giải thể", valid_to=date(2025, 6, 30))
    with pytest.raises(ValidationFailed) as raised:
        services.update_category(actor=admin, category=category, agency=closed)
    assert raised.value.code == "feedback.agency_closed"


def test_only_platform_admins_manage_categories(officer_vt, leader_vt, citizen, construction):
    for actor in (officer_vt, leader_vt, citizen):
        with pytest.raises(PermissionDenied):
            services.create_category(
                actor=actor, code="rac", name="Rác", agency=construction, deadline_days=3
            )
    from tinhso.core.audit import services as audit

    audit.flush_denials()  # what the request middleware does after each response
    assert AuditRecord.objects.filter(action="feedback.manage_categories", outcome="denied").count() == 3


# --- Attribute definitions and answers ------------------------------------------------------------------


DEFINITIONS = [
    {"code": "sau", "datatype": "number", "required": True, "description": "Độ sâu (cm)", "order": 2},
    {
        "code": "luc",
        "datatype": "datetime",
        "required": False,
        "description": "Thời điểm phát hiện",
        "order": 3,
    },
    {"code": "mo-ta", "datatype": "text", "description": "Mô tả thêm", "order": 4},
    {
        "code": "loai",
        "datatype": "multivaluelist",
        "description": "Loại phương tiện bị ảnh hưởng",
        "order": 1,
        "values": [
            {"key": "xe-may", "name": "Xe máy"},
            {"key": "o-to", "name": "Ô tô"},
            {"key": 3, "name": "Xe đạp"},
        ],
    },
    {"code": "ghi-chu", "datatype": "string", "variable": False, "description": "Chỉ để đọc"},
]


def test_definitions_are_normalised():
    cleaned = attributes.clean_definitions(DEFINITIONS)
    assert [d["code"] for d in cleaned] == ["loai", "sau", "luc", "mo-ta", "ghi-chu"]
    assert cleaned[0]["values"][2] == {"key": "3", "name": "Xe đạp"}
    assert (
        cleaned[1]["required"] is True and cleaned[3]["required"] is False and cleaned[4]["variable"] is False
    )


@pytest.mark.parametrize(
    "bad",
    [
        "not a list",
        [{"code": "a b", "datatype": "string", "description": "x"}],
        [
            {"code": "a", "datatype": "string", "description": "x"},
            {"code": "a", "datatype": "text", "description": "y"},
        ],
        [{"code": "a", "datatype": "singlevaluelist", "description": "x", "values": []}],
        [
            {
                "code": "a",
                "datatype": "singlevaluelist",
                "description": "x",
                "values": [{"key": "k", "name": "n"}, {"key": "k", "name": "m"}],
            }
        ],
        [{"code": "a", "datatype": "string", "description": "x", "values": [{"key": "k", "name": "n"}]}],
        [{"code": "a", "datatype": "string", "description": ""}],
        [{"code": "a", "datatype": "string", "description": "x", "required": "yes"}],
        [{"code": "a", "datatype": "string", "description": "x", "order": -1}],
        [{"code": "a", "datatype": "string", "description": "x", "colour": "red"}],
    ],
)
def test_bad_definitions(bad):
    with pytest.raises(ValidationFailed) as raised:
        attributes.clean_definitions(bad)
    assert raised.value.code == "feedback.invalid_attribute_definition"


def test_answers_are_checked_and_normalised():
    defs = attributes.clean_definitions(DEFINITIONS)
    cleaned = attributes.clean_values(
        defs,
        {
            "sau": "30,5",
            "luc": "2026-03-02T08:30:00",
            "loai": ["o-to", "xe-may", "o-to"],
            "mo-ta": " Nước ngập ",
        },
    )
    assert cleaned == {
        "sau": 30.5,
        "luc": "2026-03-02T08:30:00+07:00",
        "loai": ["o-to", "xe-may"],
        "mo-ta": "Nước ngập",
    }
    assert attributes.clean_values(defs, {"sau": 12})["sau"] == 12
    for answers, code in [
        ({}, "feedback.attribute_required"),
        ({"sau": "sâu lắm"}, "feedback.invalid_attribute"),
        ({"sau": "inf"}, "feedback.invalid_attribute"),
        ({"sau": 1, "luc": "hôm qua"}, "feedback.invalid_attribute"),
        ({"sau": 1, "loai": ["tau-thuy"]}, "feedback.invalid_attribute"),
        ({"sau": 1, "mo-ta": "x" * 4001}, "feedback.invalid_attribute"),
        ({"sau": 1, "ghi-chu": "không nhận"}, "feedback.unknown_attribute"),
    ]:
        with pytest.raises(ValidationFailed) as raised:
            attributes.clean_values(defs, answers)
        assert raised.value.code == code, answers


# --- Routing rules ---------------------------------------------------------------------------------------


def test_most_specific_rule_wins(lights, units, ward_vt, ward_nb, construction, city, admin):
    day = date(2026, 3, 2)
    assert route_for(lights, units["vi_thanh"], day=day).agency == ward_vt
    assert route_for(lights, units["long_my"], day=day).agency == construction  # no rule: category's agency
    assert route_for(lights, None, day=day).via == "category"
    # A rule for the whole city covers every ward without its own rule; the ward's own rule still wins.
    services.set_routing_rule(actor=admin, category=lights, unit=units["city"], agency=city)
    assert route_for(lights, units["long_my"], day=day).agency == city
    assert route_for(lights, units["vi_thanh"], day=day).agency == ward_vt
    services.set_routing_rule(
        actor=admin, category=lights, unit=units["city"], agency=city, include_descendants=False
    )
    assert route_for(lights, units["long_my"], day=day).agency == construction
    assert route_for(lights, units["city"], day=day).agency == city
    assert RoutingRule.objects.filter(category=lights).count() == 3


def test_closed_agency_hands_over_to_its_successor(lights, units, ward_vt, make_agency, admin):
    from tinhso.core.agencies.models import Agency

    successor = make_agency(name="Ủy ban nhân dân phường Vị Thanh (mới)")
    Agency.objects.filter(pk=ward_vt.pk).update(valid_to=date(2026, 6, 30), successor=successor)
    assert route_for(lights, units["vi_thanh"], day=date(2026, 6, 30)).agency == ward_vt
    assert route_for(lights, units["vi_thanh"], day=date(2026, 7, 1)).agency == successor


def test_rule_validation_and_removal(lights, units, ward_vt, admin, officer_vt):
    for unit in (units["saigon"], units["legacy"]):
        with pytest.raises(ValidationFailed) as raised:
            services.set_routing_rule(actor=admin, category=lights, unit=unit, agency=ward_vt)
        assert raised.value.code == "feedback.unit_outside_province"
    with pytest.raises(PermissionDenied):
        services.set_routing_rule(actor=officer_vt, category=lights, unit=units["long_my"], agency=ward_vt)
    rule = RoutingRule.objects.get(category=lights, unit=units["vi_thanh"])
    services.remove_routing_rule(actor=admin, rule=rule)
    services.remove_routing_rule(actor=admin, rule=rule)  # twice: nothing more
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert OutboxEvent.objects.filter(name="feedback.routing_rule_removed").count() == 1
    assert route_for(lights, units["vi_thanh"], day=date(2026, 3, 2)).via == "category"


def test_setting_the_same_rule_twice_changes_nothing(lights, units, ward_vt):
    before = AuditRecord.objects.count()
    services.set_routing_rule(actor=SYSTEM, category=lights, unit=units["vi_thanh"], agency=ward_vt)
    assert AuditRecord.objects.count() == before
