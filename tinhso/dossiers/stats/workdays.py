"""Working days counted inside SQL, so that statistics stay one aggregate query.

The working-day calendar (``tinhso.core.workcalendar``) answers in Python, one moment at a time.
The statistics need "how many working days between receipt and end" for every dossier of a
period at once, so this module turns the calendar into an SQL expression:

* a moment becomes its *local day number* (days since 1970-01-01 in Asia/Ho_Chi_Minh, which has
  had no daylight saving time since 1975, so the offset is a constant +07:00);
* the working days strictly before day ``d`` are the weekdays before it (plain arithmetic) plus a
  correction for the days where the calendar differs from "Monday to Friday": public holidays
  and days off on weekdays count −1, make-up working Saturdays and province overrides +1. The
  corrections are read from the calendar (``workcalendar.services.is_working_day``) for a window
  of years around the period and written into the query as one ``CASE`` (a dozen or so days a
  year, so a few dozen integer comparisons per use).

``EpochSeconds`` / ``local_day`` / ``seconds_of_day`` are ORM expressions; ``WorkingDays.*_sql``,
``day_sql`` and ``seconds_of_day_sql`` write SQL text over integer columns for the aggregate
query of :mod:`.facts`.

Outside the window the correction is constant, so counts between two days both outside it on
the same side ignore the holidays between them (documented in docs/onestop.md).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from django.db import NotSupportedError
from django.db.models import BigIntegerField, Expression, F, Func, Value

from tinhso.core.workcalendar import services as calendar
from tinhso.core.workcalendar.arithmetic import MAX_YEAR, MIN_YEAR, TZ

EPOCH = dt.date(1970, 1, 1)
DAY = 86400
# Asia/Ho_Chi_Minh is UTC+07:00 all year (checked at import: a change would break day numbers).
OFFSET = 7 * 3600
assert all(
    dt.datetime(year, month, 1, tzinfo=TZ).utcoffset() == dt.timedelta(seconds=OFFSET)
    for year in (1990, 2025)
    for month in (1, 7)
)
# Day 0 of the weekday arithmetic is Monday 1969-12-29 (1970-01-01 was a Thursday).
MONDAY_SHIFT = 3


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 00:00 UTC of a timestamp (truncated), NULL stays NULL."""

    arity = 1
    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover - other vendors
        raise NotSupportedError("EpochSeconds is implemented for PostgreSQL and SQLite only")

    def as_postgresql(self, compiler, connection, **extra_context):
        # date_part() answers in float8, much cheaper than EXTRACT's numeric over many rows.
        return super().as_sql(
            compiler,
            connection,
            template="FLOOR(date_part('epoch', %(expressions)s))::bigint",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # unixepoch() exists since SQLite 3.38; Django stores UTC text that it parses directly.
        return super().as_sql(compiler, connection, template="unixepoch(%(expressions)s)", **extra_context)


def local_day(moment: Expression | str) -> Expression:
    """The local day number of a timestamp expression (integer division: epochs are positive)."""
    moment = F(moment) if isinstance(moment, str) else moment
    return (EpochSeconds(moment) + Value(OFFSET)) / Value(DAY)


def seconds_of_day(moment: Expression | str) -> Expression:
    """Seconds since local midnight of a timestamp expression."""
    moment = F(moment) if isinstance(moment, str) else moment
    local = EpochSeconds(moment) + Value(OFFSET)
    return local - (local / Value(DAY)) * Value(DAY)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def _weekdays_before(number: int) -> int:
    m = number + MONDAY_SHIFT
    return 5 * (m // 7) + min(m % 7, 5)


@dataclass(frozen=True)
class WorkingDays:
    """The calendar's exceptions to "Monday to Friday" between two days, ready for SQL."""

    first: dt.date
    last: dt.date
    days: tuple[int, ...]
    """Day numbers where the calendar differs from the weekday rule, ascending."""
    prefix: tuple[int, ...]
    """``prefix[i]``: the correction (sum of +1/−1) of ``days[:i]``."""

    @classmethod
    def for_years(cls, first_year: int, last_year: int) -> WorkingDays:
        first_year, last_year = max(first_year, MIN_YEAR), min(last_year, MAX_YEAR)
        first, last = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
        days, prefix, total = [], [0], 0
        day = first
        while day <= last:
            weekday, working = day.weekday() < 5, calendar.is_working_day(day)
            if weekday != working:
                total += 1 if working else -1
                days.append(day_number(day))
                prefix.append(total)
            day += dt.timedelta(days=1)
        return cls(first, last, tuple(days), tuple(prefix))

    # -- Python mirror (tests compare it with the calendar and with the SQL) -------------------

    def before(self, number: int) -> int:
        """Working days strictly before day ``number`` (from an arbitrary origin)."""
        return _weekdays_before(number) + self.prefix[bisect.bisect_left(self.days, number)]

    # -- SQL text ------------------------------------------------------------------------------
    # The statistics' raw aggregate query computes day numbers once per dossier in a derived
    # table and applies these to them. Only integers produced here and column names chosen by
    # the statistics code are ever written into the text.

    def before_sql(self, day: str) -> str:
        """SQL for :meth:`before` of an integer day-number expression ``day`` (a column name)."""
        m = f"({day} + {MONDAY_SHIFT})"
        remainder = f"({m} - 7 * ({m} / 7))"
        weekdays = f"(5 * ({m} / 7) + CASE WHEN {remainder} < 5 THEN {remainder} ELSE 5 END)"
        if not self.days:
            return weekdays
        # prefix[i] where i = number of exception days before ``day``; a flat CASE evaluated in
        # order (a dozen or so days a year, so a few dozen integer comparisons).
        branches = " ".join(f"WHEN {day} < {d + 1} THEN {self.prefix[i]}" for i, d in enumerate(self.days))
        return f"({weekdays} + CASE {branches} ELSE {self.prefix[-1]} END)"

    def between_sql(self, after_day: str, upto_day: str) -> str:
        """Working days d with ``after_day < d <= upto_day`` (negative when upto is before after)."""
        return f"({self.before_sql(f'({upto_day} + 1)')} - {self.before_sql(f'({after_day} + 1)')})"

    def is_working_sql(self, day: str) -> str:
        """1 when the day is a working day, else 0."""
        return f"({self.before_sql(f'({day} + 1)')} - {self.before_sql(day)})"


def day_sql(epoch: str) -> str:
    """Local day number of an epoch-seconds column."""
    return f"(({epoch} + {OFFSET}) / {DAY})"


def seconds_of_day_sql(epoch: str) -> str:
    """Seconds since local midnight of an epoch-seconds column."""
    return f"(({epoch} + {OFFSET}) - (({epoch} + {OFFSET}) / {DAY}) * {DAY})"
