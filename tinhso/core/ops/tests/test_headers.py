"""Security headers and cookies, in development (no TLS) and production (TLS behind the proxy)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

TLS_SETTINGS = {
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}
VIA_TLS_PROXY = {"HTTP_X_FORWARDED_PROTO": "https"}


@pytest.mark.parametrize("path", ["/", "/dang-nhap/", "/healthz", "/khong-co/"])
def test_every_response_carries_the_browser_policies(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == settings.PERMISSIONS_POLICY
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_content_security_policy_allows_no_inline_code_and_no_framing():
    directives = dict(part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in settings.CONTENT_SECURITY_POLICY


def test_permissions_policy_switches_off_camera_and_microphone():
    assert "camera=()" in settings.PERMISSIONS_POLICY
    assert "microphone=()" in settings.PERMISSIONS_POLICY
    assert "geolocation=(self)" in settings.PERMISSIONS_POLICY


@override_settings(ROOT_URLCONF="tinhso.core.ops.tests.urls")
def test_a_view_with_its_own_policy_keeps_it(client):
    response = client.get("/own-policy/")
    assert response["Content-Security-Policy"] == "default-src 'none'"


@override_settings(CONTENT_SECURITY_POLICY="", PERMISSIONS_POLICY="")
def test_empty_settings_send_no_header(client):
    response = client.get("/healthz/live")
    assert "Content-Security-Policy" not in response
    assert "Permissions-Policy" not in response


def test_without_tls_there_is_no_hsts_and_cookies_are_not_secure(client):
    response = client.get("/dang-nhap/")
    assert "Strict-Transport-Security" not in response
    assert response.cookies["csrftoken"]["secure"] == ""
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


@override_settings(**TLS_SETTINGS)
def test_with_tls_behind_the_proxy_hsts_is_sent_and_cookies_are_secure(client):
    response = client.get("/dang-nhap/", **VIA_TLS_PROXY)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["csrftoken"]["secure"] is True


@override_settings(**TLS_SETTINGS)
def test_with_tls_the_session_cookie_is_secure_and_http_only(client, make_citizen):
    from tinhso.core.testing.factories import DEFAULT_PASSWORD

    citizen = make_citizen()
    response = client.post(
        "/dang-nhap/", {"username": citizen.username, "password": DEFAULT_PASSWORD}, **VIA_TLS_PROXY
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "Lax"


@override_settings(**TLS_SETTINGS)
def test_hsts_is_not_sent_over_plain_http(client):
    # A browser ignores HSTS over http, and sending it from a misconfigured proxy would hide it.
    assert "Strict-Transport-Security" not in client.get("/healthz/live")


@override_settings(**TLS_SETTINGS)
def test_the_forwarded_proto_is_trusted_only_when_configured(client):
    with override_settings(SECURE_PROXY_SSL_HEADER=None):
        response = client.get("/healthz/live", **VIA_TLS_PROXY)
    assert "Strict-Transport-Security" not in response


def test_csrf_protection_refuses_a_post_without_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_the_settings_module_derives_tls_from_the_environment():
    script = (
        "import tinhso.settings as s; print(s.TLS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER is not None)"
    )
    base = {
        k: v for k, v in os.environ.items() if k not in {"TLS", "DEBUG", "TINHSO_TESTING", "BEHIND_PROXY"}
    }
    cwd = Path(__file__).resolve().parents[4]

    def run(**env):
        result = subprocess.run(
            [sys.executable, "-c", script],
            env={**base, **env},
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.split()

    production = run(SECRET_KEY="k" * 50, BEHIND_PROXY="1")
    assert production == ["True", "True", "True", "31536000", "True"]
    development = run(DEBUG="1")
    assert development == ["False", "False", "False", "0", "False"]
    forced = run(DEBUG="1", TLS="1")
    assert forced[:4] == ["True", "True", "True", "31536000"]


# --- the admin works under the strict policy ------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def test_the_admin_pages_need_no_inline_script_or_style(client, platform_admin):
    """The CSP has no 'unsafe-inline': an admin page with inline code would break silently."""
    client.force_login(platform_admin)
    admin = "/" + settings.ADMIN_URL
    pages = [admin, f"{admin}accounts/user/", f"{admin}accounts/user/{platform_admin.pk}/change/"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.text
        assert not INLINE_SCRIPT.search(html), page
        assert not INLINE_HANDLER.search(html), page
        assert not INLINE_STYLE.search(html), page
        assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
