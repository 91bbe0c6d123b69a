"""Working-day arithmetic: which days are working days, and moments N working days apart.

The rules (see docs/calendar.md for their legal sources):

* A day is a working day when it is Monday–Friday and not a public holiday or observed/substituted day
  off known to ``holidays.Vietnam``, or when it is a make-up Saturday the package knows; then the
  province's :class:`~tinhso.core.workcalendar.models.CalendarOverride` rows win over all of that.
* The legal clock runs from the *receive moment*: the moment itself inside office hours, otherwise the
  start of the next office session (the afternoon session after the lunch break, or the next working
  morning). With a late-receipt cut-off (setting), a receipt at or after it counts from the next
  working morning.
* ``add_working_days(x, n)`` is the n-th working day after the receive moment's day, at the receive
  moment's clock time; ``working_days_between(a, b)`` counts whole working days only, so that
  ``working_days_between(x, add_working_days(x, n)) == n`` for every x.

Everything is computed in Asia/Ho_Chi_Minh (no daylight saving time: always UTC+7). Naive datetimes
are refused. The set of working days of each year is computed once per process and per version of
the overrides: the one-stop office calls :func:`add_working_days` for every dossier, so no call may
cost a database query (see :func:`current`).
"""

from __future__ import annotations

import bisect
import calendar as stdlib_calendar
import datetime as dt
import functools
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver

from tinhso.core.errors import ValidationFailed

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
"""UTC+7 without daylight saving time since 1975, so adding days never meets a DST gap."""

# The lunar calendar of the `holidays` package covers these years; outside them Tết is unknown.
MIN_YEAR = 2000
MAX_YEAR = 2099
MAX_DAYS = 2000
VERSION_KEY = "workcalendar:overrides_version"

DEFAULT_OFFICE_HOURS = "07:00-11:30,13:00-17:00"
DEFAULT_VERSION_CHECK_SECONDS = 5.0

DAY_OFF = "day_off"
WORKING_DAY = "working_day"


# --- Office hours ----------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeHours:
    sessions: tuple[tuple[dt.time, dt.time], ...]
    cutoff: dt.time | None = None
    """Receipts at or after this time of a working day count from the next working morning."""

    @property
    def opening(self) -> dt.time:
        return self.sessions[0][0]

    def contains(self, moment: dt.time) -> bool:
        return any(start <= moment < end for start, end in self.sessions)


def _parse_time(text: str, setting: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{setting}: {text!r} is not a time like 07:30") from None


def parse_office_hours(text: str, cutoff: str | None = None) -> OfficeHours:
    """``"07:00-11:30,13:00-17:00"`` (and an optional ``"15:00"`` cut-off) into :class:`OfficeHours`."""
    sessions = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        start_text, sep, end_text = part.partition("-")
        if not sep:
            raise ImproperlyConfigured(f"WORKCALENDAR_OFFICE_HOURS: {part!r} is not like 07:00-11:30")
        start = _parse_time(start_text, "WORKCALENDAR_OFFICE_HOURS")
        end = _parse_time(end_text, "WORKCALENDAR_OFFICE_HOURS")
        if not start < end or (sessions and not sessions[-1][1] <= start):
            raise ImproperlyConfigured(
                "WORKCALENDAR_OFFICE_HOURS: sessions must be increasing and must not overlap"
            )
        sessions.append((start, end))
    if not sessions:
        raise ImproperlyConfigured("WORKCALENDAR_OFFICE_HOURS: at least one session is needed")
    cut = _parse_time(cutoff, "WORKCALENDAR_LATE_RECEIPT_CUTOFF") if cutoff and cutoff.strip() else None
    if cut is not None and cut <= sessions[0][0]:
        # Every moment of the day would move to the next morning, which is itself "late".
        raise ImproperlyConfigured("WORKCALENDAR_LATE_RECEIPT_CUTOFF must be after the office opens")
    return OfficeHours(sessions=tuple(sessions), cutoff=cut)


_office_hours: OfficeHours | None = None


def office_hours() -> OfficeHours:
    global _office_hours
    if _office_hours is None:
        _office_hours = parse_office_hours(
            getattr(settings, "WORKCALENDAR_OFFICE_HOURS", DEFAULT_OFFICE_HOURS),
            getattr(settings, "WORKCALENDAR_LATE_RECEIPT_CUTOFF", ""),
        )
    return _office_hours


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    global _office_hours
    if setting.startswith("WORKCALENDAR_"):
        _office_hours = None


# --- Input checks ----------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            f"Lịch làm việc chỉ tính cho các năm {MIN_YEAR}–{MAX_YEAR}.",
            f"The working calendar covers the years {MIN_YEAR}–{MAX_YEAR} only.",
            code="workcalendar.out_of_range",
        )


