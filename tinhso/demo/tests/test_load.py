import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core.accounts.models import OfficerRole, User, UserKind
from tinhso.core.agencies.models import Agency
from tinhso.core.audit.models import AuditRecord
from tinhso.core.events.models import OutboxEvent
from tinhso.core.units.models import AdministrativeUnit
from tinhso.demo import data, services

pytestmark = pytest.mark.django_db


def _counts():
    counts = {
        model.__name__: model.objects.count()
        for model in (Agency, User, OfficerRole, TOTPDevice, AdministrativeUnit, OutboxEvent)
    }
    # The units loader records every load it runs, changed or not (an operator action); every
    # other audit record means something was written.
    counts["AuditRecord"] = AuditRecord.objects.exclude(action="units.loaded").count()
    return counts


def test_load_builds_the_province_and_is_idempotent(loaded):
    first = _counts()
    assert first["Agency"] == len(data.AGENCIES)
    assert first["User"] == len(data.OFFICERS) + len(data.CITIZENS)
    assert first["TOTPDevice"] == len(data.OFFICERS)
    assert loaded.created["agencies"] == len(data.AGENCIES)
    assert loaded.warnings == []
    assert first["AuditRecord"] >= len(data.AGENCIES) + len(data.OFFICERS)
    assert first["OutboxEvent"] >= len(data.AGENCIES)

    report = services.load_demo()
    assert report.created == {} and report.updated == {}
    assert _counts() == first


def test_agencies_are_linked_to_units_and_successors(loaded):
    province = Agency.objects.get(code="000.00.00.H28")
    assert (province.unit.structure, province.unit.code) == ("legacy", "93")
    assert province.successor.code == "000.00.00.H13"
    assert str(province.valid_to) == "2025-06-30"
    city = Agency.objects.get(code="000.00.00.H13")
    assert (city.unit.structure, city.unit.code) == ("current", "92")
    assert not Agency.objects.filter(unit__isnull=True).exists()
    # Every Hậu Giang body is closed; departments hand over to a Cần Thơ department, directly or
    # through the March 2025 merger.
    for agency in Agency.objects.filter(code__endswith="H28", kind="department"):
        assert agency.valid_to is not None
        end = agency
        while end.successor is not None and end.code.endswith("H28"):
            end = end.successor
        assert end.code.endswith("H13"), agency
    vi_thanh = Agency.objects.get(name="Ủy ban nhân dân Phường I, thành phố Vị Thanh")
    assert vi_thanh.unit.code == "31318"
    assert vi_thanh.successor.name == "Ủy ban nhân dân phường Vị Thanh"
    assert vi_thanh.successor.unit.code == "31321"
    assert Agency.objects.filter(kind="district_committee").count() == 8


def test_load_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo", "load")
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo", "logins")
    assert Agency.objects.count() == 0 and User.objects.count() == 0
    out = StringIO()
    call_command("demo", "load", "--force", stdout=out)
    assert "Demo province loaded" in out.getvalue()
    assert Agency.objects.count() == len(data.AGENCIES)


def test_totp_keys_are_stable_across_loads(loaded):
    before = {d.user.username: d.key for d in TOTPDevice.objects.select_related("user")}
    services.load_demo()
    after = {d.user.username: d.key for d in TOTPDevice.objects.select_related("user")}
    assert before == after
    assert before["ct.motcua"] == services.demo_totp_key("ct.motcua")
    assert len(set(before.values())) == len(before)


def test_logins_print_usernames_and_codes_that_verify(loaded, settings):
    settings.DEBUG = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    out = StringIO()
    call_command("demo", "logins", stdout=out)
    text = out.getvalue()
    for officer in data.OFFICERS:
        assert officer.username in text
    for citizen in data.CITIZENS:
        assert citizen.citizen_id in text
    assert data.DEMO_PASSWORD in text
    line = next(line for line in text.splitlines() if line.startswith("ct.motcua "))
    secret, code = line.split()[-2:]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert re.fullmatch(r"\d{6}", code)
    device = TOTPDevice.objects.get(user__username="ct.motcua")
    assert device.verify_token(code)


def test_demo_officer_and_citizen_sign_in(loaded, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    officer = next(o for o in data.OFFICERS if o.username == "pvithanh.motcua")
    response = client.post(
        reverse("web:login"), {"username": officer.username, "password": data.DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("web:login_otp")
    login = next(x for x in services.demo_logins() if x.username == officer.username)
    response = client.post(reverse("web:login_otp"), {"otp_token": login.totp_code})
    assert response.status_code == 302
    page = client.get(reverse("web:workspace"))
    assert page.status_code == 200
    assert "Trung tâm Phục vụ hành chính công phường Vị Thanh" in page.content.decode()

    client.logout()
    citizen = data.CITIZENS[0]
    response = client.post(
        reverse("web:login"), {"username": citizen.citizen_id, "password": data.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.kind == UserKind.CITIZEN and user.full_name == citizen.full_name


def test_demo_platform_admin_may_manage_agencies(loaded):
    from tinhso.core.permissions import can

    assert can(User.objects.get(username="ct.quantri"), "agencies.manage")
    assert not can(User.objects.get(username="ct.motcua"), "agencies.manage")
    ioc = User.objects.get(username="ct.ioc")
    ward = Agency.objects.get(name="Ủy ban nhân dân phường Vị Thanh")
    assert ward.pk in ioc.to_principal().agencies_with_any_role(["ioc_viewer"])
