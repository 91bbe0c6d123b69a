"""The IOC's one-stop read models: kept up to date from events, equal to a rebuild from history.

Property: after any sequence of real service calls, with the events delivered at random moments
(some late, several at once), the incremental counters and open items equal what ``rebuild``
computes from the dossiers' history, cell by cell.
"""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from tinhso.core.events import services as events
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.conftest import deliver_events, received, submit, vn
from tinhso.ioc import selectors
from tinhso.ioc import services as ioc
from tinhso.ioc.models import Counter, OpenItem
from tinhso.payments.events import PaymentSucceeded

pytestmark = pytest.mark.django_db


def _pdf():
    from tinhso.dossiers.tests.conftest import pdf_bytes

    return io.BytesIO(pdf_bytes())


def _pay(dossier, when):
    from tinhso.payments.models import Payment, PaymentStatus

    with transaction.atomic():
        payment = Payment.objects.create(
            payable_type="dossier",
            payable_id=dossier.code,
            amount=int(dossier.fee_amount),
            description="test",
            provider="sandbox",
            creator_key="test",
            status=PaymentStatus.SUCCEEDED,
            paid_at=when,
        )
        events.publish(
            PaymentSucceeded(
                payment_id=str(payment.public_id),
                payable_type="dossier",
                payable_id=dossier.code,
                amount=payment.amount,
                receipt_number="BL-TEST",
            )
        )


def _finish(world, dossier, when, *, rate: int | None, supplement: bool):
    if supplement:
        services.request_supplement(actor=world.specialist, dossier=dossier, reason="Thiếu bản sao", now=when)
        services.fulfil_supplement(
            actor=world.citizen,
            dossier=Dossier.objects.get(pk=dossier.pk),
            note="Đã bổ sung bản sao",
            now=when + dt.timedelta(hours=2),
        )
        when += dt.timedelta(days=1)
    dossier = Dossier.objects.get(pk=dossier.pk)
    services.complete_step(actor=world.specialist, dossier=dossier, now=when)
    dossier = Dossier.objects.get(pk=dossier.pk)
    services.attach_result(
        actor=world.leader, dossier=dossier, name="Kết quả", upload=_pdf(), purpose="dossier_attachment"
    )
    services.complete_step(actor=world.leader, dossier=Dossier.objects.get(pk=dossier.pk), now=when)
    if rate is not None:
        services.return_result(
            actor=world.one_stop, dossier=Dossier.objects.get(pk=dossier.pk), now=when + dt.timedelta(hours=1)
        )
        services.rate_dossier(actor=world.citizen, dossier=Dossier.objects.get(pk=dossier.pk), score=rate)


