import io

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.accounts.models import OfficerRole, User


@pytest.mark.django_db
def test_create_admin_makes_a_platform_administrator(agency, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Mot-mat-khau-quan-tri-2026\n"))
    out = io.StringIO()
    call_command(
        "accounts", "create-admin", "--username", "quantri.dau", "--full-name", "Lê Quản Trị",
        "--agency", agency.code, "--password-stdin", stdout=out,
    )  # fmt: skip
    user = User.objects.get(username="quantri.dau")
    assert user.check_password("Mot-mat-khau-quan-tri-2026")
    assert OfficerRole.objects.filter(user=user, agency=agency, role="platform_admin").exists()
    assert user.is_staff  # the admin site opens to platform administrators
    assert "quantri.dau" in out.getvalue()


@pytest.mark.django_db
def test_create_admin_with_a_weak_password_creates_nothing(agency, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="too weak"):
        call_command(
            "accounts", "create-admin", "--username", "quantri.yeu", "--full-name", "X",
            "--agency", agency.code, "--password-stdin",
        )  # fmt: skip
    assert not User.objects.filter(username="quantri.yeu").exists()


@pytest.mark.django_db
def test_create_admin_needs_a_known_agency():
    with pytest.raises(CommandError, match="No agency"):
        call_command("accounts", "create-admin", "--username", "a.b", "--full-name", "X", "--agency", "nope")


@pytest.mark.django_db
def test_create_admin_on_a_new_installation_registers_the_agency(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Mot-mat-khau-quan-tri-2026\n"))
    call_command(
        "accounts", "create-admin", "--username", "quantri.moi", "--full-name", "Lê Quản Trị",
        "--agency", "000.00.00.H13", "--agency-name", "Ủy ban nhân dân thành phố Cần Thơ", "--password-stdin",
    )  # fmt: skip
    role = OfficerRole.objects.select_related("agency").get(user__username="quantri.moi")
    assert role.agency.name == "Ủy ban nhân dân thành phố Cần Thơ"
    assert role.role == "platform_admin"
