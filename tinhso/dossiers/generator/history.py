"""What every generated life shares: office moments, deadlines, pools of encrypted contacts, and
the containers of a batch's rows and reserved ids. The lives themselves are in :mod:`.life`."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from decimal import Decimal

from django.conf import settings

from tinhso.core.accounts import citizen_ids
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import deadlines
from tinhso.dossiers.generator import names
from tinhso.dossiers.generator.reference import Combo, StepInfo

TZ = arithmetic.TZ
ZERO = Decimal("0.00")
POOL_SIZE = 2048


def late_share(year: int) -> float:
    """Share of received dossiers decided after their deadline (improving year after year)."""
    return {2022: 0.08, 2023: 0.06, 2024: 0.045, 2025: 0.035}.get(year, 0.08 if year < 2022 else 0.03)


def electronic_result_share(moment: dt.datetime) -> float:
    years = (moment.year - 2022) + moment.month / 12.0
    return max(0.35, min(0.92, 0.35 + 0.13 * years))


# Hour weights of online submissions (0h..23h): office hours, and evenings at home.
ONLINE_HOURS = (1, 0.5, 0.3, 0.3, 0.5, 1, 3, 7, 10, 10, 9, 7, 5, 6, 8, 9, 8, 6, 6, 7, 7, 5, 3, 2)


class Step:
    __slots__ = ("id", "info", "started", "due", "finished", "outcome")

    def __init__(self, step_id: int, info: StepInfo, due: dt.datetime | None):
        self.id = step_id
        self.info = info
        self.started: dt.datetime | None = None
        self.due = due
        self.finished: dt.datetime | None = None
        self.outcome = ""


class Rows:
    """The tuples of one batch, per table, in the writer's column order."""

    def __init__(self) -> None:
        self.dossiers: list[tuple] = []
        self.steps: list[tuple] = []
        self.transitions: list[tuple] = []
        self.supplements: list[tuple] = []
        self.refusals: list[tuple] = []
        self.stops: list[tuple] = []
        self.extensions: list[tuple] = []
        self.ratings: list[tuple] = []
        self.documents: list[tuple] = []
        self.results: list[tuple] = []

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in vars(self).items()}


class Ids:
    """The next id of each table (reserved by the writer for the batch)."""

    def __init__(self, first: dict[str, int]) -> None:
        self.next = dict(first)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Submission:
    """What is drawn before the codes are numbered: who submits what, where, when and how."""

    __slots__ = ("combo", "at", "channel")

    def __init__(self, combo: Combo, at: dt.datetime, channel: int):
        self.combo = combo
        self.at = at
        self.channel = channel


