"""Events of the one-stop office. Payloads carry dossier codes and agency codes, never personal data."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class DossierSubmitted(DomainEvent):
    name: ClassVar[str] = "dossiers.dossier_submitted"
    code: str
    procedure_code: str
    agency_code: str
    channel: int


@dataclass(frozen=True)
class DossierStateChanged(DomainEvent):
    """Every transition (one line of the control sheet): what a national-portal sync follows."""

    name: ClassVar[str] = "dossiers.state_changed"
    code: str
    action: str
    from_state: str
    to_state: str
    national_status: int
    agency_code: str
    at: datetime


@dataclass(frozen=True)
class DossierReceived(DomainEvent):
    name: ClassVar[str] = "dossiers.dossier_received"
    code: str
    agency_code: str
    received_at: datetime
    appointment_at: datetime


@dataclass(frozen=True)
class DossierRefused(DomainEvent):
    name: ClassVar[str] = "dossiers.dossier_refused"
    code: str
    agency_code: str


@dataclass(frozen=True)
class SupplementRequested(DomainEvent):
    name: ClassVar[str] = "dossiers.supplement_requested"
    code: str
    agency_code: str
    supplement_id: int


@dataclass(frozen=True)
class ResultReady(DomainEvent):
    """The dossier is processed (national status 9): the result waits to be returned."""

    name: ClassVar[str] = "dossiers.result_ready"
    code: str
    agency_code: str


@dataclass(frozen=True)
class DossierExtended(DomainEvent):
    name: ClassVar[str] = "dossiers.dossier_extended"
    code: str
    agency_code: str
    old_appointment_at: datetime
    new_appointment_at: datetime


@dataclass(frozen=True)
class ResultSigned(DomainEvent):
    """A result PDF received a digital signature in the platform (see tinhso/dossiers/signing/)."""

    name: ClassVar[str] = "dossiers.result_signed"
    code: str
    agency_code: str
    result_id: int
    signer: str  # "person" or "organisation"
    certificate_serial: str
    document_sha256: str
    is_signed: bool


@dataclass(frozen=True)
class DossierRated(DomainEvent):
    """The applicant rated the handling of the dossier (1–5), after the result was returned."""

    name: ClassVar[str] = "dossiers.dossier_rated"
    code: str
    agency_code: str
    score: int
