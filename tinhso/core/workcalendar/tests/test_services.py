import datetime as dt

import pytest
from django.core.cache import cache

from tinhso.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tinhso.core.permissions import ANONYMOUS, SYSTEM, Principal
from tinhso.core.workcalendar import arithmetic, services
from tinhso.core.workcalendar.events import CalendarOverrideDeclared, CalendarOverrideRemoved
from tinhso.core.workcalendar.models import CalendarOverride
from tinhso.core.workcalendar.tests.moments import at, day

pytestmark = pytest.mark.django_db


def test_a_declared_day_off_moves_deadlines(platform_admin, recorded):
    assert services.add_working_days(at("2027-03-03 09:00"), 5) == at("2027-03-10 09:00")
    override = services.declare_day_off(
        actor=platform_admin,
        day=day("2027-03-10"),
        reason="  Nghỉ   bầu cử  ",
        legal_basis="Quyết định số 1/QĐ-UBND",
    )
    assert (override.day, override.kind, override.reason) == (day("2027-03-10"), "day_off", "Nghỉ bầu cử")
    assert not services.is_working_day(day("2027-03-10"))
    assert services.add_working_days(at("2027-03-03 09:00"), 5) == at("2027-03-11 09:00")
    [record] = recorded["audit"]
    assert record["action"] == "workcalendar.day_off_declared"
    assert record["changes"]["day"] == "2027-03-10" and record["obj"] == override
    assert recorded["events"] == [
        CalendarOverrideDeclared(day="2027-03-10", kind="day_off", reason="Nghỉ bầu cử")
    ]


def test_a_declared_make_up_saturday_counts(platform_admin, recorded):
    services.declare_working_day(actor=platform_admin, day=day("2027-03-06"), reason="Làm bù")
    assert services.is_working_day(day("2027-03-06"))
    assert services.add_working_days(at("2027-03-05 09:00"), 1) == at("2027-03-06 09:00")
    assert services.working_days_in(2027, 3)[:4] == [day(f"2027-03-0{n}") for n in (1, 2, 3, 4)]
    assert day("2027-03-06") in services.working_days_in(2027, 3)


def test_removing_an_override_restores_the_national_calendar(platform_admin, recorded):
    services.declare_day_off(actor=platform_admin, day=day("2027-03-10"), reason="Nghỉ")
    services.remove_override(actor=platform_admin, day=day("2027-03-10"))
    assert services.is_working_day(day("2027-03-10"))
    assert not CalendarOverride.objects.exists()
    assert recorded["audit"][-1]["action"] == "workcalendar.override_removed"
    assert recorded["events"][-1] == CalendarOverrideRemoved(day="2027-03-10", kind="day_off")
    with pytest.raises(NotFound) as info:
        services.remove_override(actor=platform_admin, day=day("2027-03-10"))
    assert info.value.code == "workcalendar.override_not_found"


def test_declaring_again_updates_the_reason_and_is_idempotent(platform_admin, recorded):
    services.declare_day_off(actor=platform_admin, day=day("2027-03-10"), reason="Nghỉ")
    services.declare_day_off(actor=platform_admin, day=day("2027-03-10"), reason="Nghỉ")
    assert len(recorded["audit"]) == 1
    services.declare_day_off(
        actor=platform_admin, day=day("2027-03-10"), reason="Nghỉ lễ hội", legal_basis="QĐ 2"
    )
    assert recorded["audit"][-1]["action"] == "workcalendar.override_updated"
    assert CalendarOverride.objects.get().legal_basis == "QĐ 2"


def test_the_other_kind_on_a_declared_day_is_a_conflict(platform_admin, recorded):
    """Reachable when a newer holidays package changes a day's national status under an old row."""
    CalendarOverride.objects.create(day=day("2027-03-06"), kind="day_off", reason="Cũ")
    with pytest.raises(Conflict) as info:
        services.declare_working_day(actor=platform_admin, day=day("2027-03-06"), reason="Làm bù")
    assert info.value.code == "workcalendar.override_exists"
    assert CalendarOverride.objects.get().kind == "day_off"
    assert recorded["audit"] == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"day": day("2027-03-06")}, "workcalendar.already_day_off"),  # a Saturday
        ({"day": day("2027-02-05")}, "workcalendar.already_day_off"),  # Tết
        ({"day": "2027-03-10"}, "workcalendar.not_a_date"),
        ({"day": dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)}, "workcalendar.not_a_date"),
        ({"day": day("2100-03-10")}, "workcalendar.out_of_range"),
        ({"reason": "   "}, "workcalendar.invalid_reason"),
        ({"reason": "x" * 256}, "workcalendar.invalid_reason"),
        ({"legal_basis": "x" * 2001}, "workcalendar.invalid_legal_basis"),
    ],
)
def test_bad_day_off_declarations_are_refused(platform_admin, recorded, kwargs, code):
    data = {"day": day("2027-03-10"), "reason": "Nghỉ"} | kwargs
    with pytest.raises(ValidationFailed) as info:
        services.declare_day_off(actor=platform_admin, **data)
    assert info.value.code == code
    assert not CalendarOverride.objects.exists()
    assert recorded["audit"] == [] and recorded["events"] == []


