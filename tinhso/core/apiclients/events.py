from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class ApiClientCreated(DomainEvent):
    name: ClassVar[str] = "apiclients.client_created"
    client_id: str
    client_name: str
    agency_code: str | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class ApiClientSecretRotated(DomainEvent):
    name: ClassVar[str] = "apiclients.client_secret_rotated"
    client_id: str
    tokens_revoked: int


@dataclass(frozen=True)
class ApiClientDeactivated(DomainEvent):
    name: ClassVar[str] = "apiclients.client_deactivated"
    client_id: str
    tokens_revoked: int


@dataclass(frozen=True)
class PersonalTokenCreated(DomainEvent):
    name: ClassVar[str] = "apiclients.personal_token_created"
    token_id: str
    user_public_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class PersonalTokenRevoked(DomainEvent):
    name: ClassVar[str] = "apiclients.personal_token_revoked"
    token_id: str
    user_public_id: str
