"""The reporting period of the statistics: whole local days, measured at its end or now.

A period ``[date_from, date_to]`` covers whole days in Asia/Ho_Chi_Minh: it starts at 00:00 of
``date_from`` and ends (exclusively) at 00:00 of the day after ``date_to``. Dossiers still open at
the end of the period are measured at that end, or at the current moment while the period is
still running (the national rule: "chưa có trạng thái hoàn thành → lấy ngày cuối kỳ báo cáo",
and the current day for the current period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers import errors

# Long enough for a multi-year comparison, short enough that the month breakdown stays one
# reasonable query (one UNION branch per month).
MAX_MONTHS = 36


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    start: dt.datetime
    """00:00 of ``date_from``, local time."""
    end: dt.datetime
    """00:00 of the day after ``date_to``, local time (exclusive)."""
    measured_at: dt.datetime
    """Where open dossiers are measured: ``end``, or now while the period runs."""
    now: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.date_from.isoformat()}/{self.date_to.isoformat()}"

    def months(self) -> list[Period]:
        """The period cut at month boundaries (the first and last month may be partial); months
        that have not started yet are left out."""
        parts: list[Period] = []
        first = self.date_from
        while first <= self.date_to:
            next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            last = min(next_month - dt.timedelta(days=1), self.date_to)
            part = make_period(first, last, now=self.now)
            if part.start <= self.now:
                parts.append(part)
            first = next_month
        return parts


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=TZ)


def make_period(date_from: dt.date, date_to: dt.date, *, now: dt.datetime | None = None) -> Period:
    now = now or timezone.now()
    start, end = _midnight(date_from), _midnight(date_to + dt.timedelta(days=1))
    return Period(date_from, date_to, start, end, min(end, max(now, start)), now)


def _as_date(value, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise errors.invalid(
            "stats_invalid_period",
            "Kỳ thống kê phải gồm ngày bắt đầu và ngày kết thúc (YYYY-MM-DD).",
            "The period needs a start day and an end day (YYYY-MM-DD).",
            field=name,
        )
    return value


def period_of(date_from, date_to, *, now: dt.datetime | None = None) -> Period:
    """Validate the requested days and build the period (errors name the faulty field)."""
    date_from, date_to = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
    now = now or timezone.now()
    today = now.astimezone(TZ).date()
    if date_from > date_to:
        raise errors.invalid(
            "stats_invalid_period",
            "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.",
            "The start day must not be after the end day.",
            field="date_from",
        )
    if date_from > today:
        raise errors.invalid(
            "stats_invalid_period",
            "Kỳ thống kê chưa bắt đầu.",
            "The period has not started yet.",
            field="date_from",
        )
    if date_from.year < 2000 or date_to.year > 2099:
        raise errors.invalid(
            "stats_invalid_period",
            "Kỳ thống kê phải nằm trong các năm 2000–2099.",
            "The period must lie within the years 2000–2099.",
            field="date_from",
        )
    months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
    if months > MAX_MONTHS:
        raise errors.invalid(
            "stats_period_too_long",
            f"Kỳ thống kê dài tối đa {MAX_MONTHS} tháng.",
            f"A period covers at most {MAX_MONTHS} months.",
            field="date_to",
            max_months=MAX_MONTHS,
        )
    return make_period(date_from, date_to, now=now)
