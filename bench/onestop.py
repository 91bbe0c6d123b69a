"""One-stop office benchmarks: generation, online submission, public tracking and statistics at scale.

``BENCH_DOSSIERS`` (default 100,000) generated dossiers are loaded first into the benchmark's
throwaway database, on top of the demo province (``tinhso demo load``), then ``ANALYZE`` is run
as a production database would have statistics. Each figure is measured against a baseline in
the same run:

* generation: ``tinhso demo --dossiers`` (a dossier with its whole history: steps, control-sheet
  lines, documents...) vs ``bulk_create`` of bare dossier rows (rolled back);
* submission, by direct calls (no HTTP): ``services.submit_dossier`` as a demo citizen with the
  form and its one required document (a 1 KB PDF, stored, type-checked, audited) vs a plain
  ``Dossier.objects.create`` of one comparable row in its own transaction;
* public tracking: ``selectors.track_dossier(code, last 4 digits)`` (rate limits in the Django
  cache, the answer with its timeline) vs ``Dossier.objects.filter(code=...).values(...).first()``;
* statistics for the last whole year: ``dossier_stats(group_by="agency")`` and
  ``service_index`` vs the naive way, loading the year's dossiers with ``.values()`` and
  counting in Python (seconds per query, best of three).

* statistics read model: the same ``dossier_stats`` / ``service_index`` calls once the read
  model is built (``tinhso dossiers stats rebuild``, timed), against the direct aggregate over the
  dossiers (``DOSSIER_STATS_READ_MODEL`` off) in the same run, for a year and for a month; and
  the nightly ``close-days`` work for one day.

Run: ``BENCH_DOSSIERS=1000000 DEBUG=1 python -m bench onestop`` (add ``DATABASE_URL=postgresql://...``
for PostgreSQL, on an existing empty database). ``BENCH_REUSE=1`` reuses a database already
loaded by an earlier run (no generation; submission, tracking and the read model) so that
5,000,000 dossiers are generated once. ``BENCH_EXPLAIN=1`` prints the query plans of the
statistics on stderr.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

from bench.measure import Result, rate

SCALE = int(os.environ.get("BENCH_DOSSIERS", "100000"))
REUSE = os.environ.get("BENCH_REUSE", "") not in ("", "0")
WARD = "000.00.41.H13"
PROCEDURE = "1.000894"  # Đăng ký kết hôn: online, one required document


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@dataclass
class Seconds:
    """A row in seconds per operation (statistics queries take seconds, not microseconds)."""

    name: str
    ours: float
    baseline: float
    ours_label: str
    baseline_label: str

    def row(self) -> str:
        ratio = self.baseline / self.ours if self.ours else float("nan")
        return (
            f"| {self.name} | {self.ours:.3f} s ({self.ours_label}) | {self.baseline:.3f} s "
            f"({self.baseline_label}) | {ratio:.2f}× |"
        )


def _best(operation, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        best = min(best, time.perf_counter() - start)
    return best


# --- Setup and generation ------------------------------------------------------------------


def _prepare() -> Result:
    from django.db import connection, transaction

    from tinhso.demo import services as demo
    from tinhso.dossiers import generator
    from tinhso.dossiers.models import Dossier

    started = time.perf_counter()
    demo.load_demo()
    _say(f"demo province loaded in {time.perf_counter() - started:.1f} s")
    report = generator.generate_dossiers(
        count=SCALE, seed=1, progress=generator.Progress(SCALE, stream=sys.stderr)
    )
    _say(
        f"generated {report.count:,} dossiers in {report.seconds:.1f} s: "
        + ", ".join(f"{n:,} {name}" for name, n in report.rows.items())
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _say(f"ANALYZE in {time.perf_counter() - started:.1f} s")

    # Baseline: bare dossier rows through bulk_create, rolled back.
    template = Dossier.objects.filter(state="returned", idempotency_key="").order_by("id").first()
    count = min(20_000, max(2_000, SCALE // 50))
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Dossier._meta.concrete_fields
        if f.attname not in ("id", "code", "public_id")
    }

    def bare():
        with transaction.atomic():
            Dossier.objects.bulk_create(
                [Dossier(**fields, code=f"BENCH-{uuid.uuid4().hex}") for _ in range(count)], batch_size=2000
            )
            transaction.set_rollback(True)

    seconds = _best(bare, repeat=1)
    return Result(
        f"generation: dossiers with their whole history (`tinhso demo --dossiers {SCALE:,}`) vs "
        "`bulk_create` of bare dossier rows",
        report.rate,
        count / seconds,
        f"{sum(report.rows.values()) / max(report.count, 1):.1f} rows a dossier",
        "1 row a dossier",
    )


# --- Submission ----------------------------------------------------------------------------


def _submission() -> Result:
    import random

    from django.db import transaction

    from tinhso.core.accounts import services as accounts
    from tinhso.core.agencies.models import Agency
    from tinhso.demo import data
    from tinhso.dossiers import services
    from tinhso.dossiers.generator import specimen_pdf
    from tinhso.dossiers.generator.reference import fill_form
    from tinhso.dossiers.models import Dossier
    from tinhso.procedures.models import Procedure

    citizen = accounts.find_citizen(data.CITIZENS[0].citizen_id)
    agency = Agency.objects.get(code=WARD)
    procedure = Procedure.objects.get(code=PROCEDURE)
    form, _fee = fill_form(procedure, random.Random(1))
    required = procedure.documents.get(is_required=True)
    pdf = specimen_pdf("Bench")

    def submit(i):
        services.submit_dossier(
            actor=citizen,
            procedure_code=PROCEDURE,
            agency=agency,
            form_data=form,
            documents=[
                services.DocumentInput(
                    required_document_id=required.pk, upload=io.BytesIO(pdf), name="to-khai.pdf"
                )
            ],
        )

    template = Dossier.objects.filter(procedure=procedure, idempotency_key="").order_by("id").first()
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Dossier._meta.concrete_fields
        if f.attname not in ("id", "code", "public_id", "created_at", "updated_at")
    }

    def insert(i):
        with transaction.atomic():
            Dossier.objects.create(**fields, code=f"BENCH-{uuid.uuid4().hex}")

    ours = rate(submit, 100)
    baseline = rate(insert, 300)
    Dossier.objects.filter(code__startswith="BENCH-").delete()
    return Result(
        "online submission: `submit_dossier` (form, one 1 KB PDF, audit, event) vs a plain "
        "`Dossier.objects.create` (direct calls)",
        ours,
        baseline,
        "service",
        "one insert",
    )


# --- Tracking ------------------------------------------------------------------------------


def _tracking() -> Result:
    import random

    from django.test import override_settings

    from tinhso.dossiers import selectors
    from tinhso.dossiers.models import Dossier

    total = Dossier.objects.count()
    rng = random.Random(2)
    picks = []
    for _ in range(500):
        row = (
            Dossier.objects.filter(id__gte=rng.randrange(1, total))
            .order_by("id")
            .values("code", "applicant_phone_last4", "applicant_id_last4")
            .first()
        )
        if row is not None:
            picks.append((row["code"], row["applicant_phone_last4"] or row["applicant_id_last4"]))

    def track(i):
        code, factor = picks[i % len(picks)]
        selectors.track_dossier(code, factor, client_ip=f"10.1.{i % 250}.{i % 7}")

    def bare(i):
        code, _factor = picks[i % len(picks)]
        Dossier.objects.filter(code=code).values("state", "received_at", "appointment_at").first()

    with override_settings(DOSSIER_TRACK_IP_LIMIT=10**9, DOSSIER_TRACK_CODE_FAILURE_LIMIT=10**9):
        ours = rate(track, 1000)
    baseline = rate(bare, 3000)
    return Result(
        "public tracking: `track_dossier(code, last 4 digits)` vs `filter(code=...).values(...).first()`",
        ours,
        baseline,
        "selector, rate limits, timeline",
        "one indexed lookup",
    )


# --- Statistics ----------------------------------------------------------------------------


def _naive_year(date_from: dt.date, date_to: dt.date) -> dict:
    """The year's figures per receiving agency the naive way: every relevant dossier loaded."""
    from django.db.models import Q

    from tinhso.core.workcalendar.arithmetic import TZ
    from tinhso.dossiers.models import Dossier

    start = dt.datetime.combine(date_from, dt.time(), tzinfo=TZ)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
    open_states = ("submitted", "received", "processing", "awaiting_supplement", "awaiting_payment")
    rows = Dossier.objects.filter(
        Q(submitted_at__lt=end)
        & (Q(decided_at__gte=start) | Q(withdrawn_at__gte=start) | Q(state__in=open_states))
    ).values_list(
        "receiving_agency_id",
        "state",
        "channel",
        "received_at",
        "decided_at",
        "withdrawn_at",
        "due_at",
        "supplement_count",
    )
    figures: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for agency, state, channel, received, decided, withdrawn, due, supplements in rows:
        row = figures[agency]
        ended = decided or withdrawn
        if received is not None and start <= received < end:
            row["received"] += 1
            row["received_online"] += channel == 2
        if received is not None and ended is not None and start <= ended < end:
            row["resolved"] += 1
            late = supplements > 1 or (due is not None and ended > due)
            row["resolved_late" if late else "resolved_in_time"] += 1
        elif received is not None and received < end and (ended is None or ended >= end):
            row["in_progress"] += 1
        row["refused"] += state == "refused" and decided is not None and start <= decided < end
    return figures


