"""The operations center updates live in a real browser.

A leader signs in (password and TOTP) and opens the dashboard. Meanwhile, through the API
(`/api/v1/...` with personal access tokens, as outside systems and scripts do), a citizen uploads a
file and submits a dossier, the one-stop officer accepts it, the specialist completes the step,
the leader's department attaches the result and approves it. The events are delivered as the
worker would; the page, never reloaded, shows "in progress" go to 1 and back to 0 and "resolved
today" go to 1 through the server-sent event stream. Screenshots of the dashboard (desktop and
phone) and of wall mode are left in the temporary directory for a look at the layout.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tinhso.core.accounts import services as accounts
from tinhso.core.apiclients import services as apiclients
from tinhso.core.files.tests.samples import pdf_bytes
from tinhso.core.testing.factories import DEFAULT_PASSWORD
from tinhso.core.units.models import AdministrativeUnit
from tinhso.dossiers.models import Dossier, DossierState
from tinhso.dossiers.tests.conftest import FORM, deliver_events, world  # noqa: F401 (fixture)
from tinhso.ioc import views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(tempfile.gettempdir())
BASE = "/trung-tam-dieu-hanh/"


@pytest.fixture
def db_lock(monkeypatch):
    """One request at a time against an in-memory SQLite test database.

    The live server's threads then share the test thread's single SQLite connection, which is not
    safe for concurrent use, and this page makes concurrent requests (its panels load together,
    the event stream stays open). Each request is handled under a lock, and the test takes it
    whenever it touches the database itself. The event stream's body (a loop reading the cache)
    runs outside it. On PostgreSQL (CI) every thread has its own connection: no lock."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite":
        yield nullcontext()
        return
    lock = threading.RLock()
    handle = WSGIHandler.__call__

    def one_at_a_time(self, environ, start_response):
        with lock:
            return handle(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", one_at_a_time)
    yield lock


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _token(user, scopes) -> dict:
    _token_row, plain = apiclients.create_personal_token(
        actor=user, user=user, name="Kiểm thử IOC", scopes=scopes
    )
    return {"Authorization": f"Bearer {plain}"}


def _ok(response, status=(200, 201)):
    assert response.status in status, f"{response.status} {response.text()}"
    return response.json()


def _tile(page, code: str):
    return page.locator(f'[data-kpi="{code}"] [data-ioc-value]')


def test_dashboard_updates_without_reload_as_a_dossier_is_resolved_through_the_api(
    live_server,
    browser,
    world,  # noqa: F811 (the fixture imported above)
    settings,
    monkeypatch,
    db_lock,
):
    # Short event-stream responses: the browser reconnects several times during the test (that path
    # is exercised too), and every stream has ended before the test database goes away.
    monkeypatch.setattr(views, "STREAM_SECONDS", 3.0)
    # The version the stream watches lives in the cache: in memory here, so the stream's loop
    # never touches the (shared) test database.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.SITE_URL = live_server.url
    base = live_server.url
    device = accounts.enroll_demo_totp(world.leader, accounts.new_demo_totp_key())
    # The department serves a ward that has a (hand-placed) point on the map.
    world.dept.unit = AdministrativeUnit.objects.create(
        structure="current",
        code="31321",
        name="Phường Vị Thanh",
        division_type="phường",
        level="commune",
        valid_from=dt.date(2025, 7, 1),
    )
    world.dept.save(update_fields=["unit"])

    # --- The leader opens the operations center. ---------------------------------------------------
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}/dang-nhap/?next={BASE}")
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân").fill(world.leader.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Mã xác thực 6 chữ số").fill(_code(device))
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("heading", name="Trung tâm điều hành", exact=True).wait_for()
    expect(page.locator("[data-ioc-live]")).to_have_attribute("data-state", "live")
    expect(_tile(page, "onestop.in_progress")).to_have_text("0")
    expect(_tile(page, "onestop.resolved")).to_have_text("0")
    # The panels loaded, the chart drew on a canvas (ECharts under our CSP).
    expect(page.locator("#ioc-chart canvas")).to_have_count(1)
    expect(page.locator("#ioc-breakdown")).to_contain_text("theo cơ quan")
    page.evaluate("window.iocNotReloaded = true")

    # --- Through the API: submit, accept, process, approve. ----------------------------------------
    api = browser.new_context(base_url=base).request
    with db_lock:
        citizen = _token(world.citizen, ["dossiers:write", "files:write"])
        desk = _token(world.one_stop, ["dossiers:read", "dossiers:write"])
        specialist = _token(world.specialist, ["dossiers:read", "dossiers:write"])
        leader = _token(world.leader, ["dossiers:read", "dossiers:write", "files:write"])
        required = world.simple.documents.get(order=1)

    upload = _ok(
        api.post(
            "/api/v1/files/",
            headers=citizen,
            multipart={
                "purpose": "dossier_attachment",
                "file": {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
            },
        )
    )
    dossier = _ok(
        api.post(
            "/api/v1/dossiers/",
            headers=citizen,
            data={
                "procedure_code": world.simple.code,
                "agency_code": world.dept.code,
                "form_data": FORM,
                "documents": [{"required_document_id": required.pk, "file_id": upload["id"]}],
            },
        )
    )
    code = dossier["code"]
    _ok(api.post(f"/api/v1/dossiers/{code}/actions/accept", headers=desk, data={}))
    with db_lock:
        deliver_events()  # as the worker would (a no-op when the task backend delivered them already)
    expect(_tile(page, "onestop.in_progress")).to_have_text("1", timeout=15000)

    _ok(api.post(f"/api/v1/dossiers/{code}/actions/complete_step", headers=specialist, data={}))
    _ok(
        api.post(
            f"/api/v1/dossiers/{code}/results",
            headers=leader,
            multipart={
                "name": "Bản sao trích lục",
                "file": {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
            },
        ),
        status=(201,),
    )
    _ok(api.post(f"/api/v1/dossiers/{code}/actions/complete_step", headers=leader, data={}))
    with db_lock:
        assert Dossier.objects.get(code=code).state == DossierState.PROCESSED
        deliver_events()

    expect(_tile(page, "onestop.resolved")).to_have_text("1", timeout=15000)
    expect(_tile(page, "onestop.in_progress")).to_have_text("0", timeout=15000)
    assert page.evaluate("window.iocNotReloaded === true"), "the page was reloaded"
    # The explanation of a number says what it was computed from.
    resolved = page.locator('[data-kpi="onestop.resolved"]')
    resolved.get_by_text("Cách tính").click()
    expect(resolved.locator(".ioc-facts")).to_contain_text("1")
    # Drill down: the justice department, then its procedures.
    resolved.get_by_role("button", name="Xem theo cơ quan").click()
    breakdown = page.locator("#ioc-breakdown")
    expect(breakdown).to_contain_text("Sở Tư pháp")
    breakdown.get_by_role("button", name="Theo thủ tục").first.click()
    expect(breakdown).to_contain_text(world.simple.name)
    href = breakdown.get_by_role("link", name="Danh sách hồ sơ").first.get_attribute("href")
    assert href.startswith(f"/ho-so/lam-viec/tim-kiem/?thu_tuc={world.simple.code}")
    # The map: the ward's circle, labelled with its figure; the former structure on 30/6/2025.
    page.locator("#ioc-units-kpi").select_option("onestop.resolved")
    expect(page.locator("#ioc-map .leaflet-interactive")).to_have_count(1)
    expect(page.locator("#ioc-map .ioc-map-label")).to_have_text("1")
    expect(page.locator("#ioc-units table")).to_contain_text("Phường Vị Thanh")
    page.get_by_label("Trước 01/7/2025").check()
    expect(page.locator("#ioc-units")).to_contain_text("30/06/2025")
    page.screenshot(path=SCREENSHOTS / "ioc-dashboard.png", full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors

    # --- A phone: one column; wall mode: rotating dark panels. ---------------------------------------
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "ioc-dashboard-phone.png", full_page=True)
    tiles = page.locator(".ioc-grid > section")
    first, second = tiles.nth(0).bounding_box(), tiles.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"] - 1, "panels should stack on a phone"

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base}{BASE}man-hinh/?xoay=5")
    expect(page.locator(".ioc-slide.is-active h2")).to_have_text("Chỉ số chính")
    expect(_tile(page, "onestop.resolved")).to_have_text("1")
    page.screenshot(path=SCREENSHOTS / "ioc-wall.png")
    expect(page.locator(".ioc-slide.is-active h2")).to_have_text("Diễn biến theo thời gian", timeout=8000)
    context.close()
    time.sleep(views.STREAM_SECONDS + 1)  # let the last stream end while the database is there