class Simulator:
    """Plays dossiers forward and appends their rows; one instance per run (keeps its pools)."""

    def __init__(
        self, rng: random.Random, now: dt.datetime, document_file_id: int, result_file_id: int
    ) -> None:
        self.rng = rng
        self.now = now
        self.document_file_id = document_file_id
        self.result_file_id = result_file_id
        hours = arithmetic.office_hours()
        self.sessions = [
            (start.hour * 60 + start.minute, end.hour * 60 + end.minute) for start, end in hours.sessions
        ]
        self.per_day = sum(end - start for start, end in self.sessions)
        self.opening = self.sessions[0][0]
        self.closing = self.sessions[-1][1]
        self.id_key = settings.CITIZEN_ID_KEY.encode()
        self.officers: dict[tuple[int, str], str] = {}
        self.json_cache: dict[tuple, str] = {}
        self.due_cache: dict[tuple, dt.datetime] = {}
        # Encrypting costs ~50 µs: phones and addresses come from pools encrypted once.
        self.phones = []
        for _ in range(POOL_SIZE):
            phone = names.fictional_phone(rng)
            self.phones.append((citizen_ids.encrypt(phone), phone[-4:]))
        self.addresses = [citizen_ids.encrypt(names.address(rng)) for _ in range(POOL_SIZE)]
        self.hour_cumulative = []
        total = 0.0
        for weight in ONLINE_HOURS:
            total += weight
            self.hour_cumulative.append(total)

    # --- moments ------------------------------------------------------------------------

    def office_minute(
        self, day: dt.date, after: int = -1, rng: random.Random | None = None
    ) -> dt.datetime | None:
        """A random office moment on ``day`` (a working day) after minute ``after``, or None."""
        spans = [(max(start, after + 1), end) for start, end in self.sessions if end > after + 1]
        total = sum(end - start for start, end in spans)
        if total <= 0:
            return None
        pick = int((rng or self.rng).random() * total)
        for start, end in spans:
            if pick < end - start:
                minute = start + pick
                return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=TZ)
            pick -= end - start
        return None  # pragma: no cover - the spans add up to total

    def later(self, moment: dt.datetime, days: int) -> dt.datetime:
        """An office moment ``days`` working days after ``moment``'s day (0: later the same day if
        the office is still open), strictly after ``moment``."""
        day = moment.date()
        if days == 0 and calendar.is_working_day(day):
            found = self.office_minute(day, moment.hour * 60 + moment.minute)
            if found is not None:
                return found
            days = 1
        target = calendar.add_working_days(
            dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=TZ), max(days, 1)
        ).date()
        return self.office_minute(target)

    def soon(self, moment: dt.datetime) -> dt.datetime:
        """The next office moment a few minutes to two hours after ``moment``."""
        return calendar.office_moment(moment + dt.timedelta(minutes=self.rng.randrange(5, 120)))

    def delay_days(self) -> int:
        u = self.rng.random()
        return 0 if u < 0.55 else 1 if u < 0.9 else 2

    def submission_time(self, day: dt.date, online: bool, rng: random.Random) -> dt.datetime:
        if not online:
            return self.office_minute(day, rng=rng)
        hour = bisect.bisect_right(self.hour_cumulative, rng.random() * self.hour_cumulative[-1])
        return dt.datetime(
            day.year, day.month, day.day, min(hour, 23), rng.randrange(60), rng.randrange(60), tzinfo=TZ
        )

    def appointment_for(self, received: dt.datetime, days: int) -> dt.datetime:
        # As services.reception.appointment_for.
        if days == 0:
            return dt.datetime(
                received.year, received.month, received.day, self.closing // 60, self.closing % 60, tzinfo=TZ
            )
        return calendar.add_working_days(received, days)

    def add_minutes(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        """``deadlines.add_office_minutes`` for a whole-minute moment inside office hours (the
        common case, computed without the general loop; checked against it by the tests)."""
        if moment.second or moment.microsecond:
            return deadlines.add_office_minutes(moment, minutes)
        day = moment.date()
        at = moment.hour * 60 + moment.minute
        if not calendar.is_working_day(day) or not any(start <= at < end for start, end in self.sessions):
            return deadlines.add_office_minutes(moment, minutes)
        remaining = minutes
        while True:
            for start, end in self.sessions:
                if at >= end:
                    continue
                at = max(at, start)
                if remaining < end - at:
                    at += remaining
                    return dt.datetime(day.year, day.month, day.day, at // 60, at % 60, tzinfo=TZ)
                remaining -= end - at
                at = end
            day = calendar.next_working_day(day)
            at = self.opening
            if remaining == 0:
                return dt.datetime(day.year, day.month, day.day, at // 60, at % 60, tzinfo=TZ)

    def step_due(self, received: dt.datetime, info: StepInfo, dossier_due: dt.datetime) -> dt.datetime:
        if info.due_split is None:
            return dossier_due
        key = (received, info.due_split)
        moment = self.due_cache.get(key)
        if moment is None:
            whole, minutes = info.due_split
            moment = calendar.add_working_days(received, whole)
            if minutes:
                moment = self.add_minutes(moment, minutes)
            if len(self.due_cache) > 300_000:  # dossiers come in time order: old keys are done
                self.due_cache.clear()
            self.due_cache[key] = moment
        return moment

    def dumps(self, data: dict | None) -> str:
        key = tuple(data.items()) if data else ()
        text = self.json_cache.get(key)
        if text is None:
            text = self.json_cache[key] = json.dumps(data or {}, ensure_ascii=False)
        return text

    def officer(self, agency_id: int, role: str) -> str:
        """A fictional officer name per agency and role (the same across runs)."""
        key = (agency_id, role)
        label = self.officers.get(key)
        if label is None:
            label = names.person(random.Random(f"officer:{agency_id}:{role}"))[0]
            self.officers[key] = label
        return label
