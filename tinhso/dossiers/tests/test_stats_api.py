"""The statistics API, served here from its own router mounted as tinhso/api.py will mount it
(``api.add_router("/dossiers/stats/", router)``), with the project's error handlers."""

from __future__ import annotations

import io

import pytest
from django.urls import path
from ninja import NinjaAPI
from openpyxl import load_workbook

from tinhso.api import api as project_api
from tinhso.core.apiclients.auth import DEFAULT_API_AUTH
from tinhso.dossiers.stats.api import router
from tinhso.dossiers.tests import test_stats_support as support

_calendar_loaded, world, march = support._calendar_loaded, support.world, support.march

test_api = NinjaAPI(urls_namespace="dossier-stats-tests", auth=DEFAULT_API_AUTH, docs_url=None)
for exception_class, handler in project_api._exception_handlers.items():
    test_api.add_exception_handler(exception_class, handler)
test_api.add_router("/dossiers/stats/", router)
urlpatterns = [path("api/v1/", test_api.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

BASE = "/api/v1/dossiers/stats/"
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture
def leader_a(world, make_officer):
    return make_officer(roles=[(world["a"], "leader")])


def test_stats_as_json(client, world, march, leader_a):
    client.force_login(leader_a)
    response = client.get(BASE, {**MARCH, "group_by": "total"})
    assert response.status_code == 200, response.content
    (row,) = response.json()
    assert (row["to_handle"], row["resolved_early"], row["resolved_on_time"], row["resolved_late"]) == (
        13,
        3,
        3,
        3,
    )
    assert (row["in_progress_in_time"], row["in_progress_overdue"]) == (2, 2)
    assert row["on_time_rate"] == round(8 / 13, 4)
    assert row["online_payment_rate"] == 0.25
    by_procedure = client.get(BASE, {**MARCH, "group_by": "procedure"}).json()
    assert [(r["key"], r["received"]) for r in by_procedure] == [("9.000001", 4), ("9.000002", 8)]


def test_agency_filter_by_code_and_permissions(client, world, march, leader_a, make_officer):
    client.force_login(leader_a)
    own = client.get(BASE, {**MARCH, "agency": world["a"].code})
    assert own.status_code == 200 and [r["key"] for r in own.json()] == [world["a"].code]
    other = client.get(BASE, {**MARCH, "agency": world["b"].code})
    assert other.status_code == 403
    unknown = client.get(BASE, {**MARCH, "agency": "000.99.99.Z99"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "dossiers.stats_unknown_agency"
    governor = make_officer(roles=[(world["province"], "ioc_viewer", True)])
    client.force_login(governor)
    both = client.get(BASE, {**MARCH, "agency": [world["a"].code, world["b"].code], "group_by": "agency"})
    assert [r["key"] for r in both.json()] == [world["a"].code, world["b"].code]


def test_bad_input_and_anonymous(client, world, leader_a):
    assert client.get(BASE, MARCH).status_code == 401
    client.force_login(leader_a)
    assert client.get(BASE, {"from": "2025-03-01"}).status_code == 422
    assert client.get(BASE, {**MARCH, "group_by": "colour"}).status_code == 422
    reversed_period = client.get(BASE, {"from": "2025-03-31", "to": "2025-03-01"})
    assert reversed_period.status_code == 422
    assert reversed_period.json()["code"] == "dossiers.stats_invalid_period"


def test_service_index(client, world, march, leader_a):
    client.force_login(leader_a)
    response = client.get(f"{BASE}service-index", MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agency_codes"] == [world["a"].code]
    on_time = next(i for i in body["indicators"] if i["code"] == "2.1")
    assert (on_time["value"], on_time["numerator"], on_time["denominator"]) == (round(8 / 13, 4), 8, 13)
    assert on_time["group_name_vi"] == "Tiến độ, kết quả giải quyết"
    reuse = next(i for i in body["indicators"] if i["code"] == "4.3")
    assert reuse["computed"] is False and reuse["value"] is None


def test_export_xlsx(client, world, march, leader_a, make_citizen):
    client.force_login(leader_a)
    response = client.get(f"{BASE}export.xlsx", MARCH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="thong-ke-ho-so-20250301-20250331.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book["Theo cơ quan"].cell(row=5, column=1).value == world["a"].code
    client.force_login(make_citizen())
    assert client.get(f"{BASE}export.xlsx", MARCH).status_code == 403