def _explain(label: str, queryset_sql: tuple[str, list]) -> None:
    from django.db import connection

    sql, params = queryset_sql
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
    _say(f"--- plan: {label}\n{plan}")


def _statistics() -> list[Seconds]:
    from django.db.models import Max

    from tinhso.core.permissions import SYSTEM
    from tinhso.dossiers.models import Dossier
    from tinhso.dossiers.stats import dossier_stats, service_index

    last = Dossier.objects.aggregate(last=Max("submitted_at"))["last"]
    year = last.year - 1
    date_from, date_to = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if os.environ.get("BENCH_EXPLAIN"):
        try:  # the facts query is the statistics module's internal: print its plan if it can be built
            from tinhso.dossiers.stats import facts
            from tinhso.dossiers.stats.period import period_of

            period = period_of(date_from, date_to)
            query = facts.facts(Dossier.objects.all(), period, facts.group_keys("agency"), facts.Options())
            _explain("facts of dossier_stats(group_by='agency')", query.query.sql_with_params())
        except Exception as exc:  # noqa: BLE001 - a diagnostic only
            _say(f"(no plan: {exc!r})")
    rows = dossier_stats(actor=SYSTEM, date_from=date_from, date_to=date_to, group_by="agency")
    naive = _naive_year(date_from, date_to)
    for key in ("received", "received_online", "resolved"):
        ours_total = sum(getattr(row, key) for row in rows)
        naive_total = sum(figures[key] for figures in naive.values())
        if ours_total != naive_total:
            _say(f"note: {key} differs: dossier_stats {ours_total:,}, naive {naive_total:,}")
    received = sum(row.received for row in rows)
    _say(f"statistics of {year}: {len(rows)} agencies, {received:,} dossiers received")
    stats_seconds = _best(
        lambda: dossier_stats(actor=SYSTEM, date_from=date_from, date_to=date_to, group_by="agency")
    )
    index_seconds = _best(lambda: service_index(actor=SYSTEM, date_from=date_from, date_to=date_to))
    naive_seconds = _best(lambda: _naive_year(date_from, date_to))
    return [
        Seconds(
            f"statistics {year} by agency ({SCALE:,} dossiers): `dossier_stats` vs loading the dossiers "
            "into Python",
            stats_seconds,
            naive_seconds,
            f"{received:,} received",
            "`.values()` + Python",
        ),
        Seconds(
            f"Service Index {year} ({SCALE:,} dossiers): `service_index` vs loading the dossiers into Python",
            index_seconds,
            naive_seconds,
            "10 indicators",
            "`.values()` + Python",
        ),
    ]


