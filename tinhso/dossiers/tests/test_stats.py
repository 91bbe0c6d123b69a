"""The one-stop office's statistics on hand-made dossiers whose every figure is known in advance.

March 2025 has no public holiday; 3 March is a Monday. A 5-working-day procedure received on
Monday 3 March at 08:00 is due on Monday 10 March at 08:00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tinhso.core.errors import NotFound, PermissionDenied, ValidationFailed
from tinhso.core.permissions import SYSTEM
from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers.models import DossierState
from tinhso.dossiers.stats import dossier_stats
from tinhso.dossiers.tests import test_stats_support as support
from tinhso.dossiers.tests.test_stats_support import LATER, MARCH, at, make_dossier

# The shared fixtures (pytest finds them by these names).
_calendar_loaded, world, march = support._calendar_loaded, support.world, support.march

pytestmark = pytest.mark.django_db

S = DossierState
# The agency look-up, the read model's day marks (empty here: nothing materialised), the
# aggregate over the dossiers (with, on PostgreSQL, the SET LOCAL that turns JIT off, inside a
# savepoint when already in a transaction) and the one over ratings.
MAX_QUERIES = 7


def _one(rows):
    assert len(rows) == 1
    return rows[0]


def test_agency_a_figures_are_exact(world, march, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        row = _one(dossier_stats(actor=SYSTEM, **MARCH, group_by=None, agency_ids=[world["a"].pk], now=LATER))
    assert row.carried_over == 1
    assert (row.received, row.received_counter, row.received_online, row.received_postal) == (12, 10, 1, 1)
    assert row.to_handle == 13
    assert row.resolved == 9
    assert (row.resolved_early, row.resolved_on_time, row.resolved_late) == (3, 3, 3)
    assert (row.in_progress, row.in_progress_in_time, row.in_progress_overdue) == (4, 2, 2)
    assert (row.refused, row.withdrawn, row.stopped) == (1, 1, 1)
    assert row.on_time_rate == round(8 / 13, 4)
    assert row.online_rate == round(1 / 12, 4)
    assert (row.fee_dossiers, row.paid_online, row.online_payment_rate) == (4, 1, 0.25)
    # Processed dossiers received in March, in working days from receipt to processing minus the
    # days waited for supplements: on_time 5, early 3, one_supplement 10 − 5, two_supplements
    # 4 − 2, finished_after 11 (processed in April: counted, as the national rule says),
    # legacy_late 5, legacy_early 4.
    assert (row.processed_count, row.avg_processing_days) == (7, round(35 / 7, 2))
    assert (row.ratings, row.satisfaction_avg, row.satisfied) == (2, 3.5, 1)


def test_each_dossier_lands_in_its_bucket(world, march):
    """The same figures, dossier by dossier: filter on one procedure at a time."""

    def figures(**kwargs):
        return _one(dossier_stats(actor=SYSTEM, **MARCH, group_by=None, now=LATER, **kwargs))

    paid = figures(procedure_code="9.000001")
    # on_time, late (stopped), early, one_supplement
    assert (paid.resolved_early, paid.resolved_on_time, paid.resolved_late) == (1, 2, 1)
    assert paid.in_progress == 0
    free_a = figures(procedure_code="9.000002", agency_ids=[world["a"].pk])
    # two_supplements and legacy_late late; withdrawn and legacy_early early; carried on time.
    assert (free_a.resolved_early, free_a.resolved_on_time, free_a.resolved_late) == (2, 1, 2)
    assert (free_a.in_progress_in_time, free_a.in_progress_overdue) == (2, 2)


def test_period_running_now_measures_open_dossiers_now(world, march):
    # On 24 March at noon only "open_overdue" (due 24 March 08:00) is overdue: "finished_after"
    # is due on 25 March and "paused" has not asked for its supplement yet (due 27 March).
    # ("open_in_time" carries a later receipt date: the hand-made data does not care.)
    row = _one(
        dossier_stats(actor=SYSTEM, **MARCH, group_by=None, agency_ids=[world["a"].pk], now=at(3, 24, 12))
    )
    assert (row.in_progress, row.in_progress_in_time, row.in_progress_overdue) == (4, 3, 1)


def test_breakdowns(world, march, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        by_agency = dossier_stats(actor=SYSTEM, **MARCH, group_by="agency", now=LATER)
    assert [(r.key, r.name, r.to_handle, r.resolved_late) for r in by_agency] == [
        ("000.00.11.T99", "Sở A", 13, 3),
        ("000.00.12.T99", "Sở B", 3, 2),
    ]
    by_procedure = dossier_stats(actor=SYSTEM, **MARCH, group_by="procedure", now=LATER)
    assert [(r.key, r.received, r.fee_dossiers, r.paid_online, r.ratings) for r in by_procedure] == [
        ("9.000001", 4, 4, 1, 2),
        ("9.000002", 11, 0, 0, 0),
    ]
    by_field = dossier_stats(actor=SYSTEM, **MARCH, group_by="field", now=LATER)
    assert [(r.key, r.name, r.to_handle) for r in by_field] == [("HT", "Hộ tịch", 4), ("XD", "Xây dựng", 12)]
    assert sum(r.to_handle for r in by_field) == sum(r.to_handle for r in by_agency) == 16
    # Agency B: "b_late" and "weekend_supplement" late; "friday" processed on Friday 16:00 for
    # Monday 08:00: on time, not early (one working day after the end is past the deadline).
    assert (by_agency[1].resolved_early, by_agency[1].resolved_on_time, by_agency[1].resolved_late) == (
        0,
        1,
        2,
    )


def test_month_breakdown(world, march, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        months = dossier_stats(
            actor=SYSTEM,
            date_from=dt.date(2025, 2, 1),
            date_to=dt.date(2025, 3, 31),
            group_by="month",
            agency_ids=[world["a"].pk],
            now=LATER,
        )
    february, march_row = months
    assert (february.key, february.name) == ("2025-02", "Tháng 02/2025")
    # February: "february" received and processed on its deadline (on time); "carried" received
    # on 24 February and still open at the end of the month.
    assert (february.received, february.resolved, february.resolved_on_time, february.in_progress) == (
        2,
        1,
        1,
        1,
    )
    assert february.ratings == 1
    assert (march_row.key, march_row.carried_over, march_row.to_handle) == ("2025-03", 1, 13)
    assert march_row.ratings == 2


def test_leader_of_a_sees_only_a(world, march, make_officer):
    leader = make_officer(roles=[(world["a"], "leader")])
    rows = dossier_stats(actor=leader, **MARCH, group_by="agency", now=LATER)
    assert [r.key for r in rows] == ["000.00.11.T99"]
    with pytest.raises(PermissionDenied):
        dossier_stats(actor=leader, **MARCH, agency_ids=[world["b"].pk], now=LATER)


def test_provincial_leader_covers_subordinates(world, march, make_officer):
    governor = make_officer(roles=[(world["province"], "leader", True)])
    rows = dossier_stats(actor=governor, **MARCH, group_by="agency", now=LATER)
    assert [r.key for r in rows] == ["000.00.11.T99", "000.00.12.T99"]
    only_b = dossier_stats(actor=governor, **MARCH, group_by=None, agency_ids=[world["b"].pk], now=LATER)
    assert only_b[0].to_handle == 3


def test_who_may_not_see_statistics(world, march, make_officer, make_citizen):
    specialist = make_officer(roles=[(world["a"], "specialist")])
    for actor in (specialist, make_citizen(), None):
        with pytest.raises(PermissionDenied):
            dossier_stats(actor=actor, **MARCH, now=LATER)


def test_bad_input(world):
    with pytest.raises(ValidationFailed) as bad_group:
        dossier_stats(actor=SYSTEM, **MARCH, group_by="color", now=LATER)
    assert bad_group.value.code == "dossiers.stats_invalid_group"
    with pytest.raises(ValidationFailed) as reversed_period:
        dossier_stats(actor=SYSTEM, date_from=dt.date(2025, 3, 2), date_to=dt.date(2025, 3, 1), now=LATER)
    assert reversed_period.value.code == "dossiers.stats_invalid_period"
    with pytest.raises(ValidationFailed) as too_long:
        dossier_stats(actor=SYSTEM, date_from=dt.date(2020, 1, 1), date_to=dt.date(2025, 3, 1), now=LATER)
    assert too_long.value.code == "dossiers.stats_period_too_long"
    with pytest.raises(ValidationFailed):
        dossier_stats(actor=SYSTEM, date_from=dt.date(2025, 6, 1), date_to=dt.date(2025, 6, 30), now=LATER)
    with pytest.raises(NotFound):
        dossier_stats(actor=SYSTEM, **MARCH, procedure_code="0.000000", now=LATER)
    with pytest.raises(NotFound):
        dossier_stats(actor=SYSTEM, **MARCH, field_code="ZZ", now=LATER)


def test_no_dossiers_gives_a_zero_total(world):
    row = _one(dossier_stats(actor=SYSTEM, **MARCH, group_by=None, now=LATER))
    assert (row.to_handle, row.resolved, row.on_time_rate, row.satisfaction_avg) == (0, 0, None, None)
    assert dossier_stats(actor=SYSTEM, **MARCH, group_by="agency", now=LATER) == []


def _make_many(world, count, start=0):
    a, free = world["a"], world["free"]
    for i in range(start, start + count):
        day = 3 + i % 20
        make_dossier(
            procedure=free,
            agency=a,
            received=at(3, day),
            state=S.PROCESSED if i % 3 else S.PROCESSING,
            decided=at(3, day, 15) if i % 3 else None,
            supplements=[(at(3, day, 9), at(3, day, 10))] if i % 7 == 0 else (),
        )


def test_query_count_does_not_grow_with_dossiers(world, django_assert_max_num_queries):
    """No N+1: the same number of queries for 20 dossiers as for 200, for every breakdown."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        result = {}
        for group_by in (None, "agency", "procedure", "field", "month"):
            with CaptureQueriesContext(connection) as context:
                rows = dossier_stats(
                    actor=SYSTEM, **MARCH, group_by=group_by, agency_ids=[world["a"].pk], now=LATER
                )
            result[group_by] = (len(context), sum(r.received for r in rows))
        return result

    _make_many(world, 20)
    small = counts()
    _make_many(world, 180, start=20)
    large = counts()
    assert {g: n for g, (n, _) in small.items()} == {g: n for g, (n, _) in large.items()}
    assert all(received == 20 for _, received in small.values())
    assert all(received == 200 for _, received in large.values())
    for group_by in small:
        with django_assert_max_num_queries(MAX_QUERIES):
            dossier_stats(actor=SYSTEM, **MARCH, group_by=group_by, agency_ids=[world["a"].pk], now=LATER)


