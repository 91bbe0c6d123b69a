"""Every write about people, roles and their security settings."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core.accounts import citizen_ids
from tinhso.core.accounts.events import (
    AgencyAccessGranted,
    CitizenRegistered,
    OfficerCreated,
    RoleAssigned,
    RoleRevoked,
    TwoFactorEnrolled,
)
from tinhso.core.accounts.models import AgencyAccessGrant, OfficerRole, Role, User, UserKind
from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, NotFound, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,60}$")
_PHONE = re.compile(r"^(\+84|0)\d{9,10}$")


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "Mật khẩu chưa đủ mạnh: " + " ".join(exc.messages),
            "The password is too weak: " + " ".join(exc.messages),
            code="accounts.weak_password",
        ) from None


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(
            "Địa chỉ thư điện tử không hợp lệ.",
            "The e-mail address is not valid.",
            code="accounts.invalid_email",
        ) from None
    return email


def citizen_username(number: str) -> str:
    """Citizens sign in with their ID number, but it must not sit in clear in the username column."""
    return "cd" + citizen_ids.digest(number)[:24]


def find_citizen(citizen_id: str) -> User | None:
    try:
        number = citizen_ids.validate(citizen_id)
    except ValidationFailed:
        return None
    return User.objects.filter(citizen_id_digest=citizen_ids.digest(number), kind=UserKind.CITIZEN).first()


@transaction.atomic
def register_citizen(
    *, actor: Any, citizen_id: str, full_name: str, password: str, email: str = "", phone: str = ""
) -> User:
    """Create a citizen account identified by a 12-digit citizen ID number."""
    require(actor, "accounts.register_citizen")
    number = citizen_ids.validate(citizen_id)
    full_name = " ".join((full_name or "").split())
    if not full_name or len(full_name) > 150:
        raise ValidationFailed(
            "Họ và tên là bắt buộc (tối đa 150 ký tự).",
            "Full name is required (150 characters at most).",
            code="accounts.invalid_full_name",
        )
    email = _check_email(email)
    phone = re.sub(r"[\s.]", "", phone or "")
    if phone and not _PHONE.match(phone):
        raise ValidationFailed(
            "Số điện thoại không hợp lệ.", "The phone number is not valid.", code="accounts.invalid_phone"
        )
    digest = citizen_ids.digest(number)
    user = User(
        username=citizen_username(number),
        kind=UserKind.CITIZEN,
        full_name=full_name,
        email=email,
        citizen_id_digest=digest,
        citizen_id_encrypted=citizen_ids.encrypt(number),
        citizen_id_last3=number[-3:],
        phone_encrypted=citizen_ids.encrypt(phone) if phone else "",
    )
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(
            "Số định danh này đã có tài khoản.",
            "An account already exists for this ID number.",
            code="accounts.citizen_exists",
        ) from None
    audit.record(
        actor=actor,
        action="accounts.citizen_registered",
        obj=user,
        changes={"full_name": full_name, "citizen_id": "***" + number[-3:]},
    )
    events.publish(CitizenRegistered(user_public_id=str(user.public_id)))
    return user


@transaction.atomic
def create_officer(
    *, actor: Any, username: str, full_name: str, email: str, password: str | None = None
) -> User:
    """Create an officer account; without a password the officer must set one through a reset."""
    require(actor, "accounts.manage_officers")
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise ValidationFailed(
            "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch (3–61 ký tự).",
            "A username is 3–61 lowercase letters, digits, dots, dashes or underscores.",
            code="accounts.invalid_username",
        )
    if User.objects.filter(username=username).exists():
        raise Conflict("Tên đăng nhập đã tồn tại.", "The username is taken.", code="accounts.username_taken")
    user = User(
        username=username,
        kind=UserKind.OFFICER,
        full_name=" ".join(full_name.split()),
        email=_check_email(email),
    )
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor=actor, action="accounts.officer_created", obj=user, changes={"username": username})
    events.publish(OfficerCreated(user_public_id=str(user.public_id)))
    return user


@transaction.atomic
def assign_role(
    *, actor: Any, user: User, agency, role: str, covers_subordinates: bool = False
) -> OfficerRole:
    require(actor, "accounts.manage_officers")
    if role not in Role.values:
        raise ValidationFailed("Vai trò không tồn tại.", "Unknown role.", code="accounts.unknown_role")
    if not user.is_officer:
        raise ValidationFailed(
            "Chỉ gán vai trò cho tài khoản cán bộ.",
            "Roles are for officer accounts only.",
            code="accounts.not_an_officer",
        )
    officer_role, created = OfficerRole.objects.get_or_create(
        user=user, agency=agency, role=role, defaults={"covers_subordinates": covers_subordinates}
    )
    if not created and officer_role.covers_subordinates != covers_subordinates:
        officer_role.covers_subordinates = covers_subordinates
        officer_role.save(update_fields=["covers_subordinates"])
    elif not created:
        return officer_role  # idempotent: same assignment again changes nothing
    user.__dict__.pop("_tinhso_principal", None)
    if role == Role.PLATFORM_ADMIN:
        _sync_admin_flags(user)
    audit.record(
        actor=actor,
        action="accounts.role_assigned",
        obj=user,
        changes={"agency": agency.code, "role": role, "covers_subordinates": covers_subordinates},
    )
    events.publish(
        RoleAssigned(
            user_public_id=str(user.public_id),
            agency_code=agency.code,
            role=role,
            covers_subordinates=covers_subordinates,
        )
    )
    return officer_role


def _sync_admin_flags(user: User) -> None:
    """Django admin checks is_staff/is_superuser; they mirror the platform-admin role and nothing else.

    Entry to the admin site itself is still decided by the "web.admin" rule (TinhsoAdminSite).
    """
    is_admin = OfficerRole.objects.filter(user=user, role=Role.PLATFORM_ADMIN).exists()
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def revoke_role(*, actor: Any, officer_role: OfficerRole) -> None:
    require(actor, "accounts.manage_officers")
    user, agency, role = officer_role.user, officer_role.agency, officer_role.role
    officer_role.delete()
    user.__dict__.pop("_tinhso_principal", None)
    if role == Role.PLATFORM_ADMIN:
        _sync_admin_flags(user)
    audit.record(
        actor=actor, action="accounts.role_revoked", obj=user, changes={"agency": agency.code, "role": role}
    )
    events.publish(RoleRevoked(user_public_id=str(user.public_id), agency_code=agency.code, role=role))


@transaction.atomic
def grant_agency_access(*, actor: Any, grantee, target, action_prefix: str, reason: str) -> AgencyAccessGrant:
    require(actor, "accounts.manage_grants")
    if grantee.pk == target.pk:
        raise ValidationFailed(
            "Cơ quan đã có quyền với dữ liệu của chính mình.",
            "An agency already sees its own data.",
            code="accounts.grant_to_self",
        )
    if not action_prefix or not reason.strip():
        raise ValidationFailed(
            "Cần nêu phạm vi thao tác và lý do cấp quyền.",
            "An action prefix and a reason are required.",
            code="accounts.grant_incomplete",
        )
    grant, _ = AgencyAccessGrant.objects.get_or_create(
        grantee=grantee, target=target, action_prefix=action_prefix, defaults={"reason": reason.strip()}
    )
    audit.record(
        actor=actor,
        action="accounts.agency_access_granted",
        obj=grant,
        changes={
            "grantee": grantee.code,
            "target": target.code,
            "action_prefix": action_prefix,
            "reason": reason,
        },
    )
    events.publish(
        AgencyAccessGranted(grantee_code=grantee.code, target_code=target.code, action_prefix=action_prefix)
    )
    return grant


@transaction.atomic
def change_password(*, actor: Any, user: User, old_password: str, new_password: str) -> None:
    require(actor, "accounts.manage_own_security")
    if not user.check_password(old_password):
        raise ValidationFailed(
            "Mật khẩu hiện tại không đúng.", "The current password is wrong.", code="accounts.wrong_password"
        )
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="accounts.password_changed", obj=user)


# --- Two-factor authentication (TOTP, RFC 6238, via django-otp) -----------------------


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device an officer is enrolling, created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)
    return device


def has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def confirm_totp_enrollment(*, actor: Any, user: User, token: str) -> TOTPDevice:
    require(actor, "accounts.manage_own_security")
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise NotFound(
            "Chưa bắt đầu đăng ký xác thực hai lớp.",
            "No two-factor enrolment is in progress.",
            code="accounts.no_pending_totp",
        )
    if not device.verify_token((token or "").strip()):
        raise ValidationFailed(
            "Mã xác thực không đúng hoặc đã hết hạn.",
            "The code is wrong or expired.",
            code="accounts.invalid_otp",
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=actor, action="accounts.two_factor_enrolled", obj=user)
    events.publish(TwoFactorEnrolled(user_public_id=str(user.public_id)))
    return device


def enroll_demo_totp(user: User, key_hex: str) -> TOTPDevice:
    """Give a demo officer a confirmed TOTP device with a published key. Demo data only."""
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name="Demo", defaults={"key": key_hex, "confirmed": True}
    )
    return device


def new_demo_totp_key() -> str:
    return secrets.token_hex(20)
