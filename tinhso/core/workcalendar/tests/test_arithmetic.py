"""Hand-made cases around Tết, 30/4–1/5, 2/9, weekends, office hours and overrides."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from tinhso.core.errors import ValidationFailed
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar.arithmetic import WorkCalendar, parse_office_hours
from tinhso.core.workcalendar.tests.moments import at, day

HOURS = parse_office_hours("07:00-11:30,13:00-17:00")


@pytest.fixture
def cal():
    return WorkCalendar(hours=HOURS)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Tết Đinh Mùi 2027 (package estimate): 29 Tết Thu 4/2 to mùng 5 Wed 10/2 off.
        ("2027-02-03 09:00", 5, "2027-02-17 09:00"),
        ("2027-02-03 09:00", 1, "2027-02-11 09:00"),
        # Tết Bính Ngọ 2026: off Sat 14/2 to Sun 22/2 (Mon 16 – Fri 20 are the five Tết days).
        ("2026-02-13 10:00", 1, "2026-02-23 10:00"),
        ("2026-02-12 10:00", 2, "2026-02-23 10:00"),
        # 30/4 and 1/5 2026 fall on Thursday and Friday.
        ("2026-04-29 09:00", 1, "2026-05-04 09:00"),
        # Giỗ Tổ 2026 is a Sunday: observed on Monday 27/4.
        ("2026-04-24 09:00", 1, "2026-04-28 09:00"),
        # 2025: Friday 2/5 swapped with Saturday 26/4, a make-up working day.
        ("2025-04-25 09:00", 1, "2025-04-26 09:00"),
        ("2025-04-25 09:00", 4, "2025-05-05 09:00"),
        # Quốc khánh 2026: Monday 31/8 swapped with Saturday 22/8; 1/9 and 2/9 off.
        ("2026-08-21 10:00", 1, "2026-08-22 10:00"),
        ("2026-08-28 10:00", 1, "2026-09-03 10:00"),
        # Quốc khánh 2025: Monday 1/9 and Tuesday 2/9.
        ("2025-08-29 14:00", 1, "2025-09-03 14:00"),
        # Weekends.
        ("2027-03-05 16:00", 1, "2027-03-08 16:00"),
        ("2027-03-01 08:00", 10, "2027-03-15 08:00"),
        # Over the new year: 1/1/2027 is a Friday.
        ("2026-12-31 10:00", 1, "2027-01-04 10:00"),
        # Zero days: the receive moment itself.
        ("2027-03-03 09:15", 0, "2027-03-03 09:15"),
    ],
)
def test_add_working_days(cal, received, days, due):
    assert cal.add_working_days(at(received), days) == at(due)


@pytest.mark.parametrize(
    ("received", "clock_starts"),
    [
        ("2027-03-03 09:00", "2027-03-03 09:00"),  # inside the morning session
        ("2027-03-03 06:30", "2027-03-03 07:00"),  # before opening: the same morning
        ("2027-03-03 11:30", "2027-03-03 13:00"),  # the lunch break: the afternoon session
        ("2027-03-03 12:59", "2027-03-03 13:00"),
        ("2027-03-03 16:59", "2027-03-03 16:59"),
        ("2027-03-03 17:00", "2027-03-04 07:00"),  # closing time is outside office hours
        ("2027-03-03 23:59", "2027-03-04 07:00"),
        ("2027-03-05 18:00", "2027-03-08 07:00"),  # Friday evening: Monday morning
        ("2027-03-06 10:00", "2027-03-08 07:00"),  # Saturday
        ("2027-02-05 10:00", "2027-02-11 07:00"),  # during Tết
    ],
)
def test_receive_moment(cal, received, clock_starts):
    assert cal.receive_moment(at(received)) == at(clock_starts)


def test_after_hours_receipt_counts_from_the_next_working_morning(cal):
    assert cal.add_working_days(at("2027-03-03 17:30"), 5) == at("2027-03-11 07:00")
    assert cal.add_working_days(at("2027-03-06 10:00"), 1) == at("2027-03-09 07:00")


def test_late_receipt_cutoff_is_a_setting(settings):
    settings.WORKCALENDAR_LATE_RECEIPT_CUTOFF = "15:00"
    cal = WorkCalendar()
    assert cal.receive_moment(at("2027-03-03 14:59")) == at("2027-03-03 14:59")
    assert cal.receive_moment(at("2027-03-03 15:00")) == at("2027-03-04 07:00")
    assert cal.add_working_days(at("2027-03-05 15:30"), 1) == at("2027-03-09 07:00")
    settings.WORKCALENDAR_LATE_RECEIPT_CUTOFF = ""
    assert WorkCalendar().receive_moment(at("2027-03-03 15:00")) == at("2027-03-03 15:00")


def test_office_hours_are_a_setting(settings):
    settings.WORKCALENDAR_OFFICE_HOURS = "07:30-11:30,13:30-17:00"
    cal = WorkCalendar()
    assert cal.receive_moment(at("2027-03-03 07:15")) == at("2027-03-03 07:30")
    assert cal.receive_moment(at("2027-03-03 13:15")) == at("2027-03-03 13:30")


@pytest.mark.parametrize(
    ("hours", "cutoff"),
    [("", ""), ("7-11", ""), ("11:30-07:00", ""), ("07:00-12:00,11:00-17:00", ""), ("07:00-17:00", "06:00")],
)
def test_bad_office_hours_are_refused_at_start(hours, cutoff):
    with pytest.raises(ImproperlyConfigured):
        parse_office_hours(hours, cutoff)


def test_province_overrides_move_deadlines():
    plain = WorkCalendar(hours=HOURS)
    assert plain.add_working_days(at("2027-03-03 09:00"), 5) == at("2027-03-10 09:00")
    with_day_off = WorkCalendar({day("2027-03-10"): "day_off"}, hours=HOURS)
    assert with_day_off.add_working_days(at("2027-03-03 09:00"), 5) == at("2027-03-11 09:00")
    with_make_up = WorkCalendar({day("2027-03-06"): "working_day"}, hours=HOURS)
    assert with_make_up.add_working_days(at("2027-03-05 09:00"), 1) == at("2027-03-06 09:00")
    assert with_make_up.receive_moment(at("2027-03-06 08:00")) == at("2027-03-06 08:00")


def test_an_override_can_cancel_a_national_holiday():
    assert not WorkCalendar(hours=HOURS).is_working_day(day("2026-11-24"))
    assert WorkCalendar({day("2026-11-24"): "working_day"}, hours=HOURS).is_working_day(day("2026-11-24"))


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2027-02-01 00:00", "2027-03-01 00:00", 15),  # February 2027 has 15 working days
        ("2027-03-03 09:00", "2027-03-03 09:00", 0),
        ("2027-03-03 09:00", "2027-03-04 08:59", 0),  # partial days do not count
        ("2027-03-03 09:00", "2027-03-04 09:00", 1),
        ("2027-03-03 09:00", "2027-03-03 16:00", 0),
        ("2027-03-03 09:00", "2027-03-05 18:00", 2),  # Friday evening = Monday 07:00, before 09:00
        ("2027-03-03 09:00", "2027-03-10 09:00", 5),
        ("2027-03-10 09:00", "2027-03-03 09:00", -5),
        ("2026-12-30 09:00", "2027-01-05 09:00", 3),  # across the year boundary and 1/1
        ("2025-01-02 09:00", "2027-01-04 09:00", 499),
    ],
)
def test_working_days_between(cal, start, end, count):
    assert cal.working_days_between(at(start), at(end)) == count


def test_working_days_between_agrees_with_add_over_several_years(cal):
    start = at("2025-01-02 09:00")
    assert cal.add_working_days(start, 499) == at("2027-01-04 09:00")


def test_working_days_in_a_month(cal):
    february = cal.working_days_in(2027, 2)
    assert len(february) == 15
    assert day("2027-02-04") not in february and day("2027-02-11") in february
    assert all(d.month == 2 and d.weekday() < 5 for d in february)
    assert cal.working_days_in(2025, 4)[-2:] == [day("2025-04-28"), day("2025-04-29")]
    assert day("2025-04-26") in cal.working_days_in(2025, 4)
    with pytest.raises(ValidationFailed):
        cal.working_days_in(2027, 13)


def test_is_working_day(cal):
    assert cal.is_working_day(day("2027-03-03"))
    assert not cal.is_working_day(day("2027-03-06"))  # Saturday
    assert not cal.is_working_day(day("2027-02-05"))  # Tết
    assert cal.is_working_day(day("2025-04-26"))  # make-up Saturday
    assert not cal.is_working_day(day("2024-09-03"))  # the day next to 2/9 (Labour Code 2019)
    # An aware datetime is read as its Vietnamese date: 2027-03-05 20:00 UTC is Saturday 03:00 in Vietnam.
    assert not cal.is_working_day(dt.datetime(2027, 3, 5, 20, 0, tzinfo=dt.UTC))


def test_other_timezones_are_converted(cal):
    received_utc = dt.datetime(2027, 2, 3, 2, 0, tzinfo=dt.UTC)  # 09:00 in Vietnam
    due = cal.add_working_days(received_utc, 5)
    assert due == at("2027-02-17 09:00")
    assert due.utcoffset() == dt.timedelta(hours=7)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (dt.datetime(2027, 2, 3, 9, 0), "workcalendar.naive_datetime"),
        (dt.date(2027, 2, 3), "workcalendar.not_a_datetime"),
        ("2027-02-03T09:00", "workcalendar.not_a_datetime"),
        (at("2100-01-04 09:00"), "workcalendar.out_of_range"),
        (at("1999-12-31 09:00"), "workcalendar.out_of_range"),
    ],
)
def test_bad_moments_are_refused(cal, value, code):
    with pytest.raises(ValidationFailed) as info:
        cal.add_working_days(value, 1)
    assert info.value.code == code


@pytest.mark.parametrize("days", [-1, 1.5, "3", True, None, arithmetic.MAX_DAYS + 1])
def test_bad_day_counts_are_refused(cal, days):
    with pytest.raises(ValidationFailed) as info:
        cal.add_working_days(at("2027-02-03 09:00"), days)
    assert info.value.code == "workcalendar.invalid_days"


def test_running_past_the_covered_years_is_refused(cal):
    with pytest.raises(ValidationFailed) as info:
        cal.add_working_days(at("2099-12-20 09:00"), 30)
    assert info.value.code == "workcalendar.out_of_range"


def test_national_year_keeps_only_its_own_make_up_days():
    year = arithmetic.national_year(2025)
    assert year.make_up_days == frozenset({day("2025-04-26")})
    assert year.holidays[day("2025-05-02")].startswith("Ngày nghỉ")
