from datetime import date

import pytest
from django.conf import settings

from tinhso.core.agencies import services
from tinhso.core.agencies.models import Agency
from tinhso.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, platform_admin):
    client.force_login(platform_admin)
    return client


def _url(suffix: str = "") -> str:
    return f"/{settings.ADMIN_URL}agencies/agency/{suffix}"


def _form(**values):
    base = {
        "code": "",
        "name": "",
        "short_name": "",
        "kind": "department",
        "parent": "",
        "unit": "",
        "valid_from": "",
        "valid_to": "",
        "successor": "",
    }
    return {**base, **values}


def test_admin_adds_through_the_service(admin_client, province, captured):
    response = admin_client.post(
        _url("add/"), _form(code="000.00.05.h28", name="Sở Tài chính tỉnh Hậu Giang", parent=province.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(code="000.00.05.H28")
    assert agency.parent == province
    assert [call["action"] for call in captured["audit"]] == ["agencies.agency_created"]


def test_admin_form_shows_service_errors_and_saves_nothing(admin_client, province):
    before = Agency.objects.count()
    response = admin_client.post(_url("add/"), _form(code="H28", name="Sở X"))
    assert response.status_code == 200
    assert "000.00.00.H00" in response.content.decode()
    response = admin_client.post(_url("add/"), _form(code="000.00.00.H28", name="Trùng"))
    assert response.status_code == 200
    assert Agency.objects.count() == before


def test_admin_edits_and_closes_with_a_successor(admin_client, department, city_department, captured):
    response = admin_client.post(
        _url(f"{department.pk}/change/"),
        _form(
            name="Sở Tư pháp tỉnh Hậu Giang",
            short_name="SoTP",
            parent=department.parent_id,
            valid_to="2025-06-30",
            successor=city_department.pk,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    department.refresh_from_db()
    assert department.short_name == "SoTP"
    assert (department.valid_to, department.successor) == (date(2025, 6, 30), city_department)
    assert [call["action"] for call in captured["audit"]] == [
        "agencies.agency_updated",
        "agencies.agency_closed",
    ]


def test_admin_cannot_delete_or_reopen(admin_client, department):
    services.close_agency(actor=SYSTEM, agency=department, valid_to=date(2025, 6, 30))
    assert admin_client.get(_url(f"{department.pk}/delete/")).status_code == 403
    response = admin_client.post(
        _url(f"{department.pk}/change/"),
        _form(name=department.name, short_name="STP", parent=department.parent_id),
    )
    assert response.status_code == 200
    department.refresh_from_db()
    assert department.valid_to == date(2025, 6, 30)


def test_non_admin_officer_cannot_open_it(client, make_officer, agency):
    client.force_login(make_officer(roles=[(agency, "leader")]))
    assert client.get(_url()).status_code in (302, 403)