def _scenario(world, rng: random.Random, start: dt.datetime) -> None:
    kind = rng.choice(["open", "finish", "finish_late", "refuse", "withdraw", "paid", "supplement"])
    when = start
    if kind == "refuse":
        dossier = submit(world, now=when)
        services.refuse_dossier(
            actor=world.one_stop, dossier=dossier, reasons=["Không thuộc thẩm quyền"], now=when
        )
        return
    if kind == "paid":
        dossier = received(world, world.paid, now=when)
        _pay(dossier, when + dt.timedelta(hours=3))
        return
    dossier = received(world, now=when)
    if kind == "withdraw":
        services.withdraw_dossier(actor=world.citizen, dossier=dossier, reason="Không còn nhu cầu")
    elif kind in ("finish", "finish_late", "supplement"):
        late = kind == "finish_late"
        _finish(
            world,
            dossier,
            when + dt.timedelta(days=12 if late else 1),
            rate=rng.choice([None, 1, 3, 5]),
            supplement=kind == "supplement",
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_rebuild_after_random_sequences(world, seed):
    rng = random.Random(seed)
    for _ in range(8):
        start = vn(2026, 11, 2, 8) + dt.timedelta(days=rng.randrange(0, 20), hours=rng.randrange(0, 8))
        _scenario(world, rng, start)
        if rng.random() < 0.5:  # deliver now, or let events pile up and arrive together later
            deliver_events()
    deliver_events()
    assert Counter.objects.filter(source="onestop").exists()
    assert ioc.check("onestop") == []
    before = {(c.metric, c.day, c.agency_id, c.unit_id, c.subject, c.value) for c in Counter.objects.all()}
    items_before = set(OpenItem.objects.values_list("key", "due_at"))
    ioc.rebuild("onestop")
    assert {
        (c.metric, c.day, c.agency_id, c.unit_id, c.subject, c.value) for c in Counter.objects.all()
    } == before
    assert set(OpenItem.objects.values_list("key", "due_at")) == items_before


def test_the_overview_counts_what_happened(world):
    now = vn(2026, 11, 25, 15)
    first = received(world, now=vn(2026, 11, 25, 9))
    received(world, now=vn(2026, 11, 25, 10))
    deliver_events()
    values = {v.code: v for v in selectors.overview(SYSTEM, period="today", now=now)}
    assert values["onestop.received"].value == 2
    assert values["onestop.online_rate"].value == 1.0
    assert values["onestop.in_progress"].value == 2
    assert values["onestop.overdue_now"].value == 0
    assert values["onestop.resolved"].value == 0 and values["onestop.on_time_rate"].value is None

    _finish(world, first, vn(2026, 11, 25, 14), rate=None, supplement=False)
    deliver_events()
    values = {v.code: v for v in selectors.overview(SYSTEM, period="today", now=now)}
    assert values["onestop.resolved"].value == 1
    assert values["onestop.on_time_rate"].value == 1.0
    assert values["onestop.in_progress"].value == 1
    # Two weeks later the one still open is overdue; the month figures still count both.
    later = vn(2026, 12, 26, 9)
    values = {v.code: v for v in selectors.overview(SYSTEM, period="month", now=later)}
    assert values["onestop.overdue_now"].value == 1
    previous = {v.code: v for v in selectors.overview(SYSTEM, period="month", now=later)}["onestop.received"]
    assert previous.value == 0 and previous.previous == 2


def test_anonymous_readers_get_public_totals_only(world):
    from django.contrib.auth.models import AnonymousUser

    from tinhso.core.errors import PermissionDenied

    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    values = selectors.overview(AnonymousUser(), period="today", now=vn(2026, 11, 25, 15))
    codes = {v.code for v in values}
    assert "onestop.received" in codes and "onestop.overdue_now" not in codes
    with pytest.raises(PermissionDenied):
        selectors.breakdown(
            AnonymousUser(),
            "onestop.received",
            by="agency",
            date_from=dt.date(2026, 11, 1),
            date_to=dt.date(2026, 11, 30),
        )
    with pytest.raises(PermissionDenied):
        selectors.overview(AnonymousUser(), agency_ids=[world.dept.pk])


def test_an_officer_sees_only_the_agencies_of_their_role(world, make_officer):
    from tinhso.core.accounts.models import Role
    from tinhso.core.errors import PermissionDenied

    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    viewer = make_officer(roles=[(world.dept_b, Role.IOC_VIEWER)])
    values = {v.code: v for v in selectors.overview(viewer, period="today", now=vn(2026, 11, 25, 15))}
    assert values["onestop.received"].value == 0  # the dossier was received by another agency
    with pytest.raises(PermissionDenied):
        selectors.overview(viewer, agency_ids=[world.dept.pk])
    rows = selectors.breakdown(
        SYSTEM, "onestop.received", by="agency", date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30)
    )
    assert [(row.code, row.value) for row in rows] == [(world.dept.code, 1)]
    assert rows[0].drill_url.startswith("/")