def test_a_working_day_on_a_working_day_is_refused(platform_admin):
    with pytest.raises(ValidationFailed) as info:
        services.declare_working_day(actor=platform_admin, day=day("2027-03-10"), reason="Làm")
    assert info.value.code == "workcalendar.already_working_day"


def test_check_override_refuses_unknown_kinds():
    with pytest.raises(ValidationFailed) as info:
        services.check_override(day=day("2027-03-10"), kind="holiday", reason="x")
    assert info.value.code == "workcalendar.invalid_kind"


@pytest.mark.parametrize("who", ["anonymous", "specialist", "citizen", "client_without_scope"])
def test_only_administrators_declare(who, specialist, make_citizen, recorded):
    actor = {
        "anonymous": ANONYMOUS,
        "specialist": specialist,
        "citizen": make_citizen(),
        "client_without_scope": Principal(kind="client", id="c1", scopes=frozenset({"dossiers:read"})),
    }[who]
    with pytest.raises(PermissionDenied):
        services.declare_day_off(actor=actor, day=day("2027-03-10"), reason="Nghỉ")
    with pytest.raises(PermissionDenied):
        services.remove_override(actor=actor, day=day("2027-03-10"))
    assert not CalendarOverride.objects.exists()
    assert services.is_working_day(day("2027-03-10"))
    assert [d["action"] for d in recorded["denied"]] == ["workcalendar.manage", "workcalendar.manage"]


def test_a_client_with_the_calendar_scope_may_declare(recorded):
    client = Principal(kind="client", id="c2", scopes=frozenset({"calendar:manage"}))
    services.declare_day_off(actor=client, day=day("2027-03-10"), reason="Nghỉ")
    assert CalendarOverride.objects.filter(day=day("2027-03-10")).exists()


# --- The in-process cache ------------------------------------------------------------------


def test_no_database_query_per_call_once_warm(django_assert_num_queries):
    services.add_working_days(at("2027-02-03 09:00"), 5)  # loads the overrides and the version once
    with django_assert_num_queries(0):
        for hour in range(1000):
            start = at("2027-02-03 09:00") + dt.timedelta(hours=hour)
            services.add_working_days(start, 10)
            services.working_days_between(start, start + dt.timedelta(days=20))


def test_the_writer_sees_its_change_and_the_version_moves_on_commit(
    platform_admin, recorded, django_capture_on_commit_callbacks
):
    services.is_working_day(day("2027-03-10"))
    before = cache.get(arithmetic.VERSION_KEY)
    assert before
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.declare_day_off(actor=platform_admin, day=day("2027-03-10"), reason="Nghỉ")
        assert not services.is_working_day(day("2027-03-10"))  # before the commit
    assert len(callbacks) == 1
    assert cache.get(arithmetic.VERSION_KEY) not in (None, before)
    assert not services.is_working_day(day("2027-03-10"))


def test_another_process_change_is_seen_after_the_version_check(settings):
    """Simulate another app server: it writes the row and bumps the shared version."""
    assert services.is_working_day(day("2027-03-10"))
    CalendarOverride.objects.create(day=day("2027-03-10"), kind="day_off", reason="Nghỉ")
    cache.set(arithmetic.VERSION_KEY, "changed-elsewhere", timeout=None)
    # Within the check interval this process still answers from memory ...
    assert services.is_working_day(day("2027-03-10"))
    # ... and at the next check it reloads.
    settings.WORKCALENDAR_VERSION_CHECK_SECONDS = 0
    arithmetic._state.next_check = 0.0
    assert not services.is_working_day(day("2027-03-10"))


def test_system_actor_may_declare(recorded):
    services.declare_working_day(actor=SYSTEM, day=day("2027-03-06"), reason="Làm bù")
    assert services.next_working_day(day("2027-03-05")) == day("2027-03-06")
