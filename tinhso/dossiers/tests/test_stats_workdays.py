"""The SQL working-day arithmetic of the statistics agrees with the working-day calendar."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.db.models import DateTimeField, Value

from tinhso.core.agencies.models import Agency
from tinhso.core.permissions import SYSTEM
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar
from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers.stats.workdays import (
    WorkingDays,
    day_number,
    day_sql,
    local_day,
    seconds_of_day,
    seconds_of_day_sql,
)

pytestmark = pytest.mark.django_db

INTERESTING = [
    dt.date(2025, 1, 24),  # Friday before Tết 2025
    dt.date(2025, 1, 27),  # Tết
    dt.date(2025, 2, 3),  # first working day after Tết
    dt.date(2025, 4, 25),
    dt.date(2025, 4, 26),  # Saturday made a working day (for Friday 2 May)
    dt.date(2025, 5, 2),
    dt.date(2025, 5, 5),
    dt.date(2025, 8, 29),
    dt.date(2025, 9, 3),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 2),
]


def _sql(expression):
    return Agency.objects.annotate(x=expression).values_list("x", flat=True)[0]


@pytest.fixture
def one_agency(make_agency):
    return make_agency()


def test_python_mirror_matches_the_calendar():
    days = WorkingDays.for_years(2024, 2026)
    rng = random.Random(766)
    pairs = [(a, b) for a in INTERESTING for b in INTERESTING if a <= b]
    start = dt.date(2024, 1, 1)
    for _ in range(200):
        a = start + dt.timedelta(days=rng.randrange(0, 1000))
        pairs.append((a, a + dt.timedelta(days=rng.randrange(0, 60))))
    current = arithmetic.current()
    for after, upto in pairs:
        expected = current.count_working_days(after, upto)
        got = days.before(day_number(upto) + 1) - days.before(day_number(after) + 1)
        assert got == expected, (after, upto)


def _text(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}")
        return cursor.fetchone()[0]


def test_sql_matches_the_python_mirror():
    days = WorkingDays.for_years(2024, 2026)
    for after in INTERESTING:
        for upto in INTERESTING:
            sql = days.between_sql(str(day_number(after)), str(day_number(upto)))
            assert _text(sql) == days.before(day_number(upto) + 1) - days.before(day_number(after) + 1)
        assert _text(days.is_working_sql(str(day_number(after)))) == int(calendar.is_working_day(after))
    moment = int(dt.datetime(2025, 3, 3, 6, 30, 15, tzinfo=TZ).timestamp())
    assert _text(day_sql(str(moment))) == day_number(dt.date(2025, 3, 3))
    assert _text(seconds_of_day_sql(str(moment))) == 6 * 3600 + 30 * 60 + 15


def test_local_day_and_seconds_of_a_moment(one_agency):
    moment = dt.datetime(2025, 3, 3, 6, 30, 15, tzinfo=TZ)  # 23:30:15 UTC the day before
    value = Value(moment, output_field=DateTimeField())
    assert _sql(local_day(value)) == day_number(dt.date(2025, 3, 3))
    assert _sql(seconds_of_day(value)) == 6 * 3600 + 30 * 60 + 15


def test_province_overrides_are_included(one_agency):
    monday = dt.date(2025, 3, 10)
    before = WorkingDays.for_years(2025, 2025)
    calendar.declare_day_off(actor=SYSTEM, day=monday, reason="Nghỉ bù theo quyết định của tỉnh")
    arithmetic.reset()
    after = WorkingDays.for_years(2025, 2025)
    count = lambda days: _text(  # noqa: E731
        days.between_sql(str(day_number(dt.date(2025, 3, 7))), str(day_number(dt.date(2025, 3, 11))))
    )
    assert (count(before), count(after)) == (2, 1)
