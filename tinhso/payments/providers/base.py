"""What the platform needs from a payment provider (the national payment platform, a bank, the sandbox).

The flow each provider implements, modelled on the national payment platform (docs/payments.md):

1. ``create``: register a transaction for a payment and return where to send the payer;
2. the payer pays on the provider's pages and is sent back to the platform's return address;
3. ``verify_callback``: the provider notifies the platform server-to-server; the adapter checks
   the signature and turns the body into :class:`CallbackData` (or raises);
4. ``query``: the platform asks the provider for a transaction's status (a lost notification, a
   payer who came back before the notification);
5. ``daily_statement``: the provider's list of the day's transactions, for reconciliation.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from tinhso.payments.models import Payment


class ProviderStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CreatedTransaction:
    """What ``create`` returns: where to send the payer, and the provider's id of the transaction."""

    redirect_url: str
    provider_ref: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CallbackData:
    """A verified notification, in the platform's terms."""

    provider_ref: str
    status: ProviderStatus
    amount: int
    currency: str
    nonce: str
    sent_at: datetime
    provider_txn_no: str = ""
    paid_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryResult:
    status: ProviderStatus
    amount: int | None = None
    provider_txn_no: str = ""
    paid_at: datetime | None = None


@dataclass(frozen=True)
class StatementLine:
    """One line of a provider's daily statement."""

    provider_ref: str
    amount: int
    status: ProviderStatus
    provider_txn_no: str = ""
    paid_at: datetime | None = None


class PaymentProvider(abc.ABC):
    """A payment provider adapter. Subclasses set ``name`` (the key in settings and in the callback
    URL ``/api/v1/payments/callback/<name>``) and ``label`` (shown to people)."""

    name: ClassVar[str]
    label: ClassVar[str]
    is_test: ClassVar[bool] = False
    """True for a simulated provider: its receipts are marked as having no value."""

    def check_available(self) -> None:  # noqa: B027 - available unless an adapter says otherwise
        """Raise :class:`~tinhso.payments.errors.ProviderUnavailable` when it cannot take payments."""

    @abc.abstractmethod
    def create(self, payment: Payment, *, callback_url: str, return_url: str) -> CreatedTransaction:
        """Register a transaction for ``payment`` (its ``public_id`` is the merchant reference, so a
        retried call must not create a second transaction at the provider)."""

    @abc.abstractmethod
    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackData:
        """Check the notification's signature (in constant time) and parse it.

        Raise :class:`~tinhso.payments.errors.CallbackUnsigned`, ``CallbackBadSignature`` or
        ``CallbackMalformed``; never return data whose signature was not verified."""

    @abc.abstractmethod
    def query(self, provider_ref: str) -> QueryResult:
        """The provider's current view of one transaction."""

    @abc.abstractmethod
    def daily_statement(self, day: date) -> list[StatementLine]:
        """Transactions that reached a final status on ``day`` (Vietnam time)."""
