from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class FileStored(DomainEvent):
    name: ClassVar[str] = "files.stored"
    file_id: str
    purpose: str
    content_type: str
    size: int
    sha256: str
    scan_status: str
    agency_code: str | None = None


@dataclass(frozen=True)
class FileDeleted(DomainEvent):
    name: ClassVar[str] = "files.deleted"
    file_id: str
    purpose: str
