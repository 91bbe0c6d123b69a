"""Property tests of the working-day arithmetic (hypothesis), with random province overrides."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar.arithmetic import TZ, WorkCalendar, parse_office_hours

HOURS = parse_office_hours("07:00-11:30,13:00-17:00")
HOURS_WITH_CUTOFF = parse_office_hours("07:00-11:30,13:00-17:00", "15:00")

moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31, 23, 59, 59), timezones=st.just(TZ)
)
utc_moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(dt.UTC)
)
day_counts = st.integers(min_value=0, max_value=80)
override_maps = st.dictionaries(
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2029, 6, 30)),
    st.sampled_from(["day_off", "working_day"]),
    max_size=25,
)
# No deadline: the first call of a year builds it from the holidays package, and the machine is shared.
relaxed = settings(deadline=None, max_examples=150)

calendars = st.builds(
    lambda overrides, hours: WorkCalendar(overrides, hours=hours),
    override_maps,
    st.sampled_from([HOURS, HOURS_WITH_CUTOFF]),
)


def reference_add(cal: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """The obvious day-by-day loop, to check the indexed implementation against."""
    moment = cal.receive_moment(start)
    current = moment.date()
    while days:
        current += dt.timedelta(days=1)
        if cal.is_working_day(current):
            days -= 1
    return dt.datetime.combine(current, moment.time(), tzinfo=TZ)


@relaxed
@given(cal=calendars, start=moments | utc_moments, days=day_counts)
def test_matches_the_day_by_day_reference(cal, start, days):
    assert cal.add_working_days(start, days) == reference_add(cal, start, days)


@relaxed
@given(cal=calendars, start=moments, days=day_counts)
def test_result_is_a_working_day_inside_office_hours(cal, start, days):
    result = cal.add_working_days(start, days)
    assert result.utcoffset() == dt.timedelta(hours=7)
    assert cal.is_working_day(result.date())
    assert cal.hours.contains(result.time())
    if cal.hours.cutoff is not None:
        assert result.time() < cal.hours.cutoff


@relaxed
@given(cal=calendars, start=moments, first=day_counts, second=day_counts)
def test_additive(cal, start, first, second):
    assert cal.add_working_days(cal.add_working_days(start, first), second) == cal.add_working_days(
        start, first + second
    )


@relaxed
@given(cal=calendars, a=moments, b=moments, days=day_counts)
def test_monotonic_in_the_start(cal, a, b, days):
    early, late = min(a, b), max(a, b)
    assert cal.add_working_days(early, days) <= cal.add_working_days(late, days)


@relaxed
@given(cal=calendars, start=moments, days=st.integers(min_value=1, max_value=80))
def test_strictly_increasing_in_the_days(cal, start, days):
    assert cal.add_working_days(start, days) > cal.add_working_days(start, days - 1)
    assert cal.add_working_days(start, days) >= start


@relaxed
@given(cal=calendars, start=moments, days=day_counts)
def test_between_inverts_add(cal, start, days):
    assert cal.working_days_between(start, cal.add_working_days(start, days)) == days


@relaxed
@given(cal=calendars, start=moments, days=day_counts, extra=st.timedeltas(min_value=dt.timedelta(0)))
def test_between_counts_whole_days_only(cal, start, days, extra):
    """The count is the largest n with add(start, n) <= end, where an end outside office hours is the
    next opening (the office time elapsed is the same)."""
    end = cal.add_working_days(start, days) + min(extra, dt.timedelta(days=3))
    n = cal.working_days_between(start, end)
    office_end = cal.office_moment(end)
    assert cal.add_working_days(start, n) <= office_end < cal.add_working_days(start, n + 1)


@relaxed
@given(cal=calendars, a=moments, b=moments)
def test_between_is_antisymmetric(cal, a, b):
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a) or a == b


@relaxed
@given(cal=calendars, start=moments)
def test_receive_moment_is_idempotent_and_never_earlier(cal, start):
    moment = cal.receive_moment(start)
    assert moment >= cal.office_moment(start) >= start
    assert cal.receive_moment(moment) == moment == cal.office_moment(moment)


@pytest.mark.django_db
@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, days=day_counts)
def test_public_functions_use_the_same_arithmetic(start, days):
    result = arithmetic.add_working_days(start, days)
    assert result == WorkCalendar().add_working_days(start, days)
    assert arithmetic.working_days_between(start, result) == days
