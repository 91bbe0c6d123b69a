"""People: citizens, officers and the roles officers hold in agencies."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.permissions import Principal


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân, doanh nghiệp")
    OFFICER = "officer", _("Cán bộ, công chức")


class Role(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    CLERK = "clerk", _("Văn thư")
    IOC_VIEWER = "ioc_viewer", _("Theo dõi Trung tâm điều hành")
    PLATFORM_ADMIN = "platform_admin", _("Quản trị nền tảng")


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=UserKind.choices, default=UserKind.CITIZEN)
    full_name = models.CharField(max_length=150, blank=True)
    # Citizen ID number: HMAC digest for lookup, Fernet ciphertext for authorised display.
    citizen_id_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    citizen_id_encrypted = models.TextField(blank=True)
    citizen_id_last3 = models.CharField(max_length=3, blank=True)
    phone_encrypted = models.TextField(blank=True)
    preferred_language = models.CharField(max_length=5, default="vi")

    # first_name/last_name do not fit Vietnamese names; full_name replaces them.
    REQUIRED_FIELDS = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_officer(self) -> bool:
        return self.kind == UserKind.OFFICER

    @property
    def is_citizen(self) -> bool:
        return self.kind == UserKind.CITIZEN

    @property
    def masked_citizen_id(self) -> str:
        return f"*********{self.citizen_id_last3}" if self.citizen_id_last3 else ""

    def to_principal(self) -> Principal:
        if not self.is_authenticated or not self.is_active:
            return Principal(kind="anonymous")
        role_map: dict[int, dict[str, bool]] = {}
        if self.is_officer:
            from tinhso.core.accounts.selectors import active_roles_of

            for agency_id, role, covers in active_roles_of(self):
                held = role_map.setdefault(agency_id, {})
                held[role] = held.get(role, False) or covers
        return Principal(
            kind="officer" if self.is_officer else "citizen",
            id=str(self.public_id),
            label=self.username,
            user=self,
            role_map=role_map,
        )

    def has_role(self, role: str) -> bool:
        principal = self.to_principal()
        return any(role in held for held in principal.role_map.values())


class OfficerRole(models.Model):
    """A role an officer holds in one agency; ``covers_subordinates`` extends it down the agency tree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="officer_roles")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="officer_roles")
    role = models.CharField(max_length=30, choices=Role.choices)
    covers_subordinates = models.BooleanField(default=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="officer_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.agency}"


class AgencyAccessGrant(models.Model):
    """Agency ``grantee`` may act on ``target``'s objects for actions starting with ``action_prefix``.

    Used for inter-agency processing (liên thông) and oversight bodies; every grant is explicit,
    dated and audited.
    """

    grantee = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="grants_received")
    target = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="grants_given")
    action_prefix = models.CharField(max_length=100, help_text='e.g. "dossiers." or "dossiers.view"')
    reason = models.CharField(max_length=255)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grantee", "target", "action_prefix"], name="agency_grant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantee} → {self.target} ({self.action_prefix})"
