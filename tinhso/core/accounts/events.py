from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class CitizenRegistered(DomainEvent):
    name: ClassVar[str] = "accounts.citizen_registered"
    user_public_id: str


@dataclass(frozen=True)
class OfficerCreated(DomainEvent):
    name: ClassVar[str] = "accounts.officer_created"
    user_public_id: str


@dataclass(frozen=True)
class RoleAssigned(DomainEvent):
    name: ClassVar[str] = "accounts.role_assigned"
    user_public_id: str
    agency_code: str
    role: str
    covers_subordinates: bool


@dataclass(frozen=True)
class RoleRevoked(DomainEvent):
    name: ClassVar[str] = "accounts.role_revoked"
    user_public_id: str
    agency_code: str
    role: str


@dataclass(frozen=True)
class AgencyAccessGranted(DomainEvent):
    name: ClassVar[str] = "accounts.agency_access_granted"
    grantee_code: str
    target_code: str
    action_prefix: str


@dataclass(frozen=True)
class TwoFactorEnrolled(DomainEvent):
    name: ClassVar[str] = "accounts.two_factor_enrolled"
    user_public_id: str