def test_timeliness_agrees_with_the_dossier_page(world):
    """The SQL classification of finished dossiers is the one ``deadlines.status_of`` gives (the
    status on the dossier's own page) for ends at any hour, weekends and holidays included, and
    for legacy rows without a deadline against the statutory one."""
    import random

    from django.db.models import F

    from tinhso.core.workcalendar import services as calendar
    from tinhso.dossiers import deadlines
    from tinhso.dossiers.models import Dossier
    from tinhso.dossiers.services.reception import appointment_for
    from tinhso.dossiers.stats import facts
    from tinhso.dossiers.stats.period import make_period
    from tinhso.dossiers.stats.workdays import WorkingDays

    rng = random.Random(766)
    expected = {}
    while len(expected) < 80:
        day = dt.date(2025, 1, 2) + dt.timedelta(days=rng.randrange(0, 340))
        if not calendar.is_working_day(day):
            continue
        minute = rng.choice([*range(7 * 60, 11 * 60 + 30), *range(13 * 60, 17 * 60)])
        received = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=TZ)
        due = appointment_for(received, 5)
        end = max(received, due + dt.timedelta(minutes=rng.randrange(-10 * 24 * 60, 3 * 24 * 60)))
        legacy = len(expected) % 5 == 0
        dossier = make_dossier(
            procedure=world["free"],
            agency=world["a"],
            received=received,
            state=S.PROCESSED,
            decided=end,
            deadline=not legacy,
        )
        expected[dossier.pk] = deadlines.status_of(due=due, finished=end, now=end)
    period = make_period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), now=at(2, 1, year=2026))
    options = facts.Options(processing_time=False)
    part = facts.facts(
        Dossier.objects.filter(pk__in=list(expected)),
        period,
        {"f_key": F("id"), "f_code": F("code"), "f_name": F("code")},
        options,
    )
    rows = facts.aggregate([part], options, WorkingDays.for_years(2024, 2026))
    got = {}
    for row in rows:
        (status,) = [name for name in ("early", "on_time", "late") if row[f"resolved_{name}"] == 1]
        got[row["f_key"]] = status
    assert got == expected
    assert set(expected.values()) == {"early", "on_time", "late"}
