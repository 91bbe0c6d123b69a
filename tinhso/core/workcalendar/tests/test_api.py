import pytest

from tinhso.core.workcalendar.models import CalendarOverride
from tinhso.core.workcalendar.tests.moments import day

pytestmark = pytest.mark.django_db

BASE = "/api/v1/calendar"


def test_add_is_public_and_reads_times_without_offset_in_vietnam(client):
    response = client.get(f"{BASE}/add", {"from": "2027-02-03T09:00", "days": 5})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "2027-02-17T09:00:00+07:00"
    assert body["received"] == "2027-02-03T09:00:00+07:00"
    assert body["days"] == 5


def test_add_converts_other_offsets_and_applies_the_receipt_rule(client):
    # 10:30 UTC is 17:30 in Vietnam: after office hours, the clock starts Thursday morning.
    response = client.get(f"{BASE}/add", {"from": "2027-03-03T10:30:00Z", "days": 5})
    assert response.json()["received"] == "2027-03-04T07:00:00+07:00"
    assert response.json()["result"] == "2027-03-11T07:00:00+07:00"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2027-02-03T09:00", "days": -1},
        {"from": "2027-02-03T09:00", "days": "năm"},
        {"from": "hôm qua", "days": 1},
        {"days": 1},
        {"from": "2027-02-03T09:00"},
    ],
)
def test_add_refuses_bad_input(client, params):
    response = client.get(f"{BASE}/add", params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_add_out_of_the_covered_years(client):
    response = client.get(f"{BASE}/add", {"from": "2100-01-04T09:00", "days": 1})
    assert response.status_code == 422
    assert response.json()["code"] == "workcalendar.out_of_range"


def test_between(client):
    response = client.get(f"{BASE}/between", {"from": "2027-02-03T09:00", "to": "2027-02-17T09:00"})
    assert response.status_code == 200
    assert response.json()["working_days"] == 5
    response = client.get(f"{BASE}/between", {"from": "2027-02-17T09:00", "to": "2027-02-03T09:00"})
    assert response.json()["working_days"] == -5


def test_days_lists_holidays_make_up_days_and_overrides(client, platform_admin):
    from tinhso.core.workcalendar import services

    services.declare_day_off(actor=platform_admin, day=day("2025-04-29"), reason="Nghỉ riêng của tỉnh")
    response = client.get(f"{BASE}/days", {"year": 2025})
    assert response.status_code == 200
    body = response.json()
    by_date = {entry["date"]: entry for entry in body["days"]}
    assert by_date["2025-01-29"] == {
        "date": "2025-01-29",
        "working": False,
        "kind": "holiday",
        "source": "national",
        "name": "Tết Nguyên Đán",
        "legal_basis": by_date["2025-01-29"]["legal_basis"],
    }
    assert by_date["2025-04-26"]["kind"] == "make_up_day" and by_date["2025-04-26"]["working"] is True
    assert by_date["2025-04-29"]["source"] == "province" and by_date["2025-04-29"]["working"] is False
    assert body["working_days"] == 249  # 250 nationally, minus the province's day off
    assert client.get(f"{BASE}/days", {"year": 1990}).status_code == 422


def test_declaring_needs_authentication(client):
    response = client.post(
        f"{BASE}/overrides",
        {"date": "2027-03-10", "kind": "day_off", "reason": "Nghỉ"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not CalendarOverride.objects.exists()


def test_declaring_is_refused_to_officers_without_the_role(client, specialist):
    client.force_login(specialist)
    response = client.post(
        f"{BASE}/overrides",
        {"date": "2027-03-10", "kind": "day_off", "reason": "Nghỉ"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission.denied"
    assert client.delete(f"{BASE}/overrides/2027-03-10").status_code == 403
    assert not CalendarOverride.objects.exists()


def test_administrators_declare_and_remove(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post(
        f"{BASE}/overrides",
        {"date": "2027-03-06", "kind": "working_day", "reason": "Làm bù", "legal_basis": "QĐ 5/QĐ-UBND"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "date": "2027-03-06",
        "kind": "working_day",
        "reason": "Làm bù",
        "legal_basis": "QĐ 5/QĐ-UBND",
    }
    added = client.get(f"{BASE}/add", {"from": "2027-03-05T09:00", "days": 1}).json()
    assert added["result"] == "2027-03-06T09:00:00+07:00"

    assert client.delete(f"{BASE}/overrides/2027-03-06").status_code == 204
    assert not CalendarOverride.objects.exists()
    missing = client.delete(f"{BASE}/overrides/2027-03-06")
    assert missing.status_code == 404
    assert missing.json()["code"] == "workcalendar.override_not_found"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"date": "2027-03-10", "kind": "holiday", "reason": "x"}, "validation_failed"),
        ({"date": "10/03/2027", "kind": "day_off", "reason": "x"}, "validation_failed"),
        ({"kind": "day_off", "reason": "x"}, "validation_failed"),
        ({"date": "2027-03-10", "kind": "day_off", "reason": ""}, "workcalendar.invalid_reason"),
        ({"date": "2027-03-07", "kind": "day_off", "reason": "x"}, "workcalendar.already_day_off"),
    ],
)
def test_bad_declarations_are_refused(client, platform_admin, payload, code):
    client.force_login(platform_admin)
    response = client.post(f"{BASE}/overrides", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert not CalendarOverride.objects.exists()


@pytest.mark.parametrize(("scope", "status"), [("calendar:manage", 201), ("accounts:manage", 403)])
def test_machine_clients_need_the_calendar_scope(client, scope, status):
    from tinhso.core.apiclients import services as apiclients
    from tinhso.core.permissions import SYSTEM

    api_client, secret = apiclients.create_api_client(actor=SYSTEM, name="Hệ thống lịch", scopes=[scope])
    _, token = apiclients.issue_client_token(client_id=api_client.client_id, client_secret=secret)
    response = client.post(
        f"{BASE}/overrides",
        {"date": "2027-03-10", "kind": "day_off", "reason": "Nghỉ"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == status, response.content
    assert CalendarOverride.objects.filter(day=day("2027-03-10")).exists() == (status == 201)
