"""The operations center's figures, read from its read models (``Counter``, ``OpenItem``).

Every function answers with a constant number of small queries whatever the number of dossiers:
sums of counters over a period, grouped as asked, and counts of open items. Values carry the
numbers they were computed from and the KPI's formula, so a screen can say how each number was
made. See docs/ioc.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from tinhso.core.errors import NotFound, PermissionDenied, ValidationFailed
from tinhso.core.permissions import can, require, visible_agency_ids
from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.ioc import sources as registry
from tinhso.ioc.models import Counter, Grain, OpenItem
from tinhso.ioc.sources import COUNT, OPEN, OVERDUE, RATIO, Kpi

VIEW = "ioc.view"
PERIODS = ("today", "week", "month", "year")
GRAINS = ("day", "week", "month")
BREAKDOWNS = ("agency", "subject", "unit")
MAX_SERIES_DAYS = 3 * 366


def _invalid(field_name: str, vi: str, en: str) -> ValidationFailed:
    return ValidationFailed(vi, en, code="ioc.invalid", details={"field": field_name})


# -- Scope --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a request may read: ``agency_ids`` None = every agency; ``public`` = anonymous reader
    (public KPIs, province totals only)."""

    agency_ids: frozenset[int] | None
    public: bool = False


def resolve_scope(actor: Any, agency_ids=None) -> Scope:
    """Officers with ``ioc.view`` see the agencies of their roles (asking for another agency is a
    403); anyone else gets the public scope (public KPIs, province totals)."""
    from tinhso.core.agencies.selectors import descendant_ids

    if not can(actor, VIEW):
        if agency_ids:
            require(actor, VIEW)  # raises: breakdowns and agencies are internal
        return Scope(agency_ids=None, public=True)
    visible = visible_agency_ids(actor, VIEW)
    if agency_ids:
        requested = {int(a) for a in agency_ids}
        if visible is not None and not requested <= visible:
            raise PermissionDenied(
                "Bạn không có quyền xem số liệu của cơ quan này.",
                "You may not see the figures of this agency.",
                code="ioc.forbidden_agency",
            )
        ids = descendant_ids(requested)
        if visible is not None:
            ids &= visible
        return Scope(frozenset(ids))
    return Scope(None if visible is None else frozenset(visible))


def _counters(scope: Scope):
    qs = Counter.objects.all()
    if scope.agency_ids is not None:
        qs = qs.filter(agency_id__in=sorted(scope.agency_ids))
    return qs


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _slice(first: dt.date, last: dt.date, *, by_subject: bool = False) -> Q:
    """The counters of [first, last] at the cheapest grains: the whole months inside it from the
    month grain, the days at either end from the day grain (each increment is in both)."""
    month_grain, day_grain = (
        (Grain.MONTH, Grain.DAY) if by_subject else (Grain.MONTH_AGENCY, Grain.DAY_AGENCY)
    )
    months = []
    month = first if first.day == 1 else _next_month(first)
    while _next_month(month) - dt.timedelta(days=1) <= last:
        months.append(month)
        month = _next_month(month)
    if not months:
        return Q(grain=day_grain, day__gte=first, day__lte=last)
    condition = Q(grain=month_grain, day__gte=months[0], day__lte=months[-1])
    if first < months[0]:
        condition |= Q(grain=day_grain, day__gte=first, day__lt=months[0])
    after = _next_month(months[-1])
    if after <= last:
        condition |= Q(grain=day_grain, day__gte=after, day__lte=last)
    return condition


def _open_items(scope: Scope):
    qs = OpenItem.objects.all()
    if scope.agency_ids is not None:
        qs = qs.filter(agency_id__in=sorted(scope.agency_ids))
    return qs


# -- Periods ------------------------------------------------------------------------------------


def local_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(TZ).date()


