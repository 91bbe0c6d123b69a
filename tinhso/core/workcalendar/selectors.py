"""Reads of the calendar for people: the special days of a year and where each comes from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar.models import CalendarOverride, OverrideKind


@dataclass(frozen=True)
class SpecialDay:
    day: dt.date
    working: bool
    """Whether the day is finally a working day, overrides applied."""
    kind: str
    """holiday (national day off), make_up_day (national make-up Saturday), day_off or working_day (province)."""
    source: str
    """"national" (the `holidays` package) or "province" (a CalendarOverride)."""
    name: str
    legal_basis: str = ""


NATIONAL_LEGAL_BASIS = "Bộ luật Lao động 2019, Điều 111–112; quyết định hằng năm của Thủ tướng Chính phủ"


def overrides(*, year: int | None = None) -> list[CalendarOverride]:
    rows = CalendarOverride.objects.order_by("day")
    if year is not None:
        rows = rows.filter(day__year=year)
    return list(rows)


def special_days(year: int) -> list[SpecialDay]:
    """Every day of ``year`` that is not an ordinary weekday or weekend, in date order.

    National holidays that fall on a weekend are listed too (their observed day off is a separate
    entry). A province override replaces the national entry for its day.
    """
    national = arithmetic.national_year(year)
    calendar = arithmetic.current()
    entries: dict[dt.date, SpecialDay] = {}
    for day, name in national.holidays.items():
        entries[day] = SpecialDay(
            day=day,
            working=calendar.is_working_day(day),
            kind="holiday",
            source="national",
            name=name,
            legal_basis=NATIONAL_LEGAL_BASIS,
        )
    for day in sorted(national.make_up_days):
        entries[day] = SpecialDay(
            day=day,
            working=calendar.is_working_day(day),
            kind="make_up_day",
            source="national",
            name="Ngày làm bù (hoán đổi ngày làm việc)",
            legal_basis="Quyết định hoán đổi ngày làm việc của Thủ tướng Chính phủ",
        )
    for row in overrides(year=year):
        entries[row.day] = SpecialDay(
            day=row.day,
            working=row.kind == OverrideKind.WORKING_DAY,
            kind=row.kind,
            source="province",
            name=row.reason,
            legal_basis=row.legal_basis,
        )
    return [entries[day] for day in sorted(entries)]


def working_day_count(year: int) -> int:
    calendar = arithmetic.current()
    return sum(len(calendar.working_days_in(year, month)) for month in range(1, 13))
