"""The base class of every domain event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class DomainEvent:
    """A fact that happened; subclasses are frozen dataclasses with JSON-friendly fields."""

    name: ClassVar[str]
