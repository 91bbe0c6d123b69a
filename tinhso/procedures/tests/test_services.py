from datetime import date
from decimal import Decimal

import pytest

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.core.events.models import OutboxEvent
from tinhso.core.permissions import SYSTEM
from tinhso.procedures import services
from tinhso.procedures.models import Procedure, RouteStep

from .conftest import BASE, procedure_data

pytestmark = pytest.mark.django_db


def _error(data) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        services.create_procedure(actor=SYSTEM, data=data)
    return caught.value


def _codes(error: ValidationFailed) -> set[str]:
    return {item["code"] for item in error.details["errors"]}


def _steps(*rows):
    return [
        {"name": name, "kind": kind, "role": role, "share_days": share} for name, kind, role, share in rows
    ]


def test_create_writes_everything_audits_and_publishes(field_ht, agency):
    procedure = services.create_procedure(actor=SYSTEM, data=procedure_data(agencies=[agency.code]))
    assert procedure.code == "1.001193"
    assert list(procedure.performing_agencies.all()) == [agency]
    assert [d.name for d in procedure.documents.order_by("order")] == [
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
    ]
    assert procedure.documents.get(order=1).accepts == ["pdf"]
    assert procedure.form_fields.get(key="gioi_tinh").choices[1] == {"value": "nu", "label": "Nữ"}
    route = list(RouteStep.objects.filter(procedure=procedure).order_by("order"))
    assert [s.kind for s in route] == ["receive", "process", "approve", "return"]
    assert sum(s.share_days for s in route) == Decimal("1")
    assert procedure.search_text == " dang ky khai sinh 1 001193 1001193 ho tich "
    record = AuditRecord.objects.get(action="procedures.procedure_created")
    assert record.changes["route_steps"] == 4 and record.changes["agencies"] == [agency.code]
    event = OutboxEvent.objects.get(name="procedures.procedure_created")
    assert event.payload["code"] == "1.001193"


def test_code_is_normalised_and_unique(field_ht):
    services.create_procedure(actor=SYSTEM, data=procedure_data(code=" demo.ht.001 "))
    assert Procedure.objects.filter(code="DEMO.HT.001").exists()
    with pytest.raises(Conflict) as caught:
        services.create_procedure(actor=SYSTEM, data=procedure_data(code="DEMO.HT.001"))
    assert caught.value.code == "procedures.code_taken"
    assert _error(procedure_data(code="mã có dấu")).code == "procedures.invalid_code"


def test_route_shares_must_add_up_to_the_processing_time(field_ht):
    error = _error(procedure_data(processing_days=3))
    assert error.code == "procedures.route_shares_mismatch"
    assert "1" in error.message_en and "3" in error.message_en
    assert Procedure.objects.count() == 0


def test_route_receive_first_and_return_last(field_ht):
    error = _error(
        procedure_data(
            route_steps=_steps(
                ("Thẩm định", "process", "specialist", "0.5"),
                ("Tiếp nhận", "receive", "one_stop_officer", "0.25"),
                ("Trả kết quả", "return", "one_stop_officer", "0.25"),
            )
        )
    )
    assert "procedures.route_receive_first" in _codes(error)
    error = _error(
        procedure_data(
            route_steps=_steps(
                ("Tiếp nhận", "receive", "one_stop_officer", "0.25"),
                ("Trả kết quả", "return", "one_stop_officer", "0.25"),
                ("Phê duyệt", "approve", "leader", "0.5"),
            )
        )
    )
    assert "procedures.route_return_last" in _codes(error)
    error = _error(
        procedure_data(
            route_steps=_steps(
                ("Tiếp nhận", "receive", "one_stop_officer", "0.25"),
                ("Tiếp nhận lại", "receive", "one_stop_officer", "0.25"),
                ("Trả kết quả", "return", "one_stop_officer", "0.5"),
            )
        )
    )
    assert "procedures.route_receive_first" in _codes(error)
    assert _error(procedure_data(route_steps=[])).code == "procedures.route_required"


def test_the_order_given_decides_the_route(field_ht):
    steps = procedure_data()["route_steps"]
    for order, step in zip((4, 1, 2, 3), [steps[3], steps[0], steps[1], steps[2]], strict=True):
        step["order"] = order
    procedure = services.create_procedure(
        actor=SYSTEM, data=procedure_data(route_steps=[steps[3], steps[0], steps[1], steps[2]])
    )
    assert [s.kind for s in procedure.route_steps.order_by("order")] == [
        "receive",
        "process",
        "approve",
        "return",
    ]


def test_fee_step_goes_with_a_fee(field_ht):
    assert (
        _error(procedure_data(fee_rule={"kind": "fixed", "amount": 8000})).code
        == "procedures.fee_step_required"
    )
    steps = procedure_data()["route_steps"]
    steps.insert(3, {"name": "Thu phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"})
    assert "procedures.fee_step_without_fee" in _codes(_error(procedure_data(route_steps=steps)))
    procedure = services.create_procedure(
        actor=SYSTEM, data=procedure_data(fee_rule={"kind": "fixed", "amount": 8000}, route_steps=steps)
    )
    assert procedure.fee_rule == {"kind": "fixed", "amount": 8000}


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "fixed", "amount": -1},
        {"kind": "fixed", "amount": 1.5},
        {"kind": "fixed", "amount": "50000"},
        {"kind": "fixed", "amount": True},
        {"kind": "table", "options": []},
        {"kind": "table", "options": [{"key": "a", "label": "A", "amount": -5}]},
        {"kind": "per_unit", "unit": "trang", "amount": 2000, "first_units": 2},
        {"kind": "monthly", "amount": 1},
        {"kind": "fixed", "amount": 1, "currency": "USD"},
    ],
)
def test_fee_amounts_are_non_negative_whole_dong(field_ht, rule):
    error = _error(procedure_data(fee_rule=rule))
    assert error.code in {"procedures.invalid_fee_amount", "procedures.invalid_fee_rule"}