def to_local(at: dt.datetime) -> dt.datetime:
    """An aware datetime in Asia/Ho_Chi_Minh; naive datetimes and plain dates are refused."""
    if not isinstance(at, dt.datetime):
        raise ValidationFailed(
            "Cần một thời điểm (ngày và giờ).",
            "A moment (date and time) is required.",
            code="workcalendar.not_a_datetime",
        )
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationFailed(
            "Thời điểm phải có múi giờ.",
            "The moment must be timezone-aware.",
            code="workcalendar.naive_datetime",
        )
    local = at.astimezone(TZ)
    _check_year(local.year)
    return local


def to_day(day: dt.date) -> dt.date:
    """A date; an aware datetime is read as its date in Asia/Ho_Chi_Minh."""
    if isinstance(day, dt.datetime):
        return to_local(day).date()
    if not isinstance(day, dt.date):
        raise ValidationFailed("Cần một ngày.", "A date is required.", code="workcalendar.not_a_date")
    _check_year(day.year)
    return day


def _check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
        raise ValidationFailed(
            f"Số ngày làm việc phải là số nguyên từ 0 đến {MAX_DAYS}.",
            f"The number of working days must be an integer from 0 to {MAX_DAYS}.",
            code="workcalendar.invalid_days",
        )
    return days


# --- The national calendar (the `holidays` package) ------------------------------------


@dataclass(frozen=True)
class NationalYear:
    year: int
    holidays: Mapping[dt.date, str]
    """Public holidays and observed/substituted days off, with their names in Vietnamese."""
    make_up_days: frozenset[dt.date]
    """Weekend days the government turned into working days (làm bù), as far as the package knows."""

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.make_up_days:
            return True
        return day.weekday() < 5 and day not in self.holidays


@functools.cache
def national_year(year: int) -> NationalYear:
    _check_year(year)
    vietnam = holidays.Vietnam(years=year)
    return NationalYear(
        year=year,
        holidays={day: name for day, name in sorted(vietnam.items()) if day.year == year},
        # weekend_workdays also lists swaps of other years the package once computed.
        make_up_days=frozenset(day for day in vietnam.weekend_workdays if day.year == year),
    )


# --- One version of the calendar -------------------------------------------------------


@dataclass(frozen=True)
class _Year:
    working: tuple[int, ...]  # ordinals of the working days, ascending
    working_set: frozenset[int]


