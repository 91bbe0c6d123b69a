from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.workcalendar import services
from tinhso.core.workcalendar.models import CalendarOverride
from tinhso.core.workcalendar.official import OFFICIAL_DAYS
from tinhso.core.workcalendar.tests.moments import day

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_add_prints_the_resulting_moment():
    assert run("add", "--from", "2027-02-03T09:00", "--days", "5") == "2027-02-17T09:00:00+07:00\n"
    assert run("add", "--from", "2027-02-03T02:00:00+00:00", "--days", "5") == "2027-02-17T09:00:00+07:00\n"
    assert run("add", "--from", "2027-03-03T17:30", "--days", "1") == "2027-03-05T07:00:00+07:00\n"


def test_between_prints_the_number_of_working_days():
    # Bare dates: from the start of 1 February to the end of 28 February (Tết 4–10 February off).
    assert run("between", "--from", "2027-02-01", "--to", "2027-02-28") == "15\n"
    assert run("between", "--from", "2027-03-01", "--to", "2027-03-01") == "1\n"
    assert run("between", "--from", "2027-02-03T09:00", "--to", "2027-02-17T08:59") == "4\n"


def test_days_lists_a_year():
    output = run("days", "--year", "2027")
    lines = output.splitlines()
    assert "2027-02-06  T7  nghỉ      holiday      national  Tết Nguyên Đán" in lines
    assert "2027-05-03  T2  nghỉ      holiday      national  Ngày Quốc tế Lao động (nghỉ bù)" in lines
    assert lines[-1].startswith("Working days in 2027: ")


def test_declare_and_remove():
    output = run("declare", "--date", "2027-03-10", "--kind", "day_off", "--reason", "Nghỉ bầu cử")
    assert output == "Declared 2027-03-10: day_off (Nghỉ bầu cử)\n"
    assert run("add", "--from", "2027-03-09T09:00", "--days", "1") == "2027-03-11T09:00:00+07:00\n"
    assert run("remove", "--date", "2027-03-10") == "Removed the declaration of 2027-03-10\n"
    assert not CalendarOverride.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "--from", "hôm nay", "--days", "1"), "is not a date or moment"),
        (("add", "--from", "2027-02-03T09:00", "--days", "-2"), "workcalendar.invalid_days"),
        (("add", "--from", "2100-02-03T09:00", "--days", "1"), "workcalendar.out_of_range"),
        (
            ("declare", "--date", "2027-03-06", "--kind", "day_off", "--reason", "x"),
            "workcalendar.already_day_off",
        ),
        (("declare", "--date", "10/03/2027", "--kind", "day_off", "--reason", "x"), "is not a date"),
        (("remove", "--date", "2027-03-10"), "workcalendar.override_not_found"),
        (("days", "--year", "1990"), "between 2000 and 2099"),
    ],
)
def test_errors_are_command_errors(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not CalendarOverride.objects.exists()


def test_load_official_is_idempotent():
    assert services.is_working_day(day("2026-01-02"))
    first = run("load-official")
    assert "2026-01-02: declared day_off" in first and "2026-01-10: declared working_day" in first
    assert not services.is_working_day(day("2026-01-02"))
    assert services.is_working_day(day("2026-01-10"))
    second = run("load-official")
    assert second.count("already declared") == len(OFFICIAL_DAYS)
    assert CalendarOverride.objects.count() == len(OFFICIAL_DAYS)
    assert all(
        row.legal_basis.startswith("Văn bản số 12729/VPCP-KGVX") for row in CalendarOverride.objects.all()
    )
