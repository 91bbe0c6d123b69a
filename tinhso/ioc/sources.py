"""The data-source interface: how a module feeds the operations center.

A module contributes one ``DataSource`` (registered at start-up, e.g. from its ``subscribers``
module) that declares:

* its **metrics**: things that happen on a day (a dossier received, a report resolved), counted
  per agency, administrative unit and subject (the module's own grouping: a procedure code for
  the one-stop office, a category for field reports);
* its **KPIs**: what the screen shows, each a count, a ratio or an average of metrics, or a
  count of open items (in progress, overdue now), with its formula in Vietnamese and English
  (every number on the screen links to it) and whether it is public;
* ``replay()``: every increment its history implies, for ``tinhso ioc rebuild`` and for the check
  that incremental and rebuilt figures are equal;
* ``open_items()``: what is open now, for the same rebuild;
* how to name its subjects and where to drill down to the items behind a number.

The module's event subscribers call ``tinhso.ioc.services.record`` and ``sync_open_item``; they
must compute exactly what ``replay`` computes for the same history (the IOC's tests check it
after random event sequences). See docs/ioc.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Metric:
    code: str
    """Globally unique: "<source>.<name>"."""
    label_vi: str
    label_en: str
    description_vi: str
    description_en: str


COUNT, RATIO, AVERAGE, OPEN, OVERDUE = "count", "ratio", "average", "open", "overdue"


@dataclass(frozen=True)
class Kpi:
    code: str
    label_vi: str
    label_en: str
    kind: str
    """count (sum of ``numerator``), ratio (numerator / denominator), average (the same, a score),
    open (open items now), overdue (open items past their deadline now)."""
    formula_vi: str
    formula_en: str
    numerator: str = ""
    denominator: str = ""
    public: bool = False
    """Shown to anyone (province totals only) and in the open JSON."""
    higher_is_better: bool = True
    unit: str = "count"
    """count, percent or score."""


@dataclass(frozen=True)
class Increment:
    metric: str
    day: dt.date
    agency_id: int = 0
    unit_id: int = 0
    subject: str = ""
    delta: int = 1


@dataclass(frozen=True)
class OpenItemState:
    key: str
    agency_id: int
    opened_at: dt.datetime
    due_at: dt.datetime | None = None
    unit_id: int = 0
    subject: str = ""


@dataclass
class DataSource:
    code: str
    name_vi: str
    name_en: str
    metrics: tuple[Metric, ...]
    kpis: tuple[Kpi, ...]
    subscriber_names: tuple[str, ...] = ()
    """The event subscribers that keep this source's counters; a rebuild records the events they
    have not handled yet as handled (the rebuild has read their effect)."""
    subject_label_vi: str = "Nhóm"
    subject_label_en: str = "Group"
    extras: dict = field(default_factory=dict)

    def replay(self) -> Iterable[Increment]:  # pragma: no cover - interface
        raise NotImplementedError

    def open_items(self) -> Iterable[OpenItemState]:  # pragma: no cover - interface
        raise NotImplementedError

    def subject_names(self, codes: Iterable[str]) -> dict[str, str]:
        return {code: code for code in codes}

    def drill_url(self, *, agency_code: str = "", subject: str = "", date_from=None, date_to=None) -> str:
        """Where an officer sees the items behind a number ("" if the source has no list)."""
        return ""


_SOURCES: dict[str, DataSource] = {}


def register(source: DataSource) -> DataSource:
    existing = _SOURCES.get(source.code)
    if existing is not None and type(existing) is not type(source):
        raise ValueError(f"IOC data source {source.code!r} is registered twice")
    metrics, kpis = [m.code for m in source.metrics], [k.code for k in source.kpis]
    if len(metrics) != len(set(metrics)) or len(kpis) != len(set(kpis)):
        raise ValueError(f"IOC data source {source.code!r} repeats a metric or KPI code")
    _SOURCES[source.code] = source
    return source


def sources() -> list[DataSource]:
    return [_SOURCES[code] for code in sorted(_SOURCES)]


def get_source(code: str) -> DataSource:
    return _SOURCES[code]


def find_kpi(code: str) -> tuple[DataSource, Kpi] | None:
    for source in _SOURCES.values():
        for kpi in source.kpis:
            if kpi.code == code:
                return source, kpi
    return None


def all_kpis() -> list[tuple[DataSource, Kpi]]:
    return [(source, kpi) for source in sources() for kpi in source.kpis]
