from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class CalendarOverrideDeclared(DomainEvent):
    """A day off or a make-up working day was declared (or its reason changed); deadlines may move."""

    name: ClassVar[str] = "workcalendar.override_declared"
    day: str  # ISO date
    kind: str  # "day_off" or "working_day"
    reason: str


@dataclass(frozen=True)
class CalendarOverrideRemoved(DomainEvent):
    name: ClassVar[str] = "workcalendar.override_removed"
    day: str
    kind: str
