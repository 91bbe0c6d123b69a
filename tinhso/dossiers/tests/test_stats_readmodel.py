"""The statistics read model gives exactly the figures computed from the dossiers.

Every comparison computes the figures twice: once with the read model switched off
(``DOSSIER_STATS_READ_MODEL = False``: the direct aggregate over the dossiers) and once from the
read model, on the hand-made March dossiers and on generated years.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.events.registry import subscribers_for
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers import generator
from tinhso.dossiers.events import DossierStateChanged, ResultSigned
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.stats import dossier_stats, readmodel, service_index
from tinhso.dossiers.stats_models import DailyFigures, FiguresDay, OpenFigures
from tinhso.dossiers.subscribers import stats_refresh_on_payment
from tinhso.dossiers.tests import test_stats_support as support
from tinhso.dossiers.tests.conftest import vn
from tinhso.dossiers.tests.test_stats_support import LATER, at, make_dossier
from tinhso.payments.events import PaymentSucceeded

_calendar_loaded, world, march = support._calendar_loaded, support.world, support.march

pytestmark = pytest.mark.django_db

GROUPS = (None, "agency", "procedure", "field", "month")
D = dt.date


def _figures(rows) -> list[dict]:
    return [{**row.as_dict(), "extra": dict(sorted(row.extra.items()))} for row in rows]


def _compute(periods, now) -> dict:
    result = {}
    for date_from, date_to in periods:
        for group_by in GROUPS:
            rows = dossier_stats(
                actor=SYSTEM, date_from=date_from, date_to=date_to, group_by=group_by, now=now
            )
            result[(date_from, date_to, group_by)] = _figures(rows)
        report = service_index(actor=SYSTEM, date_from=date_from, date_to=date_to, now=now)
        result[(date_from, date_to, "index")] = report.as_dict()
    return result


def _direct(settings, periods, now) -> dict:
    settings.DOSSIER_STATS_READ_MODEL = False
    try:
        return _compute(periods, now)
    finally:
        settings.DOSSIER_STATS_READ_MODEL = True


def _assert_same(stored: dict, direct: dict) -> None:
    assert stored.keys() == direct.keys()
    for key in direct:
        if stored[key] != direct[key] and isinstance(direct[key], list):
            for mine, theirs in zip(stored[key], direct[key], strict=False):
                diff = {
                    k: (mine.get(k), theirs.get(k))
                    for k in set(mine) | set(theirs)
                    if mine.get(k) != theirs.get(k)
                }
                assert not diff, (key, mine["key"], diff)
        assert stored[key] == direct[key], key


# Whole months (snapshots at month ends), odd boundaries (snapshots missing: computed from the
# dossiers), one day, and a period still running at LATER (1 May 08:00).
MARCH_PERIODS = [
    (D(2025, 3, 1), D(2025, 3, 31)),
    (D(2025, 2, 15), D(2025, 3, 20)),
    (D(2025, 3, 10), D(2025, 3, 10)),
    (D(2025, 1, 1), D(2025, 4, 30)),
    (D(2025, 4, 1), D(2025, 5, 31)),
    (D(2025, 3, 4), D(2025, 5, 1)),
]


def test_read_model_equals_direct_computation_on_hand_made_dossiers(world, march, settings):
    direct = _direct(settings, MARCH_PERIODS, LATER)
    assert any(row["received"] for row in direct[(D(2025, 3, 1), D(2025, 3, 31), None)])

    days = readmodel.rebuild(D(2025, 1, 1), D(2025, 4, 30))
    assert days == 120
    assert DailyFigures.objects.exists()
    assert set(FiguresDay.objects.filter(open_at__isnull=False).values_list("day", flat=True)) == {
        D(2025, 1, 31),
        D(2025, 2, 28),
        D(2025, 3, 31),
        D(2025, 4, 30),
    }
    _assert_same(_compute(MARCH_PERIODS, LATER), direct)

    # Every day's snapshot, as the nightly job takes them: the odd boundaries read them too.
    assert readmodel.close_days(since=D(2025, 1, 1), now=LATER)
    assert FiguresDay.objects.filter(open_at__isnull=True).count() == 0
    _assert_same(_compute(MARCH_PERIODS, LATER), direct)

    # Gaps (days not materialised) are computed from the dossiers and added.
    gap = [D(2025, 3, 5), D(2025, 3, 6), D(2025, 3, 21)]
    DailyFigures.objects.filter(day__in=gap).delete()
    OpenFigures.objects.filter(day__in=gap).delete()
    FiguresDay.objects.filter(day__in=gap).delete()
    _assert_same(_compute(MARCH_PERIODS, LATER), direct)
    assert readmodel.check(D(2025, 1, 1), D(2025, 4, 30)) == []


def test_a_period_reads_a_few_rows_not_the_dossiers(world, march, django_assert_max_num_queries):
    readmodel.rebuild(D(2025, 1, 1), D(2025, 4, 30))
    # The day marks, the cells, the two snapshots, and nothing over the dossiers or ratings.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        dossier_stats(
            actor=SYSTEM, date_from=D(2025, 3, 1), date_to=D(2025, 3, 31), group_by="agency", now=LATER
        )
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "dossiers_dossier" not in sql.replace('"dossiers_dossier"."procedure_id"', "")
    assert "dossiers_rating" not in sql


def test_read_model_equals_direct_computation_on_generated_years(world, settings):
    now = vn(2026, 6, 15, 10, 30)
    generator.generate_dossiers(count=400, seed=11, since=D(2025, 10, 1), now=now)
    rng = random.Random(5)
    periods = [(D(2025, 10, 1), D(2026, 6, 30)), (D(2026, 1, 1), D(2026, 3, 31))]
    for _ in range(6):
        start = D(2025, 10, 1) + dt.timedelta(days=rng.randrange(0, 250))
        periods.append((start, start + dt.timedelta(days=rng.randrange(0, 120))))
    direct = _direct(settings, periods, now)
    readmodel.rebuild(D(2025, 10, 1), D(2026, 6, 14))
    _assert_same(_compute(periods, now), direct)
    assert readmodel.check(D(2025, 10, 1), D(2026, 6, 14)) == []


def _fee_dossier(world) -> Dossier:
    return make_dossier(procedure=world["paid"], agency=world["a"], received=at(3, 3, 9), fee=50_000)


def test_a_late_payment_refreshes_the_day_of_receipt(world, march, settings):
    dossier = _fee_dossier(world)
    readmodel.rebuild(D(2025, 3, 1), D(2025, 3, 31))
    support.pay(dossier)
    # Before the event arrives the stored day is behind, and the check says where.
    differences = readmodel.check(D(2025, 3, 1), D(2025, 3, 31))
    assert len(differences) == 1 and "2025-03-03" in differences[0] and "paid_online" in differences[0]

    stats_refresh_on_payment(
        PaymentSucceeded(
            payment_id="p", payable_type="dossier", payable_id=dossier.code, amount=50_000, receipt_number="1"
        )
    )
    assert readmodel.check(D(2025, 3, 1), D(2025, 3, 31)) == []
    direct = _direct(settings, [(D(2025, 3, 1), D(2025, 3, 31))], LATER)
    _assert_same(_compute([(D(2025, 3, 1), D(2025, 3, 31))], LATER), direct)


def test_a_decision_refreshes_the_day_of_receipt(world, march, settings):
    from tinhso.dossiers.subscribers import stats_refresh_on_transition

    dossier = make_dossier(procedure=world["free"], agency=world["a"], received=at(3, 3, 9))
    readmodel.rebuild(D(2025, 3, 1), D(2025, 3, 31))
    Dossier.objects.filter(pk=dossier.pk).update(state="processed", decided_at=at(4, 2, 10))
    stats_refresh_on_transition(
        DossierStateChanged(
            code=dossier.code,
            action="approve",
            from_state="processing",
            to_state="processed",
            national_status=9,
            agency_code=world["a"].code,
            at=at(4, 2, 10),
        )
    )
    assert readmodel.check(D(2025, 3, 1), D(2025, 3, 31)) == []


def test_the_subscribers_are_registered():
    names = {
        event.name: {sub.name for sub in subscribers_for(event.name)}
        for event in (DossierStateChanged, PaymentSucceeded, ResultSigned)
    }
    assert "dossiers.stats_refresh_on_transition" in names[DossierStateChanged.name]
    assert "dossiers.stats_refresh_on_payment" in names[PaymentSucceeded.name]
    assert "dossiers.stats_refresh_on_result_signed" in names[ResultSigned.name]


def test_close_days_catches_up_once(world, march):
    now = at(4, 3, 1)
    done = readmodel.close_days(since=D(2025, 3, 30), now=now)
    assert done == [D(2025, 3, 30), D(2025, 3, 31), D(2025, 4, 1), D(2025, 4, 2)]
    assert readmodel.close_days(now=now) == []
    assert readmodel.close_days(now=at(4, 5, 1)) == [D(2025, 4, 3), D(2025, 4, 4)]


def test_today_is_never_materialised(world):
    with pytest.raises(ValueError):
        readmodel.materialize_day(dt.date.today() + dt.timedelta(days=1))


def test_the_command_checks_and_reports_differences(world, march, capsys):
    call_command("dossiers", "stats", "rebuild", "--from", "2025-03-01", "--to", "2025-03-31")
    call_command("dossiers", "stats", "check", "--from", "2025-03-01", "--to", "2025-03-31")
    assert "agrees" in capsys.readouterr().out
    cell = DailyFigures.objects.filter(received__gt=0).first()
    DailyFigures.objects.filter(pk=cell.pk).update(received=cell.received + 1)
    with pytest.raises(CommandError, match="1 difference"):
        call_command("dossiers", "stats", "check", "--from", "2025-03-01", "--to", "2025-03-31")
    with pytest.raises(CommandError, match="not a date|invalid"):
        call_command("dossiers", "stats", "check", "--from", "March", "--to", "2025-03-31")
