"""Events about payments: the module that owns a payable (dossiers) moves on when its fee is paid."""

from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class PaymentSucceeded(DomainEvent):
    name: ClassVar[str] = "payments.payment_succeeded"
    payment_id: str  # the payment's public UUID
    payable_type: str
    payable_id: str
    amount: int  # VND
    receipt_number: str
    agency_code: str | None = None


@dataclass(frozen=True)
class PaymentFailed(DomainEvent):
    """The payment ended without money received: failed, cancelled by the payer, or expired."""

    name: ClassVar[str] = "payments.payment_failed"
    payment_id: str
    payable_type: str
    payable_id: str
    amount: int
    status: str  # "failed", "cancelled" or "expired"
    reason: str = ""
    agency_code: str | None = None
