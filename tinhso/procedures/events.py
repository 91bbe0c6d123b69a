"""Events about the procedure catalog: dossiers and the portal follow new and withdrawn procedures."""

from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class FieldSaved(DomainEvent):
    name: ClassVar[str] = "procedures.field_saved"
    code: str
    field_name: str
    created: bool = False


@dataclass(frozen=True)
class ProcedureCreated(DomainEvent):
    name: ClassVar[str] = "procedures.procedure_created"
    code: str
    procedure_name: str
    field_code: str
    online_level: str


@dataclass(frozen=True)
class ProcedureUpdated(DomainEvent):
    name: ClassVar[str] = "procedures.procedure_updated"
    code: str
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProcedureDeactivated(DomainEvent):
    name: ClassVar[str] = "procedures.procedure_deactivated"
    code: str
    active_to: str  # ISO date: the last day new dossiers may be submitted


@dataclass(frozen=True)
class CatalogImported(DomainEvent):
    name: ClassVar[str] = "procedures.catalog_imported"
    job_id: str
    status: str
    created: int = 0
    updated: int = 0
    skipped: int = 0
