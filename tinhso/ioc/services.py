"""The only writer of the IOC's read models (docs/ioc.md).

``record`` and ``sync_open_item`` are called by the modules' event subscribers, inside the
delivery's savepoint: the event system delivers each event once per subscriber (a unique
``Delivery`` row written in the same savepoint), so an increment is never applied twice and never
lost. ``rebuild`` recomputes a source's tables from its ``replay()``; ``check`` compares the two
without writing.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from django.core.cache import cache
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F

from tinhso.core.events.services import settle_pending
from tinhso.ioc.models import Counter, Grain, OpenItem
from tinhso.ioc.sources import DataSource, Increment, OpenItemState, get_source, sources

VERSION_KEY = "ioc:version"


def _cells(increment: Increment) -> list[tuple]:
    """The four cells an increment adds to: (grain, metric, day, agency, unit, subject)."""
    i = increment
    month = i.day.replace(day=1)
    return [
        (Grain.DAY, i.metric, i.day, i.agency_id, i.unit_id, i.subject),
        (Grain.DAY_AGENCY, i.metric, i.day, i.agency_id, i.unit_id, ""),
        (Grain.MONTH, i.metric, month, i.agency_id, i.unit_id, i.subject),
        (Grain.MONTH_AGENCY, i.metric, month, i.agency_id, i.unit_id, ""),
    ]


def _tally(increments: Iterable[Increment]) -> Tally:
    totals: Tally = Tally()
    for increment in increments:
        for cell in _cells(increment):
            totals[cell] += increment.delta
    return totals


def _bump_version() -> None:
    """Tell the live screens something changed (they poll this key, see views.stream)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)


def record(source_code: str, increments: Iterable[Increment]) -> int:
    """Add the increments to the counters (creating cells as needed). Returns the cells touched."""
    touched = 0
    with transaction.atomic():
        # A fixed order, so two deliveries touching the same cells lock them in the same order.
        for cell, delta in sorted(_tally(increments).items(), key=lambda kv: str(kv[0])):
            if not delta:
                continue
            keys = dict(zip(("grain", "metric", "day", "agency_id", "unit_id", "subject"), cell, strict=True))
            updated = Counter.objects.filter(**keys).update(value=F("value") + delta)
            if not updated:
                try:
                    with transaction.atomic():
                        Counter.objects.create(source=source_code, value=delta, **keys)
                except IntegrityError:  # created meanwhile by a concurrent delivery
                    Counter.objects.filter(**keys).update(value=F("value") + delta)
            touched += 1
    if touched:
        transaction.on_commit(_bump_version)
    return touched


def sync_open_item(source_code: str, key: str, state: OpenItemState | None) -> None:
    """Make the open item ``key`` match ``state`` (None: it is no longer open). Idempotent, so
    events delivered late or out of order leave the item as the source's current state says."""
    with transaction.atomic():
        if state is None:
            OpenItem.objects.filter(source=source_code, key=key).delete()
        else:
            OpenItem.objects.update_or_create(
                source=source_code,
                key=key,
                defaults={
                    "agency_id": state.agency_id,
                    "unit_id": state.unit_id,
                    "subject": state.subject,
                    "opened_at": state.opened_at,
                    "due_at": state.due_at,
                },
            )
    transaction.on_commit(_bump_version)


def _replayed(source: DataSource) -> tuple[dict[tuple, int], dict[str, OpenItemState]]:
    counters = {cell: value for cell, value in _tally(source.replay()).items() if value}
    items = {item.key: item for item in source.open_items()}
    return counters, items


def _snapshot_transaction() -> None:
    """Make the current (outermost) transaction read one snapshot: on PostgreSQL, REPEATABLE
    READ, so the events settled and the history replayed are the same moment; a concurrent
    delivery touching the same rows then makes the rebuild fail with a serialization error
    (retried by ``rebuild``). SQLite transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def rebuild(source_code: str | None = None, *, attempts: int = 3) -> dict[str, int]:
    """Recompute the counters and open items of one source (or all) from their history.

    One transaction per source, on one snapshot: the events already visible are recorded as
    handled by the source's subscribers (their effect is in the history read), those committed
    later are applied normally. The screens see the old figures or the new, never a mix.
    """
    done = {}
    for source in [get_source(source_code)] if source_code else sources():
        for attempt in range(1, attempts + 1):
            try:
                done[source.code] = _rebuild_source(source)
                break
            except OperationalError:
                if attempt == attempts:
                    raise
    return done


def _rebuild_source(source: DataSource) -> int:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            _snapshot_transaction()
        settle_pending(source.subscriber_names)
        counters, items = _replayed(source)
        Counter.objects.filter(source=source.code).delete()
        Counter.objects.bulk_create(
            [
                Counter(
                    grain=grain,
                    source=source.code,
                    metric=metric,
                    day=day,
                    agency_id=agency_id,
                    unit_id=unit_id,
                    subject=subject,
                    value=value,
                )
                for (grain, metric, day, agency_id, unit_id, subject), value in counters.items()
            ],
            batch_size=5000,
        )
        OpenItem.objects.filter(source=source.code).delete()
        OpenItem.objects.bulk_create(
            [
                OpenItem(
                    source=source.code,
                    key=item.key,
                    agency_id=item.agency_id,
                    unit_id=item.unit_id,
                    subject=item.subject,
                    opened_at=item.opened_at,
                    due_at=item.due_at,
                )
                for item in items.values()
            ],
            batch_size=5000,
        )
        transaction.on_commit(_bump_version)
    return len(counters)


def check(source_code: str | None = None) -> list[str]:
    """Differences between the stored read models and a replay of the history (empty: equal)."""
    differences = []
    for source in [get_source(source_code)] if source_code else sources():
        counters, items = _replayed(source)
        stored = {
            (row.grain, row.metric, row.day, row.agency_id, row.unit_id, row.subject): row.value
            for row in Counter.objects.filter(source=source.code).exclude(value=0)
        }
        for cell in sorted(set(counters) | set(stored), key=str):
            if counters.get(cell, 0) != stored.get(cell, 0):
                differences.append(
                    f"{source.code} [{cell[0]}] {cell[1]} {cell[2]} agency={cell[3]} unit={cell[4]} {cell[5]!r}: "
                    f"stored {stored.get(cell, 0)} != history {counters.get(cell, 0)}"
                )
        stored_items = {
            item.key: (item.agency_id, item.unit_id, item.subject, item.opened_at, item.due_at)
            for item in OpenItem.objects.filter(source=source.code)
        }
        for key in sorted(set(items) | set(stored_items)):
            replayed = items.get(key)
            expected = (
                None
                if replayed is None
                else (
                    replayed.agency_id,
                    replayed.unit_id,
                    replayed.subject,
                    replayed.opened_at,
                    replayed.due_at,
                )
            )
            if stored_items.get(key) != expected:
                differences.append(
                    f"{source.code} open item {key}: stored {stored_items.get(key)} != history {expected}"
                )
    return differences