def test_many_problems_are_reported_at_once(field_ht):
    error = _error(
        procedure_data(
            name="",
            levels=["region"],
            online_level="level4",
            agencies=["000.00.99.X99"],
            form_fields=[
                {"key": "Họ tên", "label": ""},
                {"key": "chon", "label": "Chọn", "datatype": "choice"},
            ],
            documents=[{"name": "A", "accepts": ["exe"]}],
        )
    )
    paths = {item["path"] for item in error.details["errors"]}
    assert {
        "name",
        "levels",
        "online_level",
        "agencies[0]",
        "form_fields[0].key",
        "form_fields[0].label",
        "form_fields[1].choices",
        "documents[0].accepts",
    } <= paths
    assert all(item["message_vi"] and item["message_en"] for item in error.details["errors"])


def test_unknown_field_is_refused(db):
    assert _error(procedure_data(field_code="NOPE")).code == "procedures.unknown_field"


def test_update_changes_only_what_is_sent_and_replaces_lists(make_procedure):
    procedure = make_procedure()
    services.update_procedure(
        actor=SYSTEM,
        procedure=procedure,
        data={
            "name": "Đăng ký khai sinh (trực tuyến)",
            "documents": [{"name": "Tờ khai điện tử", "copies": ""}],
        },
    )
    procedure.refresh_from_db()
    assert procedure.name == "Đăng ký khai sinh (trực tuyến)"
    assert procedure.processing_days == 1
    assert [d.name for d in procedure.documents.all()] == ["Tờ khai điện tử"]
    assert procedure.form_fields.count() == 2  # not sent: kept
    assert "truc tuyen" in procedure.search_text
    record = AuditRecord.objects.filter(action="procedures.procedure_updated").get()
    assert record.changes["name"] == ["Đăng ký khai sinh", "Đăng ký khai sinh (trực tuyến)"]
    assert record.changes["documents"] == {"before": 2, "after": 1}
    event = OutboxEvent.objects.get(name="procedures.procedure_updated")
    assert sorted(event.payload["changed_fields"]) == ["documents", "name"]


def test_update_with_the_same_data_writes_nothing(make_procedure):
    procedure = make_procedure()
    services.update_procedure(actor=SYSTEM, procedure=procedure, data=dict(BASE))
    assert not AuditRecord.objects.filter(action="procedures.procedure_updated").exists()


def test_update_is_validated_as_a_whole(make_procedure):
    procedure = make_procedure()
    with pytest.raises(ValidationFailed) as caught:
        services.update_procedure(actor=SYSTEM, procedure=procedure, data={"processing_days": 5})
    assert caught.value.code == "procedures.route_shares_mismatch"
    procedure.refresh_from_db()
    assert procedure.processing_days == 1
    with pytest.raises(ValidationFailed) as caught:
        services.update_procedure(actor=SYSTEM, procedure=procedure, data={"code": "1.999999"})
    assert caught.value.code == "procedures.code_immutable"


def test_deactivate_is_idempotent(make_procedure):
    procedure = make_procedure()
    services.deactivate_procedure(actor=SYSTEM, procedure=procedure, last_day=date(2025, 6, 30))
    services.deactivate_procedure(actor=SYSTEM, procedure=procedure, last_day=date(2025, 6, 30))
    procedure.refresh_from_db()
    assert (procedure.is_active, procedure.active_to) == (False, date(2025, 6, 30))
    assert AuditRecord.objects.filter(action="procedures.procedure_deactivated").count() == 1
    assert OutboxEvent.objects.filter(name="procedures.procedure_deactivated").count() == 1


def test_only_platform_admins_write(make_officer, make_citizen, agency, field_ht, platform_admin):
    leader = make_officer(roles=[(agency, "leader")])
    for actor in (leader, make_citizen(), None):
        with pytest.raises(PermissionDenied):
            services.create_procedure(actor=actor, data=procedure_data())
        with pytest.raises(PermissionDenied):
            services.save_field(actor=actor, code="XX", name="Thử")
    assert services.create_procedure(actor=platform_admin, data=procedure_data()).code == "1.001193"
    assert (
        AuditRecord.objects.get(action="procedures.procedure_created").actor_label == platform_admin.username
    )


def test_save_field_creates_then_renames(db):
    field, created = services.save_field(actor=SYSTEM, code="ht", name="Hộ  tịch")
    assert (field.code, field.name, created) == ("HT", "Hộ tịch", True)
    assert services.save_field(actor=SYSTEM, code="HT", name="Hộ tịch") == (field, False)
    with pytest.raises(ValidationFailed):
        services.save_field(actor=SYSTEM, code="h t", name="x")
