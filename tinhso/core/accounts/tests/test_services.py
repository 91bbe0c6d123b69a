import pytest

from tinhso.core.accounts import citizen_ids, services
from tinhso.core.accounts.models import OfficerRole, User
from tinhso.core.errors import Conflict, PermissionDenied, ValidationFailed
from tinhso.core.permissions import ANONYMOUS, SYSTEM

pytestmark = pytest.mark.django_db


def test_register_citizen_stores_no_clear_id():
    user = services.register_citizen(
        actor=ANONYMOUS,
        citizen_id="093 201 000 123",
        full_name="  Lê   Thị  Hoa ",
        password="Hoa-mat-khau-2026!",
    )
    user.refresh_from_db()
    assert user.full_name == "Lê Thị Hoa"
    assert user.citizen_id_last3 == "123"
    assert "093201000123" not in user.username
    assert user.citizen_id_digest == citizen_ids.digest("093201000123")
    assert citizen_ids.decrypt(user.citizen_id_encrypted) == "093201000123"
    assert services.find_citizen("093201000123") == user
    assert user.check_password("Hoa-mat-khau-2026!")
    assert user.password.startswith("argon2")


def test_duplicate_citizen_is_a_conflict_and_writes_nothing():
    services.register_citizen(
        actor=ANONYMOUS, citizen_id="093201000124", full_name="A B", password="Mot-mat-khau-dai-1"
    )
    with pytest.raises(Conflict) as info:
        services.register_citizen(
            actor=ANONYMOUS, citizen_id="093201000124", full_name="C D", password="Mot-mat-khau-dai-2"
        )
    assert info.value.code == "accounts.citizen_exists"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"citizen_id": "12345"}, "citizen_id.invalid"),
        ({"full_name": ""}, "accounts.invalid_full_name"),
        ({"password": "123"}, "accounts.weak_password"),
        ({"email": "not-an-email"}, "accounts.invalid_email"),
        ({"phone": "12"}, "accounts.invalid_phone"),
    ],
)
def test_bad_registration_input_is_refused(kwargs, code):
    data = {
        "citizen_id": "093201000125",
        "full_name": "Phạm Văn Nam",
        "password": "Mat-khau-du-manh-9",
    } | kwargs
    with pytest.raises(ValidationFailed) as info:
        services.register_citizen(actor=ANONYMOUS, **data)
    assert info.value.code == code
    assert not User.objects.exists()


def test_only_platform_admins_create_officers(make_officer, agency, platform_admin):
    specialist = make_officer(roles=[(agency, "specialist")])
    with pytest.raises(PermissionDenied):
        services.create_officer(actor=specialist, username="moi.canbo", full_name="Cán bộ mới", email="")
    officer = services.create_officer(
        actor=platform_admin, username="moi.canbo", full_name="Cán bộ mới", email=""
    )
    assert officer.is_officer and not officer.has_usable_password()


def test_platform_admin_role_mirrors_admin_flags(make_officer, agency):
    user = make_officer()
    role = services.assign_role(actor=SYSTEM, user=user, agency=agency, role="platform_admin")
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser
    services.revoke_role(actor=SYSTEM, officer_role=role)
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_assign_role_is_idempotent(make_officer, agency):
    user = make_officer()
    services.assign_role(actor=SYSTEM, user=user, agency=agency, role="leader")
    services.assign_role(actor=SYSTEM, user=user, agency=agency, role="leader")
    assert OfficerRole.objects.filter(user=user).count() == 1


def test_roles_are_for_officers_only(make_citizen, agency):
    citizen = make_citizen()
    with pytest.raises(ValidationFailed):
        services.assign_role(actor=SYSTEM, user=citizen, agency=agency, role="leader")
