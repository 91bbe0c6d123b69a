"""The operations center's pages: what anonymous readers and officers see, the panels, wall mode,
the workspace link and the server-sent event stream."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.core.units.models import AdministrativeUnit
from tinhso.dossiers.tests.conftest import deliver_events, received
from tinhso.ioc import geo, selectors, views
from tinhso.ioc import services as ioc
from tinhso.ioc.models import Alert, AlertRule
from tinhso.ioc.sources import Increment, OpenItemState

pytestmark = pytest.mark.django_db

BASE = "/trung-tam-dieu-hanh/"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tile_value(html: str, code: str) -> str:
    match = re.search(
        rf'data-kpi="{re.escape(code)}">.*?<p class="ioc-value" data-ioc-value>([^<]*)</p>', html, re.S
    )
    assert match, f"no tile {code}"
    return match.group(1).strip()


@pytest.fixture
def activity(world):
    """Two dossiers received online today at the justice department and still open, written to
    the read models directly: a dossier's receipt counts on the next office opening, so going
    through the services would make "today" depend on the hour the tests run."""
    today, now = selectors.local_today(), timezone.now()
    ioc.record(
        "onestop",
        [
            Increment(metric, day=today, agency_id=world.dept.pk, subject=world.simple.code)
            for metric in ("onestop.received", "onestop.received_online")
            for _ in range(2)
        ],
    )
    for key in ("HS-1", "HS-2"):
        ioc.sync_open_item(
            "onestop",
            key,
            OpenItemState(
                key=key,
                agency_id=world.dept.pk,
                opened_at=now,
                due_at=now + dt.timedelta(days=3),
                subject=world.simple.code,
            ),
        )


@pytest.fixture
def viewer_b(world, make_officer):
    return make_officer(username="ioc.sxd", roles=[(world.dept_b, "ioc_viewer")])


def test_anonymous_sees_public_province_tiles_and_no_breakdown(client, world, activity):
    response = client.get(BASE)
    assert response.status_code == 200
    html = response.content.decode()
    assert tile_value(html, "onestop.received") == "2"
    assert 'data-kpi="onestop.on_time_rate"' in html
    # Internal KPIs, panels and drill-downs are not on the page at all.
    assert 'data-kpi="onestop.overdue_now"' not in html
    for panel in ("ioc-breakdown", "ioc-rankings", "ioc-units", "ioc-alerts", "ioc-map"):
        assert f'id="{panel}"' not in html
    assert "Xem theo cơ quan" not in html
    assert "Đăng nhập để xem chi tiết" in html
    # Asking for them directly is refused with the hint to sign in.
    for name in ("phan-tich", "xep-hang", "dia-ban", "canh-bao"):
        partial = client.get(f"{BASE}khung/{name}/?chi_so=onestop.received")
        assert partial.status_code == 403, name
        assert partial["X-IOC-Panel"] == "1"
        assert "Đăng nhập" in partial.content.decode()
    assert client.get(f"{BASE}khung/phan-tich/?theo=subject&co_quan={world.dept.pk}").status_code == 403


def test_anonymous_tiles_partial_has_only_public_kpis(client, world, activity):
    html = client.get(f"{BASE}khung/chi-so/?ky=month").content.decode()
    assert tile_value(html, "onestop.received") == "2"
    assert "onestop.overdue_now" not in html
    assert 'hx-trigger="ioc:refresh from:body"' in html


def test_tiles_show_value_comparison_and_how_it_is_computed(world, activity):
    html = as_user(world.leader).get(BASE).content.decode()
    assert tile_value(html, "onestop.received") == "2"
    assert tile_value(html, "onestop.in_progress") == "2"
    # Received: 2 today vs 0 yesterday, up and good (higher is better).
    block = html.split('data-kpi="onestop.received"')[1].split("</li>")[0]
    assert "ioc-up ioc-good" in block and "+2" in block
    assert "Số hồ sơ tiếp nhận trong kỳ (ngày tiếp nhận)." in block  # the formula
    assert "<dt>Số đếm</dt><dd>2</dd>" in block
    # A ratio shows its numerator and denominator; nothing resolved yet: "—".
    rate = html.split('data-kpi="onestop.online_rate"')[1].split("</li>")[0]
    assert "<dt>Tử số</dt><dd>2</dd>" in rate and "<dt>Mẫu số</dt><dd>2</dd>" in rate
    assert tile_value(html, "onestop.online_rate") == "100,0 %"
    assert tile_value(html, "onestop.on_time_rate") == "—"
    # The officer has the internal panels and the drill-down buttons.
    assert 'data-kpi="onestop.overdue_now"' in html
    for panel in ("ioc-breakdown", "ioc-rankings", "ioc-units", "ioc-alerts", "ioc-map"):
        assert f'id="{panel}"' in html
    assert "khung/phan-tich/?chi_so=onestop.received&amp;ky=today" in html


def test_breakdown_by_agency_then_by_procedure_with_drill_links(world, activity):
    client = as_user(world.leader)
    response = client.get(f"{BASE}khung/phan-tich/?chi_so=onestop.received&ky=today")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sở Tư pháp" in html and f'data-key="{world.dept.pk}"' in html
    assert f"theo=subject&amp;co_quan={world.dept.pk}" in html
    response = client.get(
        f"{BASE}khung/phan-tich/?chi_so=onestop.received&ky=today&theo=subject&co_quan={world.dept.pk}"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert world.simple.name in html and world.simple.code in html
    # The leader may see dossiers: each row links to the dossier search for that procedure.
    assert "/ho-so/lam-viec/tim-kiem/?thu_tuc=1.000001" in html
    assert "Danh sách hồ sơ" in html


def test_no_dossier_links_for_a_reader_who_may_not_see_dossiers(world, activity, make_officer):
    admin = make_officer(username="quantri", roles=[(world.province, "platform_admin", True)])
    html = as_user(admin).get(
        f"{BASE}khung/phan-tich/?chi_so=onestop.received&theo=subject&co_quan={world.dept.pk}"
    )
    html = html.content.decode()
    assert world.simple.name in html
    assert "Danh sách hồ sơ" not in html and "/ho-so/lam-viec/tim-kiem/" not in html


def test_viewer_of_agency_b_cannot_see_agency_a(world, activity, viewer_b):
    client = as_user(viewer_b)
    response = client.get(
        f"{BASE}khung/phan-tich/?chi_so=onestop.received&theo=subject&co_quan={world.dept.pk}"
    )
    assert response.status_code == 403
    assert "Bạn không có quyền xem số liệu của cơ quan này." in response.content.decode()
    assert world.simple.name not in response.content.decode()
    # By agency, only their own agency's figures exist for them.
    html = client.get(f"{BASE}khung/phan-tich/?chi_so=onestop.received").content.decode()
    assert f'data-key="{world.dept.pk}"' not in html and "Sở Tư pháp" not in html
    tiles = client.get(BASE).content.decode()
    assert tile_value(tiles, "onestop.received") == "0"
    assert client.get(f"{BASE}khung/phan-tich/?theo=subject&co_quan=abc").status_code == 400
    assert client.get(f"{BASE}khung/phan-tich/?chi_so=khong.co").status_code == 404


def test_chart_partial_has_the_series_as_data_and_as_a_table(world, activity):
    client = as_user(world.leader)
    response = client.get(f"{BASE}khung/bieu-do/?chi_so=onestop.received&do_chi_tiet=day")
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(
        re.search(r'<script id="ioc-chart-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["grain"] == "day" and len(data["labels"]) == 30
    assert data["values"][-1] == 2 and sum(v or 0 for v in data["values"]) == 2
    assert "Xem số liệu dạng bảng" in html
    weekly = client.get(f"{BASE}khung/bieu-do/?chi_so=onestop.online_rate&do_chi_tiet=week").content.decode()
    data = json.loads(re.search(r'type="application/json">(.*?)</script>', weekly, re.S).group(1))
    assert data["unit"] == "percent" and data["values"][-1] == 100.0 and len(data["labels"]) == 12
    monthly = client.get(f"{BASE}khung/bieu-do/?do_chi_tiet=month").content.decode()
    assert (
        len(
            json.loads(re.search(r'type="application/json">(.*?)</script>', monthly, re.S).group(1))["labels"]
        )
        == 12
    )
    # Anonymous readers get the public KPIs' series too, not the internal ones in the chooser.
    public = Client().get(f"{BASE}khung/bieu-do/?chi_so=onestop.received").content.decode()
    assert "onestop.received" in public and "onestop.overdue_now" not in public


def test_rankings_partial(world, activity):
    response = as_user(world.leader).get(f"{BASE}khung/xep-hang/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Không có hồ sơ quá hạn." in html and "Chưa đủ số liệu để xếp hạng." in html


def test_units_partial_places_units_on_the_map_and_lists_the_others(world, activity):
    unit = AdministrativeUnit.objects.create(
        structure="current",
        code="31321",
        name="Phường Vị Thanh",
        division_type="phường",
        level="commune",
        valid_from=dt.date(2025, 7, 1),
    )
    world.dept.unit = unit
    world.dept.save(update_fields=["unit"])
    ioc.record(
        "onestop",
        [
            Increment(
                "onestop.received", day=selectors.local_today(), agency_id=world.dept.pk, unit_id=unit.pk
            )
        ],
    )
    response = as_user(world.leader).get(f"{BASE}khung/dia-ban/?chi_so=onestop.received&cau_truc=current")
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(
        re.search(r'<script id="ioc-map-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    [point] = data["points"]
    assert point["name"] == "Phường Vị Thanh" and point["value"] == "1"
    assert (point["lat"], point["lon"]) == (9.78, 105.468)
    assert "Địa bàn chưa có tọa độ trên bản đồ" in html and "Không xác định" in html
    legacy = as_user(world.leader).get(f"{BASE}khung/dia-ban/?cau_truc=legacy").content.decode()
    assert "30/06/2025" in legacy


def test_geo_points_are_keyed_by_structure_and_code():
    points = geo.points()
    assert points[("legacy", "31321")].name.startswith("Phường III")
    assert points[("current", "31321")].name == "Phường Vị Thanh"
    south_west, north_east = geo.extent()
    assert south_west[0] < 9.7 < north_east[0] and south_west[1] < 105.5 < north_east[1]


def _dept_alert(world) -> Alert:
    """An open critical alert on a rule of the Department of Justice."""
    rule = AlertRule.objects.create(
        code="qua-han-stp",
        name="Quá hạn tại Sở Tư pháp",
        kpi="onestop.overdue_now",
        agency_id=world.dept.pk,
        comparison="above",
        threshold=Decimal("3"),
        severity="critical",
    )
    return Alert.objects.create(
        rule=rule, value=Decimal("5"), threshold=Decimal("3"), opened_at=timezone.now()
    )


def test_alerts_partial_shows_open_alerts_of_the_readers_agencies(world, viewer_b):
    _dept_alert(world)
    html = as_user(world.leader).get(f"{BASE}khung/canh-bao/").content.decode()
    assert "Quá hạn tại Sở Tư pháp" in html and "ioc-sev-critical" in html and "data-ioc-empty" not in html
    other = as_user(viewer_b).get(f"{BASE}khung/canh-bao/").content.decode()
    assert "Quá hạn tại Sở Tư pháp" not in other and "Không có cảnh báo đang mở." in other


def test_wall_mode(world, activity):
    client = as_user(world.leader)
    response = client.get(f"{BASE}man-hinh/?xoay=2&ky=month")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-ioc-rotate="5"' in html  # at least 5 seconds
    assert html.count("data-ioc-slide") == 5
    assert tile_value(html, "onestop.received") == "2"
    assert 'data-ioc-rotate="20"' in client.get(f"{BASE}man-hinh/?xoay=abc").content.decode()
    anonymous = Client().get(f"{BASE}man-hinh/").content.decode()
    assert anonymous.count("data-ioc-slide") == 2 and "onestop.overdue_now" not in anonymous


def test_no_inline_script_or_style_on_the_pages(world, activity):
    for url in (BASE, f"{BASE}man-hinh/"):
        html = as_user(world.leader).get(url).content.decode()
        assert " style=" not in html and "<style" not in html
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag


def test_real_dossiers_feed_the_tiles(client, world):
    """Through the services and the event subscribers: a received dossier is "in progress" now."""
    assert tile_value(client.get(BASE).content.decode(), "onestop.in_progress") == "0"
    received(world)
    deliver_events()
    assert tile_value(client.get(BASE).content.decode(), "onestop.in_progress") == "1"


def test_workspace_link_only_for_ioc_readers(world, client):
    assert "Trung tâm điều hành" in as_user(world.leader).get(f"{BASE}khung/loi-vao/").content.decode()
    assert as_user(world.one_stop).get(f"{BASE}khung/loi-vao/").content == b""
    assert client.get(f"{BASE}khung/loi-vao/").content == b""


# -- Live ------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_stream_sends_an_event_when_a_counter_changes(world, django_capture_on_commit_callbacks):
    clock = FakeClock()
    calls = []

    def sleep(seconds):
        clock.now += seconds
        calls.append(seconds)
        if len(calls) == 2:  # a dossier is received meanwhile: its counter changes
            with django_capture_on_commit_callbacks(execute=True):
                ioc.record(
                    "onestop", [Increment("onestop.received", day=dt.date.today(), agency_id=world.dept.pk)]
                )

    chunks = list(views.event_stream(duration=5, interval=1, heartbeat=15, sleep=sleep, clock=clock))
    assert chunks[0] == "retry: 2000\nevent: version\ndata: 0\n\n"
    assert chunks[1:] == ["event: version\ndata: 1\n\n"]
    assert len(calls) == 5  # it ended after the duration


def test_stream_sends_heartbeats_and_nothing_else_while_quiet():
    clock = FakeClock()

    def sleep(seconds):
        clock.now += seconds

    chunks = list(
        views.event_stream(
            duration=40, interval=1, heartbeat=15, read_version=lambda: 7, sleep=sleep, clock=clock
        )
    )
    assert chunks[0].startswith("retry: 2000\n") and "data: 7" in chunks[0]
    assert chunks[1:] == [": keep-alive\n\n", ": keep-alive\n\n"]


def test_stream_view_is_an_event_stream(client, monkeypatch):
    original = views.event_stream

    def short_stream(**kwargs):
        yield from original(**(kwargs | {"duration": 0}))

    monkeypatch.setattr(views, "event_stream", short_stream)
    response = client.get(f"{BASE}su-kien/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no" and response["Cache-Control"] == "no-cache"
    assert b"".join(response.streaming_content).decode().startswith("retry: 2000\n")


def test_a_leader_acknowledges_an_alert_from_the_panel(world, viewer_b):
    rule = AlertRule.objects.create(
        code="qua-han-stp",
        name="Quá hạn tại Sở Tư pháp",
        kpi="onestop.overdue_now",
        agency_id=world.dept.pk,
        comparison="above",
        threshold=Decimal("3"),
        severity="critical",
    )
    alert = Alert.objects.create(
        rule=rule, value=Decimal("5"), threshold=Decimal("3"), opened_at=timezone.now()
    )
    url = f"{BASE}canh-bao/{alert.pk}/tiep-nhan/"
    leader = as_user(world.leader)
    assert "Tiếp nhận</button>" in leader.get(f"{BASE}khung/canh-bao/").content.decode()

    # Another agency's viewer: refused, the alert stays open.
    refused = as_user(viewer_b).post(url, {"ghi_chu": "x"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "ioc-error" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.state == "open" and alert.acknowledged_by is None
    assert Client().post(url).status_code in (200, 302, 403)
    alert.refresh_from_db()
    assert alert.state == "open"

    answer = leader.post(url, {"ghi_chu": "Đã giao phòng nghiệp vụ"}, HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    alert.refresh_from_db()
    assert alert.state == "acknowledged" and alert.acknowledged_by == world.leader
    assert alert.log.filter(kind="acknowledged", note="Đã giao phòng nghiệp vụ").exists()
    assert "Tiếp nhận</button>" not in html and "ioc-error" not in html
    again = leader.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "ioc-error" in again  # someone already acknowledged it: said, nothing changed
    assert leader.get(url).status_code == 405
