"""Events about the agency tree: other apps (documents, dossiers, exchange) follow renames and closures."""

from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class AgencyCreated(DomainEvent):
    name: ClassVar[str] = "agencies.agency_created"
    code: str
    agency_name: str
    kind: str
    parent_code: str | None = None


@dataclass(frozen=True)
class AgencyUpdated(DomainEvent):
    name: ClassVar[str] = "agencies.agency_updated"
    code: str
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgencyClosed(DomainEvent):
    name: ClassVar[str] = "agencies.agency_closed"
    code: str
    valid_to: str  # ISO date: the last day the agency existed
    successor_code: str | None = None
