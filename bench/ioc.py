"""Operations center benchmark: a full dashboard refresh from the read models vs GROUP BY over the
raw tables, in the same run.

A "full refresh" is what the dashboard reads on each live update: the overview for today, this
month and this year (each with its previous period), a 90-day daily series, the two rankings,
and the breakdown of the year by agency. The baseline computes the same figures the naive way:
``COUNT``/``SUM`` with ``GROUP BY`` over the dossiers, ratings and payments for each period.
Both answers are compared (a note is printed if they differ).

Run: ``BENCH_DOSSIERS=1000000 DEBUG=1 python -m bench ioc`` (generates like ``bench onestop``), or
``BENCH_REUSE=1 DATABASE_URL=postgresql://…`` on a database loaded by ``bench onestop``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from bench.onestop import REUSE, Seconds, _best, _say

PERIODS = ("today", "month", "year")


def _load() -> None:
    from tinhso.dossiers.models import Dossier

    if REUSE and Dossier.objects.exists():
        return
    from bench.onestop import _prepare

    _prepare()


def _refresh(now: dt.datetime) -> dict:
    from tinhso.core.permissions import SYSTEM
    from tinhso.ioc import selectors

    today = selectors.local_today(now)
    result = {}
    for period in PERIODS:
        result[period] = {
            v.code: (v.value, v.previous) for v in selectors.overview(SYSTEM, period=period, now=now)
        }
    result["series"] = selectors.series(
        SYSTEM, "onestop.received", grain="day", date_from=today - dt.timedelta(days=89), date_to=today
    )
    result["overdue"] = [(r.code, r.value) for r in selectors.ranking(SYSTEM, "overdue_agencies", now=now)]
    result["worst"] = [
        (r.code, r.value) for r in selectors.ranking(SYSTEM, "worst_on_time_subjects", now=now)
    ]
    result["agencies"] = {
        r.code: r.value
        for r in selectors.breakdown(
            SYSTEM,
            "onestop.received",
            by="agency",
            date_from=today.replace(month=1, day=1),
            date_to=today,
            now=now,
        )
    }
    return result


def _naive_counts(first: dt.date, last: dt.date) -> dict[str, int]:
    """The one-stop metrics of [first, last] with aggregates over the raw tables."""
    from django.db.models import Count, F, Q, Sum

    from tinhso.core.workcalendar.arithmetic import TZ
    from tinhso.dossiers.models import Dossier, Rating
    from tinhso.payments.models import Payment

    start = dt.datetime.combine(first, dt.time(), tzinfo=TZ)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
    received = Dossier.objects.filter(received_at__gte=start, received_at__lt=end).aggregate(
        received=Count("id"),
        online=Count("id", filter=Q(channel=2)),
        fee=Count("id", filter=Q(fee_amount__gt=0)),
    )
    resolved = Dossier.objects.filter(
        state__in=("processed", "returned"), decided_at__gte=start, decided_at__lt=end
    ).aggregate(
        resolved=Count("id"),
        on_time=Count(
            "id", filter=Q(due_at__isnull=False, decided_at__lte=F("due_at"), supplement_count__lte=1)
        ),
    )
    ratings = Rating.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        n=Count("id"), points=Sum("score")
    )
    paid = Payment.objects.filter(
        payable_type="dossier", status="succeeded", paid_at__gte=start, paid_at__lt=end
    ).count()
    return {**received, **resolved, "ratings": ratings["n"], "points": ratings["points"] or 0, "paid": paid}


def _naive_refresh(now: dt.datetime) -> dict:
    from django.db.models import Count, Q

    from tinhso.core.workcalendar.arithmetic import TZ
    from tinhso.dossiers.models import Dossier
    from tinhso.ioc.selectors import local_today, period_days

    today = local_today(now)
    result = {}
    for period in PERIODS:
        current, previous = period_days(period, today)
        result[period] = (_naive_counts(*current), _naive_counts(*previous))
    open_states = ("received", "processing", "awaiting_supplement", "awaiting_payment")
    open_now = Dossier.objects.filter(state__in=open_states, received_at__isnull=False)
    result["open"] = open_now.aggregate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    result["overdue_by_agency"] = list(
        open_now.filter(due_at__lt=now)
        .values("receiving_agency__code")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    first = dt.datetime.combine(today - dt.timedelta(days=89), dt.time(), tzinfo=TZ)
    result["series"] = list(
        Dossier.objects.filter(received_at__gte=first)
        .values("received_at__date")
        .annotate(n=Count("id"))
        .order_by()
    )
    year = dt.datetime.combine(today.replace(month=1, day=1), dt.time(), tzinfo=TZ)
    result["by_procedure"] = list(
        Dossier.objects.filter(state__in=("processed", "returned"), decided_at__gte=year)
        .values("procedure_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    result["agencies"] = list(
        Dossier.objects.filter(received_at__gte=year)
        .values("receiving_agency__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return result


def _compare(ours: dict, naive: dict) -> None:
    for period in PERIODS:
        counts, _previous = naive[period]
        values = ours[period]
        pairs = {
            "onestop.received": counts["received"],
            "onestop.resolved": counts["resolved"],
        }
        for code, expected in pairs.items():
            if values[code][0] != expected:
                _say(f"note: {period} {code}: read model {values[code][0]}, raw tables {expected}")


def run() -> list:
    from django.utils import timezone

    from tinhso.dossiers.models import Dossier
    from tinhso.ioc import services

    _load()
    total = Dossier.objects.count()
    started = time.perf_counter()
    cells = services.rebuild()
    rebuild = time.perf_counter() - started
    _say(f"ioc read models rebuilt in {rebuild:.1f} s: {cells}")
    now = timezone.now()
    ours = _refresh(now)
    _compare(ours, _naive_refresh(now))
    refresh = _best(lambda: _refresh(now))
    naive = _best(lambda: _naive_refresh(now), repeat=1)
    if os.environ.get("BENCH_CHECK"):
        differences = services.check()
        _say(f"check: {len(differences)} difference(s)")
    return [
        Seconds(
            f"IOC full dashboard refresh ({total:,} dossiers): read models vs GROUP BY over the raw tables",
            refresh,
            naive,
            "3 overviews, 90-day series, 2 rankings, year by agency",
            "the same figures with aggregates over dossiers, ratings, payments",
        ),
        Seconds(
            f"IOC rebuild from history ({total:,} dossiers) vs one full refresh over the raw tables",
            rebuild,
            naive,
            "`tinhso ioc rebuild`",
            "naive refresh",
        ),
    ]


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run with: python -m bench ioc")