def _read_model() -> list[Seconds]:
    """Statistics from the read model vs the direct aggregate over the dossiers, same calls."""
    from django.db.models import Max
    from django.test import override_settings

    from tinhso.core.permissions import SYSTEM
    from tinhso.dossiers.models import Dossier
    from tinhso.dossiers.stats import dossier_stats, readmodel, service_index
    from tinhso.dossiers.stats_models import FiguresDay

    total = Dossier.objects.count()
    started = time.perf_counter()
    days = readmodel.rebuild()
    rebuild_seconds = time.perf_counter() - started
    _say(f"read model rebuilt: {days:,} days in {rebuild_seconds:.1f} s")
    # The nightly job's work for one day: the last day materialised again, with its snapshot.
    last_day = FiguresDay.objects.order_by("-day").values_list("day", flat=True).first()
    close_seconds = _best(lambda: readmodel.materialize_day(last_day, snapshot=True), repeat=1)

    last = Dossier.objects.aggregate(last=Max("submitted_at"))["last"]
    year = last.year - 1
    cases = [
        ("year by agency", dt.date(year, 1, 1), dt.date(year, 12, 31), "agency"),
        ("November by agency", dt.date(year, 11, 1), dt.date(year, 11, 30), "agency"),
        ("year by month", dt.date(year, 1, 1), dt.date(year, 12, 31), "month"),
    ]
    results = []
    for label, date_from, date_to, group_by in cases:

        def stats(date_from=date_from, date_to=date_to, group_by=group_by):
            return dossier_stats(actor=SYSTEM, date_from=date_from, date_to=date_to, group_by=group_by)

        stored_rows = stats()
        stored = _best(stats)
        with override_settings(DOSSIER_STATS_READ_MODEL=False):
            direct_rows = stats()
            direct = _best(stats, repeat=1)
        same = [r.as_dict() for r in stored_rows] == [r.as_dict() for r in direct_rows]
        if not same:
            _say(f"note: {label}: the read model and the direct computation differ")
        results.append(
            Seconds(
                f"statistics {year}, {label} ({total:,} dossiers): read model vs direct aggregate",
                stored,
                direct,
                "read model" + ("" if same else ", figures differ!"),
                "`DOSSIER_STATS_READ_MODEL` off",
            )
        )

    def index():
        return service_index(actor=SYSTEM, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))

    stored = _best(index)
    with override_settings(DOSSIER_STATS_READ_MODEL=False):
        direct = _best(index, repeat=1)
    results.append(
        Seconds(
            f"Service Index {year} ({total:,} dossiers): read model vs direct aggregate",
            stored,
            direct,
            "read model",
            "`DOSSIER_STATS_READ_MODEL` off",
        )
    )
    results.append(
        Seconds(
            f"read model upkeep ({total:,} dossiers): one day closed (`close-days`) vs a full rebuild "
            f"of {days:,} days",
            close_seconds,
            rebuild_seconds,
            "one day",
            "rebuild",
        )
    )
    return results


def run() -> list:
    if REUSE:
        return [_submission(), _tracking(), *_read_model()]
    results = [_prepare()]
    results.append(_submission())
    results.append(_tracking())
    results.extend(_statistics())
    results.extend(_read_model())
    return results
