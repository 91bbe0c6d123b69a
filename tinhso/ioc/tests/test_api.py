"""The operations center's API end to end (``/api/v1/ioc/``): who may read what, the shapes of
the figures, the open JSON, alerts and their rules, and the errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.core.accounts.models import Role
from tinhso.core.apiclients import services as apiclients
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers.tests.conftest import deliver_events, received, vn
from tinhso.ioc import selectors
from tinhso.ioc.alerts import create_rule, evaluate_rules, update_rule
from tinhso.ioc.models import Alert, AlertRule, AlertState
from tinhso.ioc.sources import all_kpis

pytestmark = pytest.mark.django_db

URL = "/api/v1/ioc/"
NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def governor(world, make_officer):
    return make_officer(
        username="dieuhanh.tinh", full_name="Phạm Điều Hành", roles=[(world.province, Role.IOC_VIEWER, True)]
    )


@pytest.fixture
def november(world):
    """Three dossiers received at the Department of Justice in November 2026, none resolved."""
    for day, hour in ((23, 9), (25, 9), (25, 10)):
        received(world, now=vn(2026, 11, day, hour))
    deliver_events()


INTERNAL = [
    ("get", "kpis"),
    ("get", "overview"),
    ("get", "series?kpi=onestop.received"),
    ("get", "breakdown?kpi=onestop.received"),
    ("get", "rankings?kind=overdue_agencies"),
    ("get", "version"),
    ("get", "alerts"),
    ("get", "alerts/1"),
    ("post", "alerts/1/acknowledge"),
    ("get", "alert-rules"),
    ("post", "alert-rules"),
    ("patch", "alert-rules/x"),
]


def test_internal_operations_need_authentication_and_ioc_view(world):
    anonymous = Client()
    for method, path in INTERNAL:
        response = getattr(anonymous, method)(URL + path, content_type="application/json")
        assert response.status_code == 401, (method, path, response.content)
        assert response.json()["code"] == "auth.required"
    # Signed in without ioc.view (a citizen, a one-stop officer): refused, not given public figures.
    for person in (world.citizen, world.one_stop):
        client = as_user(person)
        for path in ("kpis", "overview", "version", "alerts", "alert-rules"):
            response = client.get(URL + path)
            assert response.status_code == 403, (person, path)
            assert response.json()["code"] == "permission.denied"


def test_public_overview_is_open_and_has_only_public_province_totals(world, governor):
    received(world)  # now (the real clock): the endpoint reads the current period
    deliver_events()
    response = Client().get(URL + "public/overview", {"period": "year"})
    assert response.status_code == 200, response.content
    data = response.json()
    public = {kpi.code for _, kpi in all_kpis() if kpi.public}
    assert {row["code"] for row in data["kpis"]} == public
    assert "onestop.overdue_now" not in public
    assert data["scope"] == "province" and data["period"] == "year"
    values = {row["code"]: row for row in data["kpis"]}
    assert values["onestop.in_progress"]["value"] == 1
    province = {v.code: v.value for v in selectors.overview(SYSTEM, period="year")}
    assert {code: row["value"] for code, row in values.items()} == {code: province[code] for code in public}
    assert values["onestop.received"]["formula_vi"] and values["onestop.received"]["formula_en"]
    # No door to a breakdown: the public endpoint takes no agency, and the answer is the same for
    # an officer who could see more.
    assert (
        as_user(governor).get(URL + "public/overview").json()["kpis"]
        == Client().get(URL + "public/overview").json()["kpis"]
    )
    bad = Client().get(URL + "public/overview", {"period": "decade"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


def test_overview_by_agency_and_permissions(world, governor, november, make_officer):
    client = as_user(governor)
    response = client.get(URL + "overview", {"period": "month", "agency": world.dept.code.lower()})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["agency_code"] == world.dept.code and isinstance(data["version"], int)
    values = {row["code"]: row for row in data["kpis"]}
    assert "onestop.overdue_now" in values  # internal KPIs too
    received_kpi = values["onestop.received"]
    assert set(received_kpi) >= {"value", "previous", "change", "numerator", "denominator", "formula_vi"}
    assert received_kpi["date_from"] and received_kpi["date_to"]

    unknown = client.get(URL + "overview", {"agency": "000.99.99.Z99"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "ioc.unknown_agency"
    other = as_user(make_officer(roles=[(world.dept_b, Role.IOC_VIEWER)]))
    forbidden = other.get(URL + "overview", {"agency": world.dept.code})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "ioc.forbidden_agency"
    own = other.get(URL + "overview", {"period": "year"}).json()
    assert {row["code"]: row["value"] for row in own["kpis"]}["onestop.received"] in (0, None)
    bad = client.get(URL + "overview", {"period": "decade"})
    assert bad.status_code == 422


def test_series_breakdown_rankings_shapes(world, governor, november):
    client = as_user(governor)
    series = client.get(URL + "series", {"kpi": "onestop.received", "grain": "day", **NOVEMBER})
    assert series.status_code == 200, series.content
    body = series.json()
    assert body["kpi"] == "onestop.received" and body["formula_en"]
    assert len(body["points"]) == 30
    by_day = {p["period"]: p["value"] for p in body["points"]}
    assert (by_day["2026-11-23"], by_day["2026-11-25"], by_day["2026-11-24"]) == (1, 2, 0)
    monthly = client.get(URL + "series", {"kpi": "onestop.received", "grain": "month", **NOVEMBER}).json()
    assert [(p["period"], p["value"]) for p in monthly["points"]] == [("2026-11-01", 3)]
    default = client.get(
        URL + "series", {"kpi": "onestop.received", "grain": "month", "date_to": "2026-11-30"}
    )
    assert default.json()["date_from"] == "2025-12-01" and len(default.json()["points"]) == 12

    for by, code in (("agency", world.dept.code), ("subject", world.simple.code)):
        response = client.get(URL + "breakdown", {"kpi": "onestop.received", "by": by, **NOVEMBER})
        assert response.status_code == 200, response.content
        rows = response.json()["rows"]
        assert [(r["code"], r["value"], r["numerator"]) for r in rows] == [(code, 3, 3)]
        assert set(rows[0]) == {"key", "code", "name", "value", "numerator", "denominator", "drill_url"}
    units = client.get(
        URL + "breakdown", {"kpi": "onestop.received", "by": "unit", "as_of": "2025-06-30", **NOVEMBER}
    )
    assert units.status_code == 200 and sum(r["value"] for r in units.json()["rows"]) == 3
    assert units.json()["as_of"] == "2025-06-30"

    overdue = client.get(URL + "rankings", {"kind": "overdue_agencies", **NOVEMBER})
    assert overdue.status_code == 200
    assert overdue.json()["kind"] == "overdue_agencies" and isinstance(overdue.json()["rows"], list)
    worst = client.get(URL + "rankings", {"kind": "worst_on_time_subjects", "min_resolved": 1, **NOVEMBER})
    assert worst.status_code == 200 and worst.json()["rows"] == []  # nothing resolved yet

    version = client.get(URL + "version")
    assert version.status_code == 200 and version.json() == {"version": selectors.version()}
    kpis = client.get(URL + "kpis").json()
    assert {k["code"] for k in kpis} == {kpi.code for _, kpi in all_kpis()}
    assert all(k["formula_vi"] and k["formula_en"] for k in kpis)


def test_bad_input(world, governor):
    client = as_user(governor)
    cases = [
        ("series", {"kpi": "onestop.received", "grain": "hour"}, 422, "validation_failed"),
        ("series", {"kpi": "onestop.received", "date_from": "2026-13-01"}, 422, "validation_failed"),
        (
            "series",
            {"kpi": "onestop.received", "date_from": "2026-11-30", "date_to": "2026-11-01"},
            422,
            "ioc.invalid",
        ),
        (
            "series",
            {"kpi": "onestop.received", "date_from": "2020-01-01", "date_to": "2026-11-01"},
            422,
            "ioc.invalid",
        ),
        ("series", {"kpi": "onestop.in_progress"}, 422, "ioc.invalid"),
        ("series", {"kpi": "no.such"}, 404, "ioc.unknown_kpi"),
        ("series", {}, 422, "validation_failed"),
        ("breakdown", {"kpi": "onestop.received", "by": "colour"}, 422, "validation_failed"),
        ("breakdown", {"kpi": "onestop.received", "as_of": "yesterday"}, 422, "validation_failed"),
        ("rankings", {"kind": "best"}, 422, "validation_failed"),
        ("rankings", {"kind": "overdue_agencies", "limit": 0}, 422, "validation_failed"),
        ("alerts", {"state": "sleeping"}, 422, "validation_failed"),
    ]
    for path, params, status, code in cases:
        response = client.get(URL + path, params)
        assert response.status_code == status, (path, params, response.content)
        body = response.json()
        assert body["code"] == code and body["message_vi"] and body["message_en"], (path, params, body)


def test_tokens_need_the_ioc_scopes(world, governor, november):
    _, reader = apiclients.create_personal_token(
        actor=governor, user=governor, name="Bảng điều hành", scopes=["ioc:read"]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert client.get(URL + "overview", {"period": "month"}).status_code == 200
    creating = post(
        client,
        URL + "alert-rules",
        {"code": "r", "name": "R", "kpi": "onestop.received", "comparison": "above", "threshold": 1},
    )
    assert creating.status_code == 403
    _, other = apiclients.create_personal_token(
        actor=governor, user=governor, name="Hồ sơ", scopes=["dossiers:read"]
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(URL + "overview").status_code == 403
    # A machine client of the Department of Justice: its figures only, and no alert writes.
    machine, secret = apiclients.create_api_client(
        actor=SYSTEM, name="Kho dữ liệu", scopes=["ioc:read"], agency=world.dept
    )
    _, plain = apiclients.issue_client_token(
        client_id=machine.client_id, client_secret=secret, scopes=["ioc:read"], ip="127.0.0.1"
    )
    system = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    own = system.get(URL + "overview", {"period": "month", "agency": world.dept.code})
    assert own.status_code == 200, own.content
    assert system.get(URL + "overview", {"agency": world.dept_b.code}).status_code == 403
    assert post(system, URL + "alerts/1/acknowledge").status_code == 403


def test_alert_rules_and_alerts_through_the_api(world, governor, make_officer):
    client = as_user(governor)
    body = {
        "code": "qua-han-stp",
        "name": "Sở Tư pháp có hồ sơ quá hạn",
        "kpi": "onestop.overdue_now",
        "agency_code": world.dept.code,
        "comparison": "above",
        "threshold": 0,
        "severity": "critical",
    }
    created = post(client, URL + "alert-rules", body)
    assert created.status_code == 201, created.content
    assert created.json()["agency_code"] == world.dept.code and created.json()["threshold"] == 0
    assert post(client, URL + "alert-rules", body).json()["code"] == "ioc.alert_rule_exists"
    invalid = post(
        client, URL + "alert-rules", {**body, "code": "ty-le", "kpi": "onestop.on_time_rate", "threshold": 80}
    )
    assert invalid.status_code == 422 and invalid.json()["code"] == "ioc.invalid_alert_rule"
    assert invalid.json()["details"] == {"field": "threshold"}
    unknown = post(client, URL + "alert-rules", {**body, "code": "khac", "agency_code": "000.99.99.Z99"})
    assert unknown.status_code == 404
    assert AlertRule.objects.count() == 1

    received(world, now=vn(2026, 10, 5, 9))
    deliver_events()
    evaluate_rules()  # the real clock: weeks after the dossier's deadline
    alert = Alert.objects.get()

    live = client.get(URL + "alerts", {"state": "live"}).json()
    assert live["count"] == 1 and live["items"][0]["id"] == alert.pk
    assert live["items"][0]["state"] == "open" and live["items"][0]["value"] == 1
    assert client.get(URL + "alerts", {"state": "cleared"}).json()["count"] == 0

    stranger = as_user(make_officer(roles=[(world.dept_b, Role.LEADER)]))
    assert stranger.get(URL + "alerts").json() == {"count": 0, "items": []}
    assert stranger.get(URL + "alert-rules").json() == []
    assert stranger.get(f"{URL}alerts/{alert.pk}").status_code == 403
    assert post(stranger, f"{URL}alerts/{alert.pk}/acknowledge").status_code == 403
    assert client.get(f"{URL}alerts/999999").status_code == 404

    leader = as_user(world.leader)
    assert [r["code"] for r in leader.get(URL + "alert-rules").json()] == ["qua-han-stp"]
    done = post(leader, f"{URL}alerts/{alert.pk}/acknowledge", {"note": "Đã nhắc chuyên viên"})
    assert done.status_code == 200, done.content
    detail = done.json()
    assert detail["state"] == "acknowledged" and detail["acknowledged_by"] == world.leader.full_name
    assert [(e["kind"], e["actor"], e["note"]) for e in detail["log"]] == [
        ("opened", None, ""),
        ("acknowledged", world.leader.full_name, "Đã nhắc chuyên viên"),
    ]
    again = post(client, f"{URL}alerts/{alert.pk}/acknowledge")
    assert again.status_code == 409 and again.json()["code"] == "ioc.alert_already_acknowledged"
    assert again.json()["details"]["acknowledged_by"] == world.leader.full_name

    # Only those who manage rules change them; deactivating clears the live alert.
    assert patch(leader, URL + "alert-rules/qua-han-stp", {"is_active": False}).status_code == 403
    bad = patch(client, URL + "alert-rules/qua-han-stp", {"window": "month"})
    assert bad.status_code == 422 and bad.json()["details"] == {"field": "window"}
    assert patch(client, URL + "alert-rules/khong-co", {"threshold": 1}).status_code == 404
    changed = patch(client, URL + "alert-rules/qua-han-stp", {"is_active": False, "threshold": 3})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["is_active"], changed.json()["threshold"]) == (False, 3)
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED
    shown = client.get(f"{URL}alerts/{alert.pk}").json()
    assert [e["kind"] for e in shown["log"]] == ["opened", "acknowledged", "cleared"]
    assert shown["log"][-1]["actor"] == governor.full_name


def test_acknowledge_without_a_body_and_a_cleared_alert(world, governor):
    rule = create_rule(
        governor,
        code="dang-xu-ly",
        name="Đang xử lý",
        kpi="onestop.in_progress",
        agency=world.dept,
        comparison="above",
        threshold=0,
    )
    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    evaluate_rules(now=timezone.now())
    alert = Alert.objects.get(rule=rule)
    response = as_user(world.leader).generic("POST", f"{URL}alerts/{alert.pk}/acknowledge")  # no body
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "acknowledged"
    update_rule(governor, rule.code, threshold=10)
    evaluate_rules(now=timezone.now() + dt.timedelta(seconds=1))
    second = post(as_user(governor), f"{URL}alerts/{alert.pk}/acknowledge")
    assert second.status_code == 409 and second.json()["code"] == "ioc.alert_cleared"
