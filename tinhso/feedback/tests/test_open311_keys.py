"""Open311 API keys: issuing (shown once, stored hashed), revoking, rate limits per key and per
address, the command line and the operators' pages."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.urls import include, path

import tinhso.urls
from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import PermissionDenied, ValidationFailed
from tinhso.core.permissions import ANONYMOUS, SYSTEM
from tinhso.feedback.models import Report
from tinhso.feedback.open311 import services, throttling
from tinhso.feedback.open311.models import Open311ApiKey
from tinhso.feedback.tests.conftest import VI_THANH
from tinhso.feedback.tests.test_open311_support import (  # noqa: F401 (fixtures)
    BASE,
    FORMATS,
    api_key_fixture,
    assert_error,
    issued_key_fixture,
    open311_clean_state_fixture,
    parse,
    potholes_fixture,
)

pytestmark = pytest.mark.django_db

# This module doubles as a URL configuration: the whole site plus the operators' pages where
# tinhso/urls.py is to mount them.
urlpatterns = [
    path("quan-ly/open311/", include("tinhso.feedback.open311.admin_urls")),
    *tinhso.urls.urlpatterns,
]
PAGES = "/quan-ly/open311/"


def _form(key: str) -> dict:
    return {
        "api_key": key,
        "service_code": "o-ga",
        "lat": str(VI_THANH[0]),
        "long": str(VI_THANH[1]),
        "description": "Ổ gà lớn giữa đường Trần Hưng Đạo.",
        "attribute[kich-thuoc]": "40",
    }


# --- Services ------------------------------------------------------------------------------------


def test_issuing_returns_the_key_once_and_stores_its_digest(admin):
    key, plain = services.issue_api_key(
        actor=admin, name="  Ứng dụng   Cần Thơ Số ", rate_limit_per_minute="30"
    )
    assert plain.startswith("o311_") and len(plain) >= 40
    assert key.name == "Ứng dụng Cần Thơ Số" and key.rate_limit_per_minute == 30
    assert key.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert key.prefix == plain[:12] and plain not in (key.key_hash, key.prefix)
    assert key.created_by == admin and key.is_active
    record = AuditRecord.objects.get(action="feedback.open311_key_issued")
    assert record.changes == {
        "name": "Ứng dụng Cần Thơ Số",
        "prefix": key.prefix,
        "rate_limit_per_minute": 30,
    }
    assert plain not in str(record.changes) + record.summary + record.object_repr
    other, other_plain = services.issue_api_key(actor=admin, name="Ứng dụng Cần Thơ Số")
    assert other_plain != plain and other.prefix != key.prefix


@pytest.mark.parametrize(
    ("name", "rate", "code"),
    [
        ("", 60, "open311.invalid_key_name"),
        ("x" * 151, 60, "open311.invalid_key_name"),
        (None, 60, "open311.invalid_key_name"),
        ("App", 0, "open311.invalid_rate_limit"),
        ("App", 10_001, "open311.invalid_rate_limit"),
        ("App", "nhiều", "open311.invalid_rate_limit"),
        ("App", True, "open311.invalid_rate_limit"),
    ],
)
def test_issuing_checks_its_input(admin, name, rate, code):
    with pytest.raises(ValidationFailed) as caught:
        services.issue_api_key(actor=admin, name=name, rate_limit_per_minute=rate)
    assert caught.value.code == code
    assert not Open311ApiKey.objects.exists()


def test_only_catalogue_managers_issue_and_revoke(officer_vt, leader_vt, citizen, admin):
    for who in (officer_vt, leader_vt, citizen, ANONYMOUS):
        with pytest.raises(PermissionDenied):
            services.issue_api_key(actor=who, name="App")
    key, _plain = services.issue_api_key(actor=admin, name="App")
    with pytest.raises(PermissionDenied):
        services.revoke_api_key(actor=leader_vt, key=key)
    assert Open311ApiKey.objects.get().revoked_at is None


def test_revoking_is_immediate_and_idempotent(client, potholes, admin, issued_key):
    key, plain = issued_key()
    assert client.post(f"{BASE}/requests.json", _form(plain)).status_code == 201
    revoked = services.revoke_api_key(actor=admin, key=key)
    assert revoked.revoked_at is not None and revoked.revoked_by == admin
    again = services.revoke_api_key(actor=admin, key=key)
    assert again.revoked_at == revoked.revoked_at
    assert AuditRecord.objects.filter(action="feedback.open311_key_revoked").count() == 1
    for fmt in FORMATS:
        description = assert_error(
            client.post(f"{BASE}/requests.{fmt}", _form(plain)), fmt, 403, "open311.api_key_revoked"
        )
        assert "thu hồi" in description
    assert Report.objects.count() == 1
    # A revoked key sent with a GET is refused too, rather than silently ignored.
    assert_error(
        client.get(f"{BASE}/services.json", {"api_key": plain}), "json", 403, "open311.api_key_revoked"
    )


def test_last_use_is_recorded_with_minute_precision(client, potholes, issued_key):
    key, plain = issued_key()
    assert key.last_used_at is None
    client.get(f"{BASE}/services.json", {"api_key": plain})
    first = Open311ApiKey.objects.get().last_used_at
    assert first is not None
    client.get(f"{BASE}/services.json", {"api_key": plain})
    assert Open311ApiKey.objects.get().last_used_at == first


def test_wrong_keys_on_reads_are_403(client, potholes):
    assert_error(
        client.get(f"{BASE}/services.xml", {"api_key": "o311_wrong"}), "xml", 403, "open311.invalid_api_key"
    )


# --- Rate limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_key_has_its_own_rate_limit(client, potholes, issued_key, fmt):
    _key, plain = issued_key(rate=2)
    _other, other_plain = issued_key(name="Ứng dụng khác", rate=2)
    assert client.post(f"{BASE}/requests.{fmt}", _form(plain)).status_code == 201
    assert client.get(f"{BASE}/services.{fmt}", {"api_key": plain}).status_code == 200
    refused = client.post(f"{BASE}/requests.{fmt}", _form(plain))
    description = assert_error(refused, fmt, 429, "open311.rate_limited")
    assert refused["Retry-After"] == "30"  # the fixed clock is 30 s into its minute
    assert "30 giây" in description
    assert Report.objects.count() == 1
    assert client.post(f"{BASE}/requests.{fmt}", _form(other_plain)).status_code == 201


def test_the_limit_resets_with_the_next_minute(client, potholes, issued_key, monkeypatch):
    _key, plain = issued_key(rate=1)
    assert client.get(f"{BASE}/services.json", {"api_key": plain}).status_code == 200
    assert client.get(f"{BASE}/services.json", {"api_key": plain}).status_code == 429
    monkeypatch.setattr(throttling, "clock", lambda: 1_800_000_090.0)
    assert client.get(f"{BASE}/services.json", {"api_key": plain}).status_code == 200


def test_callers_without_a_key_are_limited_by_address(client, potholes, settings, issued_key):
    settings.OPEN311_ANONYMOUS_RATE_PER_MINUTE = 2
    _key, plain = issued_key(rate=100)
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/requests.xml").status_code == 200
    refused = client.get(f"{BASE}/services.xml")
    assert_error(refused, "xml", 429, "open311.rate_limited")
    assert refused["Retry-After"] == "30"
    # Another address has its own quota; a caller with a key has the key's.
    assert client.get(f"{BASE}/services.json", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get(f"{BASE}/services.json", {"api_key": plain}).status_code == 200


def test_guessing_keys_uses_up_the_addresss_quota(client, potholes, settings):
    settings.OPEN311_ANONYMOUS_RATE_PER_MINUTE = 2
    for _ in range(2):
        assert client.post(f"{BASE}/requests.json", _form("o311_guess")).status_code == 403
    assert_error(
        client.post(f"{BASE}/requests.json", _form("o311_guess")), "json", 429, "open311.rate_limited"
    )


# --- Command line ---------------------------------------------------------------------------------


def test_command_issues_lists_and_revokes_keys(client, potholes, capsys):
    call_command("open311", "issue-key", "Ứng dụng Cần Thơ Số", "--rate-limit", "25")
    out = capsys.readouterr().out
    lines = out.splitlines()
    plain = next(line for line in lines if line.startswith("o311_"))
    key = Open311ApiKey.objects.get()
    assert key.rate_limit_per_minute == 25 and key.created_by is None
    assert f"Prefix (for lists and revocation): {key.prefix}" in out
    assert "shown this once only" in out
    assert client.post(f"{BASE}/requests.json", _form(plain)).status_code == 201

    call_command("open311", "keys")
    listing = capsys.readouterr().out
    assert key.prefix in listing and "Ứng dụng Cần Thơ Số" in listing and "active" in listing
    assert plain not in listing
    row = next(line for line in listing.splitlines() if line.startswith(key.prefix))
    assert row.split()[1:4] == ["active", "25", "1"]  # status, limit, reports submitted

    call_command("open311", "revoke-key", key.prefix)
    assert f"Revoked the key {key.prefix}" in capsys.readouterr().out
    assert client.post(f"{BASE}/requests.json", _form(plain)).status_code == 403
    call_command("open311", "revoke-key", key.prefix)
    assert "already revoked" in capsys.readouterr().out
    call_command("open311", "keys", "--active")
    assert "No Open311 keys." in capsys.readouterr().out
    call_command("open311", "keys")
    assert "revoked" in capsys.readouterr().out
    assert AuditRecord.objects.filter(action="feedback.open311_key_revoked", actor_kind="system").count() == 1


def test_command_errors(capsys):
    with pytest.raises(CommandError, match="open311.key_not_found"):
        call_command("open311", "revoke-key", "o311_nothere")
    with pytest.raises(CommandError, match="open311.invalid_rate_limit"):
        call_command("open311", "issue-key", "App", "--rate-limit", "0")
    with pytest.raises(CommandError, match="open311.invalid_key_name"):
        call_command("open311", "issue-key", "   ")
    assert not Open311ApiKey.objects.exists()


def test_command_accepts_the_whole_key_as_prefix(capsys):
    _key, plain = services.issue_api_key(actor=SYSTEM, name="App")
    call_command("open311", "revoke-key", plain)
    assert Open311ApiKey.objects.get().revoked_at is not None


# --- Operators' pages ------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_pages_are_for_catalogue_managers(client, officer_vt, leader_vt, citizen, admin):
    assert client.get(PAGES).status_code == 302  # anonymous: sign in first
    for who in (officer_vt, leader_vt, citizen):
        client.force_login(who)
        assert client.get(PAGES).status_code == 403
        assert client.post(f"{PAGES}cap-khoa/", {"name": "App"}).status_code == 403
    assert not Open311ApiKey.objects.exists()
    client.force_login(admin)
    response = client.get(PAGES)
    assert response.status_code == 200
    assert "Chưa cấp khóa nào." in response.content.decode()


@pytest.mark.urls(__name__)
def test_issuing_on_the_page_shows_the_key_once(client, admin, potholes):
    client.force_login(admin)
    response = client.post(
        f"{PAGES}cap-khoa/", {"name": "Ứng dụng Cần Thơ Số", "rate_limit_per_minute": "40"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    key = Open311ApiKey.objects.get()
    start = page.index('data-testid="issued-key">') + len('data-testid="issued-key">')
    plain = page[start : page.index("</code>", start)]
    assert plain.startswith(key.prefix) and key.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert "<html" in page and "Khóa chỉ hiển thị một lần này" in page
    assert key.rate_limit_per_minute == 40 and key.created_by == admin
    listing = client.get(PAGES).content.decode()
    assert key.prefix in listing and plain not in listing
    assert client.post(f"{BASE}/requests.json", _form(plain)).status_code == 201


@pytest.mark.urls(__name__)
def test_issuing_with_htmx_answers_the_panel_only(client, admin):
    client.force_login(admin)
    response = client.post(f"{PAGES}cap-khoa/", {"name": "App HTMX"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('<section id="open311-keys"') and "<html" not in page
    assert 'data-testid="issued-key"' in page and Open311ApiKey.objects.get().rate_limit_per_minute == 60


@pytest.mark.urls(__name__)
def test_bad_input_on_the_page(client, admin):
    client.force_login(admin)
    response = client.post(f"{PAGES}cap-khoa/", {"name": "", "rate_limit_per_minute": "5"})
    assert response.status_code == 422
    assert "Cần tên ứng dụng" in response.content.decode()
    response = client.post(
        f"{PAGES}cap-khoa/", {"name": "App", "rate_limit_per_minute": "0"}, HTTP_HX_REQUEST="true"
    )
    assert "Giới hạn yêu cầu mỗi phút" in response.content.decode()
    assert not Open311ApiKey.objects.exists()
    assert client.get(f"{PAGES}cap-khoa/").status_code == 405


@pytest.mark.urls(__name__)
def test_revoking_on_the_page(client, admin, leader_vt):
    key, plain = services.issue_api_key(actor=SYSTEM, name="Ứng dụng cũ")
    url = f"{PAGES}{key.public_id}/thu-hoi/"
    client.force_login(leader_vt)
    assert client.post(url).status_code == 403
    client.force_login(admin)
    assert "Thu hồi" in client.get(PAGES).content.decode()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == PAGES
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == admin
    listing = client.get(PAGES).content.decode()
    assert "Đã thu hồi khóa" in listing and "Đã thu hồi lúc" in listing
    htmx = client.post(url, HTTP_HX_REQUEST="true")  # again: nothing changes
    assert htmx.status_code == 200 and htmx.content.decode().startswith('<section id="open311-keys"')
    assert AuditRecord.objects.filter(action="feedback.open311_key_revoked").count() == 1
    assert client.post(f"{PAGES}00000000-0000-0000-0000-000000000000/thu-hoi/").status_code == 404
