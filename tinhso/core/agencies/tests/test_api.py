from datetime import date

import pytest

from tinhso.core.agencies import services
from tinhso.core.agencies.models import Agency
from tinhso.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db

BASE = "/api/v1/agencies/"


def test_public_list_needs_no_sign_in(client, department, city_department, django_assert_max_num_queries):
    services.close_agency(
        actor=SYSTEM, agency=department, valid_to=date(2025, 6, 30), successor=city_department
    )
    with django_assert_max_num_queries(3):
        response = client.get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    by_code = {row["code"]: row for row in body["items"]}
    assert by_code["000.00.03.H28"]["successor_code"] == "000.00.03.H13"
    assert by_code["000.00.03.H28"]["parent_code"] == "000.00.00.H28"
    assert by_code["000.00.03.H28"]["valid_to"] == "2025-06-30"
    assert by_code["000.00.03.H28"]["kind"] == "department"


def test_list_filters(client, province, department, city_department):
    services.close_agency(actor=SYSTEM, agency=department, valid_to=date(2025, 6, 30))
    services.close_agency(actor=SYSTEM, agency=province, valid_to=date(2025, 6, 30))
    codes = lambda params: [r["code"] for r in client.get(BASE, params).json()["items"]]  # noqa: E731
    assert codes({"as_of": "2025-07-01"}) == ["000.00.00.H13", "000.00.03.H13"]
    assert codes({"as_of": "2025-06-30"}) == ["000.00.00.H28", "000.00.03.H28"]
    assert codes({"parent": "000.00.00.H13"}) == ["000.00.03.H13"]
    assert codes({"q": "Cần Thơ"}) == ["000.00.00.H13", "000.00.03.H13"]
    assert client.get(BASE, {"as_of": "not-a-date"}).status_code == 422
    missing = client.get(BASE, {"parent": "000.00.99.H99"})
    assert missing.status_code == 404 and missing.json()["code"] == "agencies.not_found"


def test_get_one(client, department):
    response = client.get(f"{BASE}000.00.03.H28")
    assert response.status_code == 200
    assert response.json()["name"] == "Sở Tư pháp tỉnh Hậu Giang"
    missing = client.get(f"{BASE}000.00.77.H28")
    assert missing.status_code == 404
    assert missing.json()["code"] == "agencies.not_found"


def test_admin_creates_updates_and_closes(client, platform_admin, province, city):
    client.force_login(platform_admin)
    response = client.post(
        BASE,
        {
            "code": "000.00.05.H28",
            "name": "Sở Tài chính tỉnh Hậu Giang",
            "kind": "department",
            "short_name": "STC",
            "parent_code": "000.00.00.H28",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent_code"] == "000.00.00.H28"

    response = client.patch(f"{BASE}000.00.05.H28", {"short_name": "SoTC"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["short_name"] == "SoTC"
    assert response.json()["name"] == "Sở Tài chính tỉnh Hậu Giang"  # untouched: not sent

    successor = services.create_agency(
        actor=SYSTEM,
        code="000.00.05.H13",
        name="Sở Tài chính thành phố Cần Thơ",
        kind="department",
        parent=city,
        valid_from=date(2025, 7, 1),
    )
    response = client.post(
        f"{BASE}000.00.05.H28/close",
        {"valid_to": "2025-06-30", "successor_code": successor.code},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["successor_code"] == "000.00.05.H13"
    assert Agency.objects.get(code="000.00.05.H28").valid_to == date(2025, 6, 30)


def test_admin_gets_clear_errors(client, platform_admin, province):
    client.force_login(platform_admin)
    before = list(Agency.objects.order_by("pk").values())
    bad = client.post(
        BASE, {"code": "H28", "name": "X", "kind": "department"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["code"] == "agencies.invalid_code"
    taken = client.post(
        BASE, {"code": "000.00.00.H28", "name": "X", "kind": "department"}, content_type="application/json"
    )
    assert taken.status_code == 409 and taken.json()["code"] == "agencies.code_taken"
    wrong_kind = client.post(
        BASE, {"code": "000.00.08.H28", "name": "X", "kind": "ministry"}, content_type="application/json"
    )
    assert wrong_kind.status_code == 422
    missing = client.post(BASE, {"name": "X"}, content_type="application/json")
    assert missing.status_code == 422
    assert list(Agency.objects.order_by("pk").values()) == before


def test_others_are_refused(client, make_officer, make_citizen, agency, province):
    assert (
        client.post(
            BASE,
            {"code": "000.00.05.H28", "name": "X", "kind": "department"},
            content_type="application/json",
        ).status_code
        == 401
    )
    for user in (make_officer(roles=[(agency, "leader")]), make_citizen()):
        client.force_login(user)
        response = client.post(
            BASE,
            {"code": "000.00.05.H28", "name": "X", "kind": "department"},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission.denied"
        assert (
            client.patch(f"{BASE}000.00.00.H28", {"name": "Y"}, content_type="application/json").status_code
            == 403
        )
        assert (
            client.post(
                f"{BASE}000.00.00.H28/close", {"valid_to": "2025-06-30"}, content_type="application/json"
            ).status_code
            == 403
        )
    province.refresh_from_db()
    assert province.name == "Ủy ban nhân dân tỉnh Hậu Giang" and province.valid_to is None
    assert not Agency.objects.filter(code="000.00.05.H28").exists()
