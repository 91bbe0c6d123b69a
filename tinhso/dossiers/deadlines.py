"""Deadline arithmetic of dossiers: fractional working days, the stopped clock, and on-time status.

The working-day calendar (``tinhso.core.workcalendar``) counts whole working days. A route step
may have a share of half a day, and the time a dossier waited for the applicant's supplement is
measured in office time, so this module adds *office minutes*: the time inside office sessions
(by default 07:00–11:30 and 13:00–17:00, 510 minutes a working day) on working days.

``add_working_time(x, Decimal("1.5"))`` is ``add_working_days(x, 1)`` followed by half a working
day of office time; ``add_office_minutes(x, k * minutes_per_day())`` lands where
``add_working_days(x, k)`` does for any ``x`` inside office hours.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar

TWO_PLACES = Decimal("0.01")


class DeadlineStatus(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Trễ hạn")
    OVERDUE = "overdue", _("Quá hạn (chưa xong)")
    IN_TIME = "in_time", _("Đang trong hạn")
    NO_DEADLINE = "no_deadline", _("Chưa có hạn")
    PAUSED = "paused", _("Tạm dừng tính thời gian")


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def minutes_per_day() -> int:
    return sum(_minutes(end) - _minutes(start) for start, end in arithmetic.office_hours().sessions)


def _sessions_on(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (
            dt.datetime.combine(day, start, tzinfo=arithmetic.TZ),
            dt.datetime.combine(day, end, tzinfo=arithmetic.TZ),
        )
        for start, end in arithmetic.office_hours().sessions
    ]


def add_office_minutes(start: dt.datetime, minutes: int) -> dt.datetime:
    """The moment ``minutes`` of office time after ``start`` (taken as the next office moment).

    A result that would fall exactly on the end of a session is moved to the start of the next
    session, as ``add_working_days`` lands on office openings.
    """
    if minutes < 0:
        raise ValueError("minutes must be >= 0")
    moment = calendar.office_moment(start)
    remaining = int(minutes)
    while True:
        for session_start, session_end in _sessions_on(moment.date()):
            if moment >= session_end:
                continue
            moment = max(moment, session_start)
            available = int((session_end - moment).total_seconds() // 60)
            if remaining < available:
                return moment + dt.timedelta(minutes=remaining)
            remaining -= available
            moment = session_end
        next_day = calendar.next_working_day(moment.date())
        moment = dt.datetime.combine(next_day, arithmetic.office_hours().opening, tzinfo=arithmetic.TZ)
        if remaining == 0:
            return moment


def office_minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    """Office minutes from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
    begin = calendar.office_moment(start)
    finish = calendar.office_moment(end)
    if finish <= begin:
        return 0
    total = 0
    day = begin.date()
    while day <= finish.date():
        if calendar.is_working_day(day):
            for session_start, session_end in _sessions_on(day):
                lo, hi = max(session_start, begin), min(session_end, finish)
                if hi > lo:
                    total += int((hi - lo).total_seconds() // 60)
        day += dt.timedelta(days=1)
    return total


def minutes_to_days(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(minutes_per_day())).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def add_working_time(start: dt.datetime, days: Decimal | int) -> dt.datetime:
    """``days`` working days (fractions allowed) after the receive moment of ``start``."""
    days = Decimal(days)
    if days < 0:
        raise ValueError("days must be >= 0")
    whole = int(days)
    moment = calendar.add_working_days(start, whole)
    fraction = days - whole
    if fraction:
        moment = add_office_minutes(
            moment, int((fraction * minutes_per_day()).to_integral_value(ROUND_HALF_UP))
        )
    return moment


def status_of(
    *,
    due: dt.datetime | None,
    finished: dt.datetime | None,
    now: dt.datetime,
    paused: bool = False,
) -> str:
    """On-time status of something due at ``due`` that finished at ``finished`` (None: still open).

    Finished: early when at least one whole working day before the deadline, on time when not
    after it, late otherwise. Open: overdue once ``now`` is past the deadline; paused while the
    clock is stopped (waiting for a supplement), else in time. Supplement time is already added
    to the due dates when the supplement arrives, so it is not counted against anyone.
    """
    if due is None:
        return DeadlineStatus.NO_DEADLINE
    if finished is not None:
        if finished > due:
            return DeadlineStatus.LATE
        if calendar.working_days_between(finished, due) >= 1:
            return DeadlineStatus.EARLY
        return DeadlineStatus.ON_TIME
    if paused:
        return DeadlineStatus.PAUSED
    return DeadlineStatus.OVERDUE if now > due else DeadlineStatus.IN_TIME