def period_days(period: str, today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(first, last) of the period to date, and of the previous period of the same length
    (today vs yesterday; this week/month/year to date vs the same days of the previous one)."""
    if period == "today":
        return (today, today), (today - dt.timedelta(days=1),) * 2
    if period == "week":
        first = today - dt.timedelta(days=today.weekday())
        return (first, today), (first - dt.timedelta(days=7), today - dt.timedelta(days=7))
    if period == "month":
        first = today.replace(day=1)
        previous_last_month = first - dt.timedelta(days=1)
        previous_first = previous_last_month.replace(day=1)
        previous_today = previous_first.replace(day=min(today.day, previous_last_month.day))
        return (first, today), (previous_first, previous_today)
    if period == "year":
        first = today.replace(month=1, day=1)
        try:
            previous_today = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            previous_today = today.replace(year=today.year - 1, day=28)
        return (first, today), (first.replace(year=today.year - 1), previous_today)
    raise _invalid(
        "period", "Kỳ không hợp lệ (today, week, month, year).", "Unknown period (today, week, month, year)."
    )


# -- Values -------------------------------------------------------------------------------------


@dataclass
class KpiValue:
    code: str
    source: str
    label_vi: str
    label_en: str
    kind: str
    unit: str
    value: float | int | None
    numerator: int | None
    denominator: int | None
    previous: float | int | None = None
    formula_vi: str = ""
    formula_en: str = ""
    higher_is_better: bool = True
    public: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def change(self) -> float | int | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 4)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["change"] = self.change
        return data


def _value(kpi: Kpi, numerator: int, denominator: int) -> float | int | None:
    if kpi.kind == COUNT:
        return numerator
    if not denominator:
        return None
    return round(numerator / denominator, 4 if kpi.kind == RATIO else 2)


def _metric_sums(scope: Scope, metrics: set[str], first: dt.date, last: dt.date) -> dict[str, int]:
    rows = (
        _counters(scope)
        .filter(_slice(first, last), metric__in=sorted(metrics))
        .values("metric")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {row["metric"]: int(row["total"] or 0) for row in rows}


def _open_counts(scope: Scope, now: dt.datetime) -> dict[str, tuple[int, int]]:
    rows = (
        _open_items(scope)
        .values("source")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
        .order_by()
    )
    return {row["source"]: (row["open"], row["overdue"]) for row in rows}


def _kpis(scope: Scope, codes=None) -> list[tuple[registry.DataSource, Kpi]]:
    chosen = [
        (source, kpi)
        for source, kpi in registry.all_kpis()
        if (codes is None or kpi.code in codes) and (kpi.public or not scope.public)
    ]
    return chosen


def _make(source, kpi: Kpi, value, numerator, denominator, previous=None) -> KpiValue:
    return KpiValue(
        code=kpi.code,
        source=source.code,
        label_vi=kpi.label_vi,
        label_en=kpi.label_en,
        kind=kpi.kind,
        unit=kpi.unit,
        value=value,
        numerator=numerator,
        denominator=denominator,
        previous=previous,
        formula_vi=kpi.formula_vi,
        formula_en=kpi.formula_en,
        higher_is_better=kpi.higher_is_better,
        public=kpi.public,
    )


def overview(
    actor: Any, *, period: str = "today", agency_ids=None, now: dt.datetime | None = None, kpi_codes=None
) -> list[KpiValue]:
    """Every KPI of every source for the period to date, with the previous period's value.
    Three queries: the period's sums, the previous period's sums, the open items."""
    scope = resolve_scope(actor, agency_ids)
    now = now or timezone.now()
    (first, last), (previous_first, previous_last) = period_days(period, local_today(now))
    chosen = _kpis(scope, kpi_codes)
    metrics = {m for _, kpi in chosen for m in (kpi.numerator, kpi.denominator) if m}
    current = _metric_sums(scope, metrics, first, last) if metrics else {}
    previous = _metric_sums(scope, metrics, previous_first, previous_last) if metrics else {}
    open_counts = _open_counts(scope, now) if any(k.kind in (OPEN, OVERDUE) for _, k in chosen) else {}
    values = []
    for source, kpi in chosen:
        if kpi.kind in (OPEN, OVERDUE):
            opened, overdue = open_counts.get(source.code, (0, 0))
            count = opened if kpi.kind == OPEN else overdue
            values.append(_make(source, kpi, count, count, None))
            continue
        numerator, denominator = current.get(kpi.numerator, 0), current.get(kpi.denominator, 0)
        before = _value(kpi, previous.get(kpi.numerator, 0), previous.get(kpi.denominator, 0))
        values.append(_make(source, kpi, _value(kpi, numerator, denominator), numerator, denominator, before))
        values[-1].extra = {"date_from": first.isoformat(), "date_to": last.isoformat()}
    return values


def _kpi(code: str, scope: Scope) -> tuple[registry.DataSource, Kpi]:
    found = registry.find_kpi(code)
    if found is None or (scope.public and not found[1].public):
        raise NotFound("Không tìm thấy chỉ số.", "The KPI was not found.", code="ioc.unknown_kpi")
    return found


def _check_days(date_from: dt.date, date_to: dt.date, limit: int = MAX_SERIES_DAYS) -> None:
    if date_from > date_to:
        raise _invalid(
            "date_from", "Ngày bắt đầu phải trước ngày kết thúc.", "The start must not be after the end."
        )
    if (date_to - date_from).days > limit:
        raise _invalid("date_to", f"Khoảng thời gian tối đa {limit} ngày.", f"At most {limit} days.")


def _bucket(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def series(
    actor: Any, kpi_code: str, *, grain: str = "day", date_from: dt.date, date_to: dt.date, agency_ids=None
) -> list[dict[str, Any]]:
    """The KPI per day, week (from Monday) or month over [date_from, date_to]: one query."""
    if grain not in GRAINS:
        raise _invalid(
            "grain", "Độ chi tiết không hợp lệ (day, week, month).", "Unknown grain (day, week, month)."
        )
    _check_days(date_from, date_to)
    scope = resolve_scope(actor, agency_ids)
    _source, kpi = _kpi(kpi_code, scope)
    if kpi.kind in (OPEN, OVERDUE):
        raise _invalid(
            "kpi", "Chỉ số tức thời không có chuỗi thời gian.", "A right-now KPI has no time series."
        )
    rows = (
        _counters(scope)
        .filter(
            Q(grain=Grain.DAY_AGENCY, day__gte=date_from, day__lte=date_to)
            if grain != "month"
            else _slice(date_from, date_to),
            metric__in=[m for m in (kpi.numerator, kpi.denominator) if m],
        )
        .values("day", "metric")
        .annotate(total=Sum("value"))
        .order_by()
    )
    sums: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        sums[_bucket(row["day"], grain)][row["metric"]] += int(row["total"] or 0)
    points = []
    bucket = _bucket(date_from, grain)
    while bucket <= date_to:
        got = sums.get(bucket, {})
        numerator, denominator = got.get(kpi.numerator, 0), got.get(kpi.denominator, 0)
        points.append(
            {
                "period": bucket.isoformat(),
                "value": _value(kpi, numerator, denominator),
                "numerator": numerator,
                "denominator": denominator if kpi.denominator else None,
            }
        )
        if grain == "day":
            bucket += dt.timedelta(days=1)
        elif grain == "week":
            bucket += dt.timedelta(days=7)
        else:
            bucket = (bucket + dt.timedelta(days=32)).replace(day=1)
    return points


@dataclass
class BreakdownRow:
    key: str
    code: str
    name: str
    value: float | int | None
    numerator: int
    denominator: int | None
    drill_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _agency_names(ids) -> dict[int, tuple[str, str]]:
    from tinhso.core.agencies.models import Agency

    return {a.pk: (a.code, a.name) for a in Agency.objects.filter(pk__in=list(ids))}


def _unit_names(ids) -> dict[int, Any]:
    from tinhso.core.units.models import AdministrativeUnit

    return {u.pk: u for u in AdministrativeUnit.objects.filter(pk__in=list(ids))}


def breakdown(
    actor: Any,
    kpi_code: str,
    *,
    by: str = "agency",
    date_from: dt.date,
    date_to: dt.date,
    agency_ids=None,
    subject: str = "",
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[BreakdownRow]:
    """The KPI per agency, subject (procedure) or administrative unit. Units are shown in the
    structure valid on ``as_of`` (default today): a ward of the former structure is counted under
    the unit that covers it on that day (``units.selectors.current_unit_for``), so the same data
    reads "as of" the structure before July 2025 or the current one. Internal (``ioc.view``)."""
    if by not in BREAKDOWNS:
        raise _invalid(
            "by",
            "Cách nhóm không hợp lệ (agency, subject, unit).",
            "Unknown breakdown (agency, subject, unit).",
        )
    _check_days(date_from, date_to)
    scope = resolve_scope(actor, agency_ids)
    if scope.public:
        require(actor, VIEW)
    source, kpi = _kpi(kpi_code, scope)
    column = {"agency": "agency_id", "subject": "subject", "unit": "unit_id"}[by]
    now = now or timezone.now()
    if kpi.kind in (OPEN, OVERDUE):
        qs = _open_items(scope).filter(source=source.code)
        if subject:
            qs = qs.filter(subject=subject)
        if kpi.kind == OVERDUE:
            qs = qs.filter(due_at__lt=now)
        raw = {row[column]: {"n": row["n"]} for row in qs.values(column).annotate(n=Count("id")).order_by()}
        totals = {key: (values["n"], None) for key, values in raw.items()}
    else:
        metrics = [m for m in (kpi.numerator, kpi.denominator) if m]
        fine = by == "subject" or bool(subject)
        qs = _counters(scope).filter(_slice(date_from, date_to, by_subject=fine), metric__in=metrics)
        if subject:
            qs = qs.filter(subject=subject)
        sums: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in qs.values(column, "metric").annotate(total=Sum("value")).order_by():
            sums[row[column]][row["metric"]] += int(row["total"] or 0)
        totals = {
            key: (got.get(kpi.numerator, 0), got.get(kpi.denominator, 0) if kpi.denominator else None)
            for key, got in sums.items()
        }
    if by == "unit":
        totals = _units_as_of(totals, as_of or local_today(now))
    names = _names(by, source, totals.keys())
    rows = []
    for key, (numerator, denominator) in totals.items():
        code, name = names.get(key, (str(key), str(key)))
        value = numerator if kpi.kind in (COUNT, OPEN, OVERDUE) else _value(kpi, numerator, denominator or 0)
        drill = ""
        if by != "unit":
            drill = source.drill_url(
                agency_code=code if by == "agency" else "",
                subject=str(key) if by == "subject" else subject,
                date_from=date_from,
                date_to=date_to,
            )
        rows.append(BreakdownRow(str(key), code, name, value, numerator, denominator, drill))
    better = kpi.higher_is_better
    rows.sort(key=lambda r: (r.value is None, -(r.value or 0) if better else (r.value or 0), r.name))
    return rows


def _names(by: str, source, keys) -> dict[Any, tuple[str, str]]:
    keys = list(keys)
    if by == "agency":
        return _agency_names(keys)
    if by == "unit":
        units = _unit_names([k for k in keys if k])
        return {pk: (unit.code, unit.name) for pk, unit in units.items()} | {0: ("", "Không xác định")}
    names = source.subject_names(keys)
    return {key: (key, names.get(key, key)) for key in keys}


def _units_as_of(
    totals: dict[Any, tuple[int, int | None]], day: dt.date
) -> dict[Any, tuple[int, int | None]]:
    from tinhso.core.units.selectors import current_unit_for

    units = _unit_names([k for k in totals if k])
    mapped: dict[Any, list] = defaultdict(lambda: [0, None])
    for key, (numerator, denominator) in totals.items():
        unit = units.get(key)
        target = current_unit_for(unit, day) if unit is not None else None
        cell = mapped[target.pk if target is not None else 0]
        cell[0] += numerator
        if denominator is not None:
            cell[1] = (cell[1] or 0) + denominator
    return {key: (n, d) for key, (n, d) in mapped.items()}


RANKINGS = ("overdue_agencies", "worst_on_time_subjects")


def ranking(
    actor: Any,
    kind: str,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 10,
    min_resolved: int = 5,
    agency_ids=None,
    now: dt.datetime | None = None,
) -> list[BreakdownRow]:
    """The agencies with the most overdue dossiers now, or the procedures with the worst on-time
    rate over the period (only those with at least ``min_resolved`` resolved dossiers)."""
    now = now or timezone.now()
    today = local_today(now)
    date_to = date_to or today
    date_from = date_from or today.replace(day=1)
    if not 1 <= limit <= 100:
        raise _invalid("limit", "Số dòng từ 1 đến 100.", "The limit is 1 to 100.")
    if kind == "overdue_agencies":
        rows = breakdown(
            actor,
            "onestop.overdue_now",
            by="agency",
            date_from=date_from,
            date_to=date_to,
            agency_ids=agency_ids,
            now=now,
        )
        return [row for row in rows if row.value][:limit]
    if kind == "worst_on_time_subjects":
        rows = breakdown(
            actor,
            "onestop.on_time_rate",
            by="subject",
            date_from=date_from,
            date_to=date_to,
            agency_ids=agency_ids,
            now=now,
        )
        rows = [row for row in rows if (row.denominator or 0) >= min_resolved and row.value is not None]
        rows.sort(key=lambda r: (r.value, -(r.denominator or 0)))
        return rows[:limit]
    raise _invalid("kind", "Bảng xếp hạng không hợp lệ.", "Unknown ranking.")


def kpi_catalogue(actor: Any) -> list[dict[str, Any]]:
    """Every KPI the actor may read, with its formula and source (the "how is it computed")."""
    scope = resolve_scope(actor)
    return [
        {
            "code": kpi.code,
            "source": source.code,
            "source_name_vi": source.name_vi,
            "source_name_en": source.name_en,
            "label_vi": kpi.label_vi,
            "label_en": kpi.label_en,
            "kind": kpi.kind,
            "unit": kpi.unit,
            "public": kpi.public,
            "higher_is_better": kpi.higher_is_better,
            "formula_vi": kpi.formula_vi,
            "formula_en": kpi.formula_en,
            "numerator": kpi.numerator,
            "denominator": kpi.denominator,
        }
        for source, kpi in _kpis(scope)
    ]


def version() -> int:
    """A number that changes whenever a read model changes (for the live screens)."""
    from django.core.cache import cache

    from tinhso.ioc.services import VERSION_KEY

    return int(cache.get(VERSION_KEY) or 0)
