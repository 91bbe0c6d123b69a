"""Sign-in: passwords, two-factor for officers, enrolment, lockout, idle expiry, admin access."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core.accounts import services
from tinhso.core.accounts.middleware import LAST_SEEN_KEY
from tinhso.core.audit import services as audit_services  # noqa: F401  (ensures the app is importable)
from tinhso.core.testing.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/dang-nhap/"


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def officer(make_officer, agency):
    return make_officer(username="motcua.tttt", roles=[(agency, "one_stop_officer")])


def test_home_is_public_and_in_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.text
    assert "Đăng nhập" in response.text


def test_wrong_password_is_refused(client, officer):
    response = client.post(LOGIN, {"username": "motcua.tttt", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.text
    assert "_auth_user_id" not in client.session


def test_officer_with_device_needs_the_code(client, officer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a failure; not under test here
    device = services.enroll_demo_totp(officer, services.new_demo_totp_key())
    response = client.post(LOGIN, {"username": "motcua.tttt", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("web:login_otp")
    assert "_auth_user_id" not in client.session  # not signed in before the second factor
    assert client.get("/lam-viec/").status_code == 302

    response = client.post(reverse("web:login_otp"), {"otp_token": "12345x"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("web:login_otp"), {"otp_token": code_for(device)})
    assert response.status_code == 302 and response.url == reverse("web:workspace")
    page = client.get("/lam-viec/")
    assert page.status_code == 200
    assert "Cán bộ một cửa" in page.text


def test_too_many_wrong_codes_restart_sign_in(client, officer):
    services.enroll_demo_totp(officer, services.new_demo_totp_key())
    client.post(LOGIN, {"username": "motcua.tttt", "password": DEFAULT_PASSWORD})
    for _ in range(5):
        response = client.post(reverse("web:login_otp"), {"otp_token": "000001"})
    assert response.status_code == 302 and response.url == reverse("web:login")
    assert client.get(reverse("web:login_otp")).status_code == 302


def test_officer_without_device_must_enrol(client, officer):
    response = client.post(LOGIN, {"username": "motcua.tttt", "password": DEFAULT_PASSWORD})
    assert response.url == reverse("web:enroll_otp")
    page = client.get(reverse("web:enroll_otp"))
    assert "data:image/svg+xml;base64," in page.text
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    response = client.post(reverse("web:enroll_otp"), {"otp_token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/lam-viec/").status_code == 200


def test_two_factor_optional_setting(client, officer, settings):
    settings.OFFICER_TWO_FACTOR = "optional"
    response = client.post(LOGIN, {"username": "motcua.tttt", "password": DEFAULT_PASSWORD})
    assert response.url == reverse("web:workspace")


def test_citizen_signs_in_with_id_number(client, make_citizen):
    make_citizen(citizen_id="093301000456")
    response = client.post(LOGIN, {"username": "093 301 000 456", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("web:account")
    page = client.get(reverse("web:account"))
    assert "*********456" in page.text and "093301000456" not in page.text


def test_citizen_cannot_open_workspace(client, make_citizen):
    citizen = make_citizen()
    client.force_login(citizen)
    assert client.get("/lam-viec/").status_code == 403


def test_lockout_after_repeated_failures(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "motcua.tttt", "password": "sai"})
    response = client.post(LOGIN, {"username": "motcua.tttt", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "_auth_user_id" not in client.session


def test_idle_session_expires(client, officer, settings):
    settings.OFFICER_TWO_FACTOR = "optional"
    client.post(LOGIN, {"username": "motcua.tttt", "password": DEFAULT_PASSWORD})
    assert client.get("/lam-viec/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT_SECONDS - 5
    session.save()
    response = client.get("/lam-viec/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_admin_only_for_platform_admins(client, officer, platform_admin):
    client.force_login(officer)
    assert client.get("/quan-tri/").status_code in (302, 403)
    client.force_login(platform_admin)
    assert client.get("/quan-tri/").status_code == 200


def test_admin_login_page_redirects_to_our_sign_in(client):
    response = client.get("/quan-tri/login/")
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_open_redirect_is_refused(client, officer, settings):
    settings.OFFICER_TWO_FACTOR = "optional"
    response = client.post(
        LOGIN + "?next=https://evil.example/", {"username": "motcua.tttt", "password": DEFAULT_PASSWORD}
    )
    assert response.url == reverse("web:workspace")


def test_english_translation(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")
    assert 'lang="en"' in response.text
    assert "Sign in" in response.text
