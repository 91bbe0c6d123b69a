"""The statistics read model (``DailyFigures``, ``OpenFigures``, ``FiguresDay``): writing and reading.

Why: a year of statistics over five million dossiers took ten seconds as one aggregate over the
dossiers. Most figures are sums over days, and a day that has ended changes only through a few
known events, so they are kept per (day, receiving agency, procedure) and a period reads a few
thousand small rows. See docs/onestop.md, "Statistics read model", for the rules:

* a day is *materialised* once it has ended (``close_days``, run by a timer after midnight, or
  ``rebuild`` after a bulk load); today and days not materialised are computed from the dossiers
  exactly as before, so the figures never depend on whether the read model is there;
* a cell of a materialised day is computed with the very SQL of :mod:`.facts` restricted to that
  day, so read model and direct computation cannot disagree by construction; ``check`` proves it
  on stored data;
* what can still change a past day's additive figures after it ended (a fee paid later for a
  dossier received that day, the processing days of a dossier received that day once it is
  decided, a result signed later) arrives as an event, and the subscriber recomputes the cells
  concerned (:func:`refresh_dossier`);
* the end-of-day snapshot of open dossiers is taken when the day closes and not rewritten
  afterwards: it says how many dossiers were open and overdue at that moment. ``rebuild``, which
  has no such moment, reconstructs it from the dossiers as they are now (so a supplement
  requested later counts), for month ends and the last day only; other past days missing a
  snapshot are computed from the dossiers when asked.

This module is the only writer of those tables; it runs as ``SYSTEM`` (from the timer, the
worker or an administrator's command), so there is no permission to check here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum, Value
from django.utils import timezone

from tinhso.core.workcalendar.arithmetic import TZ
from tinhso.dossiers.models import Dossier, Rating
from tinhso.dossiers.stats import facts
from tinhso.dossiers.stats.period import Period, make_period
from tinhso.dossiers.stats.selectors import DISSATISFIED_SCORE, SATISFIED_SCORE
from tinhso.dossiers.stats.workdays import WorkingDays
from tinhso.dossiers.stats_models import DailyFigures, FiguresDay, OpenFigures

FULL = facts.Options(processing_time=True, digitisation=True, national=True)
RATING_FIELDS = ("ratings", "rating_points", "satisfied", "dissatisfied")
ADDITIVE_FIELDS = tuple(
    f.name
    for f in DailyFigures._meta.concrete_fields
    if f.name not in ("id", "day", "agency", "procedure") and f.name not in RATING_FIELDS
)
OPEN_FIELDS = ("in_progress", "in_progress_in_time", "in_progress_overdue", "national_in_progress_in_time")
BOUNDARY_FIELDS = ("carried_over", *OPEN_FIELDS)
ID_CHUNK = 5000  # ids per snapshot query (SQLite allows 32,766 parameters)

# One cell per receiving agency and procedure.
CELL_KEYS = {"f_key": F("receiving_agency_id"), "f_code": F("procedure_id"), "f_name": Value("")}
Progress = Callable[[int, int], None]


def _day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else moment.astimezone(TZ).date()


def today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(TZ).date()


_WORKDAYS: dict[tuple[int, int], WorkingDays] = {}


def workdays_for(period: Period) -> WorkingDays:
    """The working-day window the direct computation uses for ``period`` (same years, same SQL)."""
    years = (period.date_from.year - 1, max(period.date_to.year, period.now.year) + 1)
    # Cached per process for the length of one bulk job; cleared by each job so calendar edits
    # (a new day off) are seen by the next.
    if years not in _WORKDAYS:
        _WORKDAYS[years] = WorkingDays.for_years(*years)
    return _WORKDAYS[years]


def _aggregate(queryset, period: Period, keys: dict[str, Any], *, additive_only: bool) -> list[dict]:
    part = facts.facts(queryset, period, keys, FULL, additive_only=additive_only)
    return facts.aggregate([part], FULL, workdays_for(period), grouped=True)


def _cell_ratings(day: dt.date, ratings=None) -> dict[tuple[int, int], dict[str, int]]:
    period = make_period(day, day)
    qs = (ratings if ratings is not None else Rating.objects.all()).filter(
        created_at__gte=period.start, created_at__lt=period.end
    )
    rows = (
        qs.values("dossier__receiving_agency_id", "dossier__procedure_id")
        .annotate(
            ratings=Count("id"),
            rating_points=Sum("score"),
            satisfied=Count("id", filter=Q(score__gte=SATISFIED_SCORE)),
            dissatisfied=Count("id", filter=Q(score__lte=DISSATISFIED_SCORE)),
        )
        .order_by()
    )
    return {
        (row["dossier__receiving_agency_id"], row["dossier__procedure_id"]): {
            name: int(row[name] or 0) for name in RATING_FIELDS
        }
        for row in rows
    }


def _cells(
    day: dt.date, rows: list[dict], ratings: dict[tuple[int, int], dict[str, int]]
) -> list[DailyFigures]:
    cells: dict[tuple[int, int], DailyFigures] = {}
    for row in rows:
        values = {
            name: int(row.get(name) or 0) for name in ADDITIVE_FIELDS if name != "processing_days_total"
        }
        total = row.get("processing_days_total")
        values["processing_days_total"] = Decimal(str(total or 0)).quantize(Decimal("0.01"))
        if not any(values.values()):
            continue  # a dossier relevant to the day but with no additive fact on it
        cells[(row["f_key"], int(row["f_code"]))] = DailyFigures(
            day=day, agency_id=row["f_key"], procedure_id=int(row["f_code"]), **values
        )
    for key, rating in ratings.items():
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = DailyFigures(day=day, agency_id=key[0], procedure_id=key[1])
        for name, value in rating.items():
            setattr(cell, name, value)
    return list(cells.values())


def _snapshot(day: dt.date, rows: list[dict]) -> list[OpenFigures]:
    snapshots = []
    for row in rows:
        values = {name: int(row.get(name) or 0) for name in OPEN_FIELDS}
        if values["in_progress"]:
            snapshots.append(
                OpenFigures(day=day, agency_id=row["f_key"], procedure_id=int(row["f_code"]), **values)
            )
    return snapshots


def _closed(day: dt.date, now: dt.datetime | None = None) -> bool:
    return day < today(now)


def _require_closed(day: dt.date) -> None:
    if not _closed(day):
        raise ValueError(f"{day} has not ended yet; only ended days are materialised")


def _lock_day(day: dt.date) -> FiguresDay:
    FiguresDay.objects.get_or_create(day=day)
    return FiguresDay.objects.select_for_update().get(day=day)


def materialize_day(day: dt.date, *, snapshot: bool = True) -> FiguresDay:
    """Compute and store the figures of an ended ``day`` (and, with ``snapshot``, its end-of-day
    snapshot measured from the dossiers as they are now: exact for the day that just ended)."""
    _require_closed(day)
    period = make_period(day, day)
    with transaction.atomic():
        marker = _lock_day(day)
        rows = _aggregate(Dossier.objects.all(), period, CELL_KEYS, additive_only=not snapshot)
        DailyFigures.objects.filter(day=day).delete()
        DailyFigures.objects.bulk_create(_cells(day, rows, _cell_ratings(day)), batch_size=2000)
        marker.figures_at = timezone.now()
        if snapshot:
            OpenFigures.objects.filter(day=day).delete()
            OpenFigures.objects.bulk_create(_snapshot(day, rows), batch_size=2000)
            marker.open_at = marker.figures_at
        marker.save(update_fields=["figures_at", "open_at"])
    return marker


def snapshot_from_ids(day: dt.date, ids: Iterable[int]) -> None:
    """Store the end-of-``day`` snapshot of the given dossiers (those open then), in chunks."""
    _require_closed(day)
    period = make_period(day, day)
    ids = sorted(ids)
    with transaction.atomic():
        marker = _lock_day(day)
        totals: dict[tuple[int, int], dict[str, int]] = {}
        for start in range(0, len(ids), ID_CHUNK):
            chunk = Dossier.objects.filter(pk__in=ids[start : start + ID_CHUNK])
            for row in _aggregate(chunk, period, CELL_KEYS, additive_only=False):
                cell = totals.setdefault((row["f_key"], int(row["f_code"])), dict.fromkeys(OPEN_FIELDS, 0))
                for name in OPEN_FIELDS:
                    cell[name] += int(row.get(name) or 0)
        OpenFigures.objects.filter(day=day).delete()
        OpenFigures.objects.bulk_create(
            [
                OpenFigures(day=day, agency_id=agency, procedure_id=procedure, **values)
                for (agency, procedure), values in totals.items()
                if values["in_progress"]
            ],
            batch_size=2000,
        )
        marker.open_at = timezone.now()
        marker.save(update_fields=["open_at"])


def close_days(*, now: dt.datetime | None = None, since: dt.date | None = None) -> list[dt.date]:
    """Materialise every ended day not yet materialised, from the day after the last one (or
    ``since``) to yesterday. Run after midnight by the ``tinhso-stats-close`` timer; catches up
    after a pause. Returns the days done."""
    _WORKDAYS.clear()
    yesterday = today(now) - dt.timedelta(days=1)
    if since is None:
        last = (
            FiguresDay.objects.filter(figures_at__isnull=False).order_by("-day").values_list("day", flat=True)
        )
        since = (last[0] + dt.timedelta(days=1)) if last else yesterday
    done = []
    day = since
    while day <= yesterday:
        marker = FiguresDay.objects.filter(day=day).first()
        if marker is None or marker.figures_at is None or marker.open_at is None:
            materialize_day(day, snapshot=True)
            done.append(day)
        day += dt.timedelta(days=1)
    return done


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    ends = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        end = following - dt.timedelta(days=1)
        if first <= end <= last:
            ends.append(end)
        month = following
    if last not in ends:
        ends.append(last)
    return ends


def open_ids_at(days: list[dt.date]) -> dict[dt.date, list[int]]:
    """For each day, the dossiers open at its end (received, not ended): one pass over the
    received dossiers in the order of receipt."""
    import bisect

    moments = [make_period(day, day).end for day in days]
    result: dict[dt.date, list[int]] = {day: [] for day in days}
    rows = (
        Dossier.objects.filter(received_at__isnull=False, received_at__lt=moments[-1])
        .values_list("pk", "received_at", "decided_at", "withdrawn_at")
        .order_by()
        .iterator(chunk_size=20000)
    )
    for pk, received, decided, withdrawn in rows:
        ended = decided or withdrawn
        # Moments T with received < T <= ended (open at T: not ended before T).
        first = bisect.bisect_right(moments, received)
        last = len(moments) if ended is None else bisect.bisect_right(moments, ended)
        for index in range(first, last):
            result[days[index]].append(pk)
    return result


def rebuild(
    date_from: dt.date | None = None, date_to: dt.date | None = None, *, progress: Progress | None = None
) -> int:
    """Recompute the read model from the dossiers for ``[date_from, date_to]`` (default: from the
    first dossier to yesterday): every day's figures, and the end-of-day snapshot of month ends
    and of the last day. Returns the number of days. Safe to run while the platform serves: each
    day is replaced in its own transaction."""
    _WORKDAYS.clear()
    yesterday = today() - dt.timedelta(days=1)
    if date_from is None:
        first = Dossier.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first()
        if first is None:
            return 0
        date_from = _day(first)
    date_to = min(date_to or yesterday, yesterday)
    if date_from > date_to:
        return 0
    days = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    snapshot_days = _month_ends(date_from, date_to)
    total = len(days) + len(snapshot_days)
    for index, day in enumerate(days, 1):
        materialize_day(day, snapshot=False)
        if progress:
            progress(index, total)
    open_ids = open_ids_at(snapshot_days)
    for index, day in enumerate(snapshot_days, len(days) + 1):
        snapshot_from_ids(day, open_ids.pop(day))
        if progress:
            progress(index, total)
    return len(days)


def refresh_dossier(dossier: Dossier) -> list[dt.date]:
    """Recompute the cells of the dossier's agency and procedure on the materialised days its
    additive facts belong to (receipt, decision, withdrawal). Called by the event subscriber."""
    days = {_day(moment) for moment in (dossier.received_at, dossier.decided_at, dossier.withdrawn_at)}
    days = sorted(day for day in days if day is not None and _closed(day))
    if not days:
        return []
    materialised = set(
        FiguresDay.objects.filter(day__in=days, figures_at__isnull=False).values_list("day", flat=True)
    )
    done = []
    scope = Dossier.objects.filter(
        receiving_agency_id=dossier.receiving_agency_id, procedure_id=dossier.procedure_id
    )
    ratings = Rating.objects.filter(
        dossier__receiving_agency_id=dossier.receiving_agency_id, dossier__procedure_id=dossier.procedure_id
    )
    for day in days:
        if day not in materialised:
            continue
        with transaction.atomic():
            _lock_day(day)
            rows = _aggregate(scope, make_period(day, day), CELL_KEYS, additive_only=True)
            cells = _cells(day, rows, _cell_ratings(day, ratings))
            DailyFigures.objects.filter(
                day=day, agency_id=dossier.receiving_agency_id, procedure_id=dossier.procedure_id
            ).delete()
            DailyFigures.objects.bulk_create(cells)
        done.append(day)
    return done


# -- Checking -----------------------------------------------------------------------------------


def _stored_cells(day: dt.date) -> dict[tuple[int, int], dict[str, Any]]:
    names = (*ADDITIVE_FIELDS, *RATING_FIELDS)
    return {
        (row["agency_id"], row["procedure_id"]): {name: row[name] for name in names}
        for row in DailyFigures.objects.filter(day=day).values("agency_id", "procedure_id", *names)
    }


def check(date_from: dt.date, date_to: dt.date) -> list[str]:
    """Compare the stored figures of the materialised days in the range with a fresh computation
    from the dossiers; returns one line per difference (empty: they agree exactly). End-of-day
    snapshots are not compared: they record the moment the day closed, which the dossiers as
    they are now no longer show."""
    _WORKDAYS.clear()
    differences = []
    days = FiguresDay.objects.filter(day__gte=date_from, day__lte=date_to, figures_at__isnull=False)
    for day in days.values_list("day", flat=True):
        period = make_period(day, day)
        fresh = {
            (cell.agency_id, cell.procedure_id): {
                name: getattr(cell, name) for name in (*ADDITIVE_FIELDS, *RATING_FIELDS)
            }
            for cell in _cells(
                day,
                _aggregate(Dossier.objects.all(), period, CELL_KEYS, additive_only=True),
                _cell_ratings(day),
            )
        }
        stored = _stored_cells(day)
        for key in sorted(set(fresh) | set(stored)):
            a, b = stored.get(key), fresh.get(key)
            if a != b:
                differences.append(f"{day} agency={key[0]} procedure={key[1]}: stored {a} != computed {b}")
    return differences


# -- Reading ------------------------------------------------------------------------------------

# What a breakdown groups the read model's rows by: (key, code, name) paths from a cell.
_CELL_GROUPS: dict[str | None, tuple[str, str, str] | None] = {
    "agency": ("agency_id", "agency__code", "agency__name"),
    "procedure": ("procedure_id", "procedure__code", "procedure__name"),
    "field": ("procedure__field_id", "procedure__field__code", "procedure__field__name"),
    None: None,
}


def _grouped(qs, group_by: str | None, names: Iterable[str]) -> dict[Any, dict[str, Any]]:
    paths = _CELL_GROUPS[group_by]
    sums = {f"s_{name}": Sum(name) for name in names}
    rows = qs.values(*paths).annotate(**sums).order_by() if paths else [qs.aggregate(**sums)]
    result = {}
    for row in rows:
        if row[f"s_{next(iter(names))}"] is None:
            continue  # no cell at all
        key, code, name = (row[p] for p in paths) if paths else (0, "", "")
        result[key] = {"f_key": key, "f_code": code, "f_name": name, **{n: row[f"s_{n}"] for n in names}}
    return result


def _add(into: dict[Any, dict[str, Any]], rows: Iterable[dict[str, Any]], names: Iterable[str]) -> None:
    for row in rows:
        target = into.setdefault(
            row["f_key"], {"f_key": row["f_key"], "f_code": row["f_code"], "f_name": row["f_name"]}
        )
        for name in names:
            value = row.get(name)
            if value is not None:
                target[name] = target.get(name, 0) + (
                    Decimal(str(value)) if name == "processing_days_total" else value
                )


def _ranges(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive runs of sorted days as (first, last)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _day_range_q(runs: list[tuple[dt.date, dt.date]]) -> Q:
    condition = Q(pk__in=[])
    for first, last in runs:
        condition |= Q(day__gte=first, day__lte=last)
    return condition


def holds_any(period: Period) -> bool:
    """Whether the read model holds anything for the period (its days or the day before)."""
    return FiguresDay.objects.filter(
        day__gte=period.date_from - dt.timedelta(days=1), day__lte=period.date_to
    ).exists()


def figures(
    scope,
    period: Period,
    group_by: str | None,
    options: facts.Options,
    *,
    raw_ratings: Callable[[Period], dict[Any, dict[str, Any]]],
) -> tuple[dict[Any, dict[str, Any]], dict[Any, dict[str, Any]]] | None:
    """The sums of ``period`` per group (as :func:`facts.aggregate` returns them) and the ratings
    per group, from the read model where days are materialised and from the dossiers elsewhere.

    ``raw_ratings(part)`` computes the ratings of a part from the ratings table (the caller's
    existing query). Returns (sums by key, ratings by key), or None when the read model holds
    nothing for the period (the caller then computes it directly, in one query).
    """
    now_day = today(period.now)
    last_closed = min(period.date_to, now_day - dt.timedelta(days=1))
    marks = {
        mark.day: mark
        for mark in FiguresDay.objects.filter(
            day__gte=period.date_from - dt.timedelta(days=1), day__lte=last_closed
        )
    }
    materialised = sorted(day for day, mark in marks.items() if mark.figures_at and day >= period.date_from)
    before, last = period.date_from - dt.timedelta(days=1), period.date_to
    carried_snapshot = before in marks and marks[before].open_at is not None
    running = period.measured_at < period.end
    open_snapshot = not running and last in marks and marks[last].open_at is not None
    if not materialised and not carried_snapshot and not open_snapshot:
        return None  # nothing stored: the caller computes everything directly (one query)

    sums: dict[Any, dict[str, Any]] = {}
    ratings: dict[Any, dict[str, Any]] = {}
    # Not the bulk jobs' cache: a long-running server must see a day off declared meanwhile.
    workdays = WorkingDays.for_years(period.date_from.year - 1, max(period.date_to.year, period.now.year) + 1)
    scoped_dossiers = scope.dossiers()
    returned = set(facts.sum_expressions(options))
    additive = [name for name in ADDITIVE_FIELDS if name in returned]
    # Additive figures: stored days, then the other days (and today) from the dossiers.
    if materialised:
        cells = scope.cells(DailyFigures).filter(_day_range_q(_ranges(materialised)))
        stored = _grouped(cells, group_by, (*ADDITIVE_FIELDS, *RATING_FIELDS))
        _add(sums, stored.values(), additive)
        for key, row in stored.items():
            if not row["ratings"]:
                continue  # as the ratings query: only groups that were rated
            ratings[key] = {
                "code": row["f_code"],
                "name": row["f_name"],
                "ratings": int(row["ratings"] or 0),
                "points": int(row["rating_points"] or 0),
                "satisfied": int(row["satisfied"] or 0),
                "dissatisfied": int(row["dissatisfied"] or 0),
            }
    every_day = [
        period.date_from + dt.timedelta(days=n) for n in range((period.date_to - period.date_from).days + 1)
    ]
    done = set(materialised)
    missing = [day for day in every_day if day not in done and day <= now_day]
    keys = facts.group_keys(group_by)
    for first, last_day in _ranges(missing):
        part = make_period(first, last_day, now=period.now)
        rows = facts.aggregate(
            [facts.facts(scoped_dossiers, part, keys, options, additive_only=True)], options, workdays
        )
        _add(sums, rows, additive)
        for key, rating in raw_ratings(part).items():
            target = ratings.setdefault(
                key,
                {
                    "code": rating["code"],
                    "name": rating["name"],
                    "ratings": 0,
                    "points": 0,
                    "satisfied": 0,
                    "dissatisfied": 0,
                },
            )
            for name in ("ratings", "points", "satisfied", "dissatisfied"):
                target[name] += rating[name]

    # Boundary figures: the snapshots where taken, else from the dossiers.
    def snapshot(day: dt.date, names: dict[str, str]) -> None:
        rows = _grouped(scope.cells(OpenFigures).filter(day=day), group_by, list(names))
        for row in rows.values():
            renamed = {**row, **{target: row[source] for source, target in names.items()}}
            _add(sums, [renamed], names.values())

    if carried_snapshot:
        snapshot(before, {"in_progress": "carried_over"})
    if open_snapshot:
        snapshot(last, {name: name for name in OPEN_FIELDS if name in returned})
    direct = []
    if not carried_snapshot or not (open_snapshot or running):
        direct = facts.aggregate([facts.facts(scoped_dossiers, period, keys, options)], options, workdays)
    if not carried_snapshot:
        _add(sums, direct, ["carried_over"])
    if running:
        # Open now: today's period measures its open dossiers at this moment (bounded query).
        current = make_period(now_day, now_day, now=period.now)
        rows = facts.aggregate([facts.facts(scoped_dossiers, current, keys, options)], options, workdays)
        _add(sums, rows, [name for name in OPEN_FIELDS if name in returned])
    elif not open_snapshot:
        _add(sums, direct, [name for name in OPEN_FIELDS if name in returned])
    return sums, ratings
