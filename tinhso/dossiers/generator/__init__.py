"""Bulk generator of realistic demo dossiers: ``tinhso demo --dossiers N``.

    from tinhso.dossiers.generator import generate_dossiers
    report = generate_dossiers(count=100_000, seed=1)

It fabricates *history*: N dossiers submitted over several years (2022 to now by default) to the
demo agencies, for the demo procedures, each with the control-sheet lines, steps, supplements,
refusals, extensions, stop notices, ratings and documents that the services would have written
had the dossier really been handled. That is why it does not call the services: no service may
backdate what it writes, and going through them (locks, audit chain, events, notifications,
about 30 ms a dossier) would make millions of rows a matter of days. The services themselves are
exercised by the tests and by the small demo seed (``tinhso/dossiers/demo.py``).

Consequences, on purpose: **no audit records and no events** are written for generated history
(nothing happened: the audit chain records what people and systems did, and a replay of
years of ``dossiers.state_changed`` events would send notifications and national-portal syncs);
the dossier codes are drawn from the same per-agency, per-day counters as real submissions
(``DossierSequence``), which are moved forward in the same transaction, so a later real
submission never collides with a generated code. The same seed on the same database gives the
same rows. Details (what is and is not generated): docs/onestop.md, "Demo data".
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from tinhso.core.permissions import SYSTEM
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers.generator import life
from tinhso.dossiers.generator import reference as ref
from tinhso.dossiers.generator.history import Ids, Rows, Simulator, Submission
from tinhso.dossiers.generator.reference import online_target
from tinhso.dossiers.generator.writer import BulkWriter
from tinhso.dossiers.models import Channel, DossierSequence

TZ = arithmetic.TZ
DEFAULT_SINCE = dt.date(2022, 1, 1)
DEFAULT_BATCH = 5000
MAX_COUNT = 50_000_000
DOCUMENT_NAME = "ho-so-minh-hoa.pdf"
RESULT_NAME = "ket-qua-minh-hoa.pdf"


class GenerationError(Exception):
    """The generator cannot run (nothing to generate from, bad arguments)."""


@dataclass
class GenerationReport:
    count: int = 0
    seconds: float = 0.0
    rows: Counter = field(default_factory=Counter)
    states: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


class Progress:
    """A plain progress line: ``\\r`` updates on a terminal, a line every 10 % otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, label: str = "dossiers") -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_print = 0.0
        self._last_decile = -1

    def __call__(self, done: int) -> None:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = done / elapsed
        percent = 100.0 * done / self.total
        left = (self.total - done) / rate if rate else 0.0
        text = (
            f"{percent:5.1f} %  {done:,} / {self.total:,} {self.label}  {rate:,.0f}/s  "
            f"elapsed {_clock(elapsed)}  left {_clock(left)}"
        )
        if self.tty:
            now = time.perf_counter()
            if now - self._last_print >= 0.2 or done >= self.total:
                self._write("\r" + text + ("\n" if done >= self.total else ""))
                self._last_print = now
        else:
            decile = int(percent // 10)
            if decile != self._last_decile:
                self._last_decile = decile
                self._write(text + "\n")

    def _write(self, text: str) -> None:
        if hasattr(self.stream, "style_func"):  # a management command's OutputWrapper adds endings
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def allocate(count: int, weights: list[float]) -> list[int]:
    """``count`` split over the days in proportion to ``weights``, exactly, deterministically."""
    total = sum(weights)
    if total <= 0:
        return [0] * len(weights)
    counts, cumulative, given = [], 0.0, 0
    for weight in weights:
        cumulative += weight
        upto = min(count, int(count * cumulative / total + 1e-9))
        counts.append(upto - given)
        given = upto
    counts[-1] += count - given
    return counts


def specimen_pdf(title: str) -> bytes:
    """A one-page PDF saying it is demo data (ASCII only: the core fonts have no Vietnamese)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(0, 10, title)
    pdf.ln(12)
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Demo data generated by tinhso (tinhso demo --dossiers). Not a real document.")
    return bytes(pdf.output())


def demo_files() -> tuple[int, int]:
    """The two stored PDFs every generated dossier points at (its documents and its result),
    uploaded once through the files service."""
    from tinhso.core.files import services as files
    from tinhso.core.files.models import StoredFile

    ids = []
    for name, title in ((DOCUMENT_NAME, "Ho so minh hoa"), (RESULT_NAME, "Ket qua minh hoa")):
        stored = (
            StoredFile.objects.filter(
                original_name=name, purpose="dossier_attachment", owner__isnull=True, deleted_at__isnull=True
            )
            .order_by("id")
            .first()
        )
        if stored is None:
            stored = files.store_upload(
                actor=SYSTEM, purpose="dossier_attachment", file=io.BytesIO(specimen_pdf(title)), name=name
            )
        ids.append(stored.pk)
    return ids[0], ids[1]


class _Run:
    def __init__(self, *, count, seed, since, now, batch_size, progress):
        self.count = count
        # One stream per purpose: the rows do not depend on the batch size.
        self.rng = random.Random(f"{seed}:draw")
        self.seed = seed
        self.since = since
        self.now = now
        self.batch_size = batch_size
        self.progress = progress
        self.report = GenerationReport()
        self.writer = BulkWriter()
        self.done = 0

    def run(self) -> GenerationReport:
        started = time.perf_counter()
        end = self.now.astimezone(TZ).date()
        reference = ref.load(random.Random(f"{self.seed}:catalog"), self.since, end)
        self.report.skipped = reference.skipped
        if not reference.combos:
            raise GenerationError(
                "No procedure is received by any agency: load the catalog first (tinhso demo load)."
            )
        document_file, result_file = demo_files()
        self.sim = Simulator(random.Random(f"{self.seed}:lives"), self.now, document_file, result_file)
        days = ref.day_weights(reference, random.Random(f"{self.seed}:days"), self.since, end)
        counts = allocate(self.count, [weight for _day, weight in days])
        pending: list[Submission] = []
        for (day, _weight), number in zip(days, counts, strict=True):
            if not number:
                continue
            pending.extend(self.draw(reference, day, number))
            if len(pending) >= self.batch_size:
                self.flush(pending)
                pending = []
        if pending:
            self.flush(pending)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def draw(self, reference: ref.Reference, day: dt.date, number: int) -> list[Submission]:
        """The day's submissions in time order: procedure and agency, channel, moment."""
        rng, sim = self.rng, self.sim
        table = reference.table(day)
        working = calendar.is_working_day(day)
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=TZ)
        fraction = table.online_fraction
        online_chance = min(0.97, online_target(noon) / fraction) if fraction else 0.0
        day_start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ)
        drawn = []
        for _ in range(number):
            if working or not table.online_combos:
                combo = table.pick(rng.random())
                online = combo.procedure.online and rng.random() < online_chance
            else:
                combo = table.pick(rng.random(), online_only=True)
                online = True
            if online:
                channel = Channel.ONLINE
            else:
                channel = Channel.POSTAL if rng.random() < 0.02 else Channel.COUNTER
            at = sim.submission_time(day, online, rng)
            if at is None or at > self.now:  # today: squeeze into the hours already gone
                at = (day_start + (self.now - day_start) * rng.random()).replace(microsecond=0)
            drawn.append(Submission(combo, at, channel))
        drawn.sort(key=lambda s: s.at)
        return drawn

    def flush(self, pending: list[Submission]) -> None:
        rows = Rows()
        with transaction.atomic():
            self.writer.lock()
            ids = Ids(self.writer.next_ids())
            first_ids = dict(ids.next)
            local_days = [s.at.astimezone(TZ).date() for s in pending]
            counters = {
                (agency_id, day): value
                for agency_id, day, value in DossierSequence.objects.filter(
                    day__gte=min(local_days), day__lte=max(local_days)
                ).values_list("agency_id", "day", "last_value")
            }
            touched = {}
            for submission, day in zip(pending, local_days, strict=True):
                agency = submission.combo.agency
                key = (agency.id, day)
                value = counters.get(key, 0) + 1
                counters[key] = touched[key] = value
                code = f"{agency.code}-{day:%y%m%d}-{value:04d}"
                life.play(self.sim, submission, code, ids, rows)
            self.writer.write(rows)
            DossierSequence.objects.bulk_create(
                [DossierSequence(agency_id=a, day=d, last_value=v) for (a, d), v in sorted(touched.items())],
                update_conflicts=True,
                unique_fields=["agency", "day"],
                update_fields=["last_value"],
            )
            self.writer.advance_sequences(
                {name: ids.next[name] for name in ids.next if ids.next[name] > first_ids[name]}
            )
        for name, number in rows.counts().items():
            self.report.rows[name] += number
        for row in rows.dossiers:
            self.report.states[row[24]] += 1
        self.report.count += len(pending)
        self.report.first_day = self.report.first_day or min(local_days)
        self.report.last_day = max(local_days)
        self.done += len(pending)
        if self.progress is not None:
            self.progress(self.done)


def generate_dossiers(
    *,
    count: int,
    seed: int = 1,
    since: dt.date = DEFAULT_SINCE,
    now: dt.datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Generate ``count`` dossiers submitted from ``since`` to ``now`` (default: now), in batches
    of ``batch_size``, each batch in its own transaction; ``progress(done)`` after each batch."""
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise GenerationError(f"The number of dossiers must be between 1 and {MAX_COUNT:,}.")
    if not 100 <= batch_size <= 100_000:
        raise GenerationError("The batch size must be between 100 and 100,000.")
    now = (now or timezone.now()).astimezone(TZ).replace(microsecond=0)
    if not isinstance(since, dt.date) or since >= now.date() or since.year < 2000:
        raise GenerationError("The first day must be a date between 2000 and yesterday.")
    return _Run(count=count, seed=seed, since=since, now=now, batch_size=batch_size, progress=progress).run()