class WorkCalendar:
    """The working days for one version of the province's overrides, and the arithmetic on them.

    Immutable once built; years are computed lazily and kept. Office hours are read from settings
    at each call unless given.
    """

    def __init__(
        self, overrides: Mapping[dt.date, str] | None = None, *, hours: OfficeHours | None = None, token=""
    ) -> None:
        self.overrides = dict(overrides or {})
        self.token = token
        self._hours = hours
        self._years: dict[int, _Year] = {}

    @property
    def hours(self) -> OfficeHours:
        return self._hours or office_hours()

    def _year(self, year: int) -> _Year:
        info = self._years.get(year)
        if info is None:
            _check_year(year)
            national = national_year(year)
            working = []
            day = dt.date(year, 1, 1)
            one = dt.timedelta(days=1)
            while day.year == year:
                kind = self.overrides.get(day)
                if kind == WORKING_DAY or (kind != DAY_OFF and national.is_working_day(day)):
                    working.append(day.toordinal())
                day += one
            info = _Year(working=tuple(working), working_set=frozenset(working))
            self._years[year] = info
        return info

    # Days

    def is_working_day(self, day: dt.date) -> bool:
        day = to_day(day)
        return day.toordinal() in self._year(day.year).working_set

    def nth_working_day_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after ``day`` (n >= 1)."""
        year = day.year
        working = self._year(year).working
        index = bisect.bisect_right(working, day.toordinal()) + n - 1
        while index >= len(working):
            index -= len(working)
            year += 1
            working = self._year(year).working
        return dt.date.fromordinal(working[index])

    def count_working_days(self, after: dt.date, upto: dt.date) -> int:
        """Working days d with after < d <= upto."""
        if upto <= after:
            return 0
        first = self._year(after.year).working
        if after.year == upto.year:
            return bisect.bisect_right(first, upto.toordinal()) - bisect.bisect_right(
                first, after.toordinal()
            )
        total = len(first) - bisect.bisect_right(first, after.toordinal())
        for year in range(after.year + 1, upto.year):
            total += len(self._year(year).working)
        return total + bisect.bisect_right(self._year(upto.year).working, upto.toordinal())

    def working_days_in(self, year: int, month: int) -> list[dt.date]:
        if not 1 <= month <= 12:
            raise ValidationFailed("Tháng không hợp lệ.", "Invalid month.", code="workcalendar.invalid_month")
        _check_year(year)
        first = dt.date(year, month, 1).toordinal()
        last = first + stdlib_calendar.monthrange(year, month)[1] - 1
        working = self._year(year).working
        return [
            dt.date.fromordinal(o)
            for o in working[bisect.bisect_left(working, first) : bisect.bisect_right(working, last)]
        ]

    # Moments

    def _normalize(self, local: dt.datetime, cutoff: dt.time | None) -> dt.datetime:
        hours = self.hours
        day, clock = local.date(), local.time()
        if (cutoff is None or clock < cutoff) and day.toordinal() in self._year(day.year).working_set:
            for start, end in hours.sessions:
                if clock < start:
                    return dt.datetime.combine(day, start, tzinfo=TZ)
                if clock < end:
                    return local
        return dt.datetime.combine(self.nth_working_day_after(day, 1), hours.opening, tzinfo=TZ)

    def office_moment(self, at: dt.datetime) -> dt.datetime:
        """``at`` if the office is open then, otherwise the start of the next office session."""
        return self._normalize(to_local(at), None)

    def receive_moment(self, at: dt.datetime) -> dt.datetime:
        """When the legal clock starts for something received at ``at``."""
        return self._normalize(to_local(at), self.hours.cutoff)

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The moment ``days`` working days after the receive moment of ``start``, at its clock time."""
        _check_days(days)
        moment = self.receive_moment(start)
        if days == 0:
            return moment
        day = self.nth_working_day_after(moment.date(), days)
        return dt.datetime.combine(day, moment.time(), tzinfo=TZ)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole working days from the receive moment of ``start`` to ``end``; negative if end < start.

        ``end`` outside office hours counts as the start of the next office session (the office
        time in between is the same), but the late-receipt cut-off applies to ``start`` only.
        """
        local_start, local_end = to_local(start), to_local(end)
        if local_end < local_start:
            return -self.working_days_between(end, start)
        begin = self._normalize(local_start, self.hours.cutoff)
        finish = self._normalize(local_end, None)
        if finish <= begin:
            return 0
        count = self.count_working_days(begin.date(), finish.date())
        if finish.time() < begin.time():
            count -= 1  # the last day has not reached the clock time yet
        return count


# --- The process-wide current calendar, and its invalidation ---------------------------


class _State:
    calendar: WorkCalendar | None = None
    next_check: float = 0.0
    dirty: bool = False


_state = _State()


def _load_overrides() -> dict[dt.date, str]:
    from tinhso.core.workcalendar.models import CalendarOverride

    return dict(CalendarOverride.objects.values_list("day", "kind"))


def _shared_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version or ""


def current() -> WorkCalendar:
    """The calendar with the overrides as they are now, without a database query on most calls.

    Each process keeps the overrides in memory and compares a version token in the shared Django
    cache at most every WORKCALENDAR_VERSION_CHECK_SECONDS; a write bumps the token when its
    transaction commits. Inside the writing transaction, before the commit, the calendar is read
    afresh so the writer sees its own change.
    """
    state = _state
    if state.dirty:
        if connection.in_atomic_block:
            return WorkCalendar(_load_overrides())
        state.dirty = False  # committed or rolled back: the database is the truth again
        state.calendar = None
    calendar = state.calendar
    now = time.monotonic()
    if calendar is None or now >= state.next_check:
        version = _shared_version()
        if calendar is None or version != calendar.token:
            calendar = WorkCalendar(_load_overrides(), token=version)
            state.calendar = calendar
        interval = getattr(settings, "WORKCALENDAR_VERSION_CHECK_SECONDS", DEFAULT_VERSION_CHECK_SECONDS)
        state.next_check = now + float(interval)
    return calendar


def overrides_changed() -> None:
    """Called by the services in the transaction that changed an override."""
    _state.dirty = True
    transaction.on_commit(_publish_new_version)


def _publish_new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _state.calendar = None
    _state.dirty = False


def reset() -> None:
    """Forget the in-process calendar (tests, or after editing overrides outside the services)."""
    _state.calendar = None
    _state.dirty = False
    _state.next_check = 0.0


# --- The public functions --------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    return current().is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    return current().nth_working_day_after(to_day(day), 1)


def working_days_in(year: int, month: int) -> list[dt.date]:
    return current().working_days_in(year, month)


def receive_moment(at: dt.datetime) -> dt.datetime:
    return current().receive_moment(at)


def office_moment(at: dt.datetime) -> dt.datetime:
    return current().office_moment(at)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    return current().add_working_days(start, days)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    return current().working_days_between(start, end)
