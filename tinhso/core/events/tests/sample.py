"""Events and subscribers used only by the events app's tests."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from tinhso.core.events.base import DomainEvent


class Size(enum.StrEnum):
    SMALL = "small"
    LARGE = "large"


@dataclass(frozen=True)
class ParcelShipped(DomainEvent):
    name: ClassVar[str] = "tests.parcel_shipped"
    parcel_id: UUID
    shipped_at: datetime
    due_on: date
    weight: Decimal
    size: Size = Size.SMALL
    tags: tuple[str, ...] = ()
    note: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EffectRecorded(DomainEvent):
    """Written by test subscribers as their "own write": it lives in the outbox table, so it is
    rolled back with the subscriber's savepoint exactly like a real subscriber's writes."""

    name: ClassVar[str] = "tests.effect_recorded"
    subscriber: str
    parcel_id: str
