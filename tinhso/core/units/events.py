from dataclasses import dataclass
from typing import ClassVar

from tinhso.core.events.base import DomainEvent


@dataclass(frozen=True)
class UnitsLoaded(DomainEvent):
    """The registry was loaded or refreshed from the `vietnam-provinces` package.

    ``province_codes`` is the filter the load was asked for (empty: the whole country).
    """

    name: ClassVar[str] = "units.loaded"
    package_version: str
    data_version: str
    province_codes: tuple[str, ...]
    created: int
    updated: int
    ended: int
    successions_created: int
    successions_updated: int
    successions_removed: int