def test_series_and_rankings(world):
    received(world, now=vn(2026, 11, 23, 9))
    received(world, now=vn(2026, 11, 25, 9))
    received(world, now=vn(2026, 11, 25, 10))
    deliver_events()
    points = selectors.series(
        SYSTEM,
        "onestop.received",
        grain="day",
        date_from=dt.date(2026, 11, 22),
        date_to=dt.date(2026, 11, 25),
    )
    assert [(p["period"], p["value"]) for p in points] == [
        ("2026-11-22", 0),
        ("2026-11-23", 1),
        ("2026-11-24", 0),  # a public holiday (Ngày Văn hóa Việt Nam): nothing received
        ("2026-11-25", 2),
    ]
    (month,) = selectors.series(
        SYSTEM,
        "onestop.received",
        grain="month",
        date_from=dt.date(2026, 11, 1),
        date_to=dt.date(2026, 11, 30),
    )
    assert month["value"] == 3
    ranking = selectors.ranking(SYSTEM, "overdue_agencies", now=vn(2026, 12, 20, 9))
    assert [(row.code, row.value) for row in ranking] == [(world.dept.code, 3)]


def test_bad_requests_are_refused(world):
    from tinhso.core.errors import NotFound, ValidationFailed

    with pytest.raises(ValidationFailed):
        selectors.overview(SYSTEM, period="decade")
    with pytest.raises(NotFound):
        selectors.series(SYSTEM, "nope", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 2))
    with pytest.raises(ValidationFailed):
        selectors.series(
            SYSTEM, "onestop.received", date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 1, 2)
        )
    with pytest.raises(ValidationFailed):
        selectors.series(
            SYSTEM, "onestop.in_progress", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 2)
        )


def test_the_command_rebuilds_and_checks(world, capsys):
    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    call_command("ioc", "check")
    assert "agree" in capsys.readouterr().out
    Counter.objects.filter(metric="onestop.received").update(value=7)
    with pytest.raises(CommandError, match="difference"):
        call_command("ioc", "check")
    call_command("ioc", "rebuild")
    call_command("ioc", "check")
    assert Counter.objects.get(grain="d", metric="onestop.received").value == 1


def test_a_rebuild_with_events_still_pending_counts_them_once(world):
    received(world, now=vn(2026, 11, 25, 9))
    received(world, now=vn(2026, 11, 25, 10))
    # The worker has not delivered anything yet: the rebuild reads both dossiers from history and
    # records their pending events as handled by the IOC's subscribers.
    ioc.rebuild("onestop")
    assert Counter.objects.get(grain="d", metric="onestop.received").value == 2
    deliver_events()
    assert Counter.objects.get(grain="d", metric="onestop.received").value == 2
    assert ioc.check("onestop") == []
    # Later events are applied normally.
    received(world, now=vn(2026, 11, 25, 11))
    deliver_events()
    assert Counter.objects.get(grain="d", metric="onestop.received").value == 3


def test_every_grain_gives_the_same_sums(world):
    """Reading whole months from the month grains and the ends from the day grains adds up to
    the same figures as summing every day of the finest grain."""
    from django.db.models import Sum

    from tinhso.ioc.models import Grain

    for day in (3, 17, 30):
        received(world, now=vn(2026, 10, day, 9))
    for day in (2, 16):
        received(world, now=vn(2026, 11, day, 9))
    deliver_events()
    scope = selectors.Scope(agency_ids=None)
    rng = random.Random(4)
    for _ in range(25):
        first = dt.date(2026, 9, 25) + dt.timedelta(days=rng.randrange(0, 70))
        last = first + dt.timedelta(days=rng.randrange(0, 70))
        fine = Counter.objects.filter(
            grain=Grain.DAY, metric="onestop.received", day__gte=first, day__lte=last
        )
        expected = fine.aggregate(n=Sum("value"))["n"] or 0
        assert (
            selectors._metric_sums(scope, {"onestop.received"}, first, last).get("onestop.received", 0)
            == expected
        )
        rows = selectors.breakdown(SYSTEM, "onestop.received", by="subject", date_from=first, date_to=last)
        assert sum(row.value for row in rows) == expected
