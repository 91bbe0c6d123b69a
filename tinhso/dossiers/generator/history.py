"""The life of one generated dossier, written as the services would have written it.

:class:`Simulator` plays a dossier's history forward from its submission: reception (or a
refusal), supplements, the route's steps, an extension, a withdrawal or a stop, the decision,
the return of the result and a rating, each at a plausible office moment, and stops at ``now``
(what has not happened yet stays undone: the dossier is then open). It mirrors the services'
effects line by line (``tinhso.dossiers.services``: the same control-sheet lines with the same
``from``/``to`` states, forms, steps and ``data``; the same deadlines from the working-day
calendar; supplements pushing the deadlines by the office time waited; extensions moving the
appointment only) and appends plain tuples for the bulk writer. What it does not generate is
listed in docs/onestop.md ("Demo data").
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import hmac
import json
import random
import uuid
from decimal import Decimal

from django.conf import settings

from tinhso.core.accounts import citizen_ids
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import deadlines
from tinhso.dossiers.generator import names
from tinhso.dossiers.generator.reference import BUSINESS_FIELDS, Combo, StepInfo
from tinhso.dossiers.models import NATIONAL_STATUS, Channel, ResultDelivery, StepOutcome
from tinhso.dossiers.models import DossierState as S
from tinhso.dossiers.states import Action
from tinhso.procedures.models import OnlineLevel, StepKind

TZ = arithmetic.TZ
TWO = Decimal("0.01")
ZERO = Decimal("0.00")
POOL_SIZE = 2048


def _late_share(year: int) -> float:
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

    # --- one dossier --------------------------------------------------------------------

    def dossier(self, submission: Submission, code: str, ids: Ids, rows: Rows) -> None:
        _Life(self, submission, code, ids, rows).play()


class _Stop(Exception):
    """The next event lies after ``now``: the dossier stays as it is."""


class _Life:
    def __init__(self, sim: Simulator, submission: Submission, code: str, ids: Ids, rows: Rows):
        self.sim = sim
        self.rng = sim.rng
        self.rows = rows
        self.ids = ids
        self.combo = combo = submission.combo
        self.procedure = combo.procedure
        self.receiving = combo.agency
        self.channel = submission.channel
        self.code = code
        self.id = ids.take("dossier")
        self.state = S.SUBMITTED
        self.current_agency = (combo.agency.id, combo.agency.code)
        self.current_step: Step | None = None
        self.steps: list[Step] = []
        self.submitted_at = submission.at
        self.received_at = self.appointment = self.due = None
        self.decided_at = self.returned_at = self.withdrawn_at = None
        self.extensions = self.supplement_count = 0
        self.supplement_days = ZERO
        self.lines = 0
        self.last_at = submission.at
        self.results: list[list] = []
        self.applicant_label = ""
        u = self.rng.random()
        if self.online_result():
            self.delivery = ResultDelivery.ONLINE if u < 0.75 else ResultDelivery.COUNTER
        else:
            post_share = 0.15 if self.channel == Channel.POSTAL else 0.08
            self.delivery = ResultDelivery.POST if u < post_share else ResultDelivery.COUNTER

    # --- bookkeeping, as services.common.transition ---------------------------------

    def line(
        self,
        action,
        to_state,
        at,
        *,
        step=None,
        note="",
        form="",
        data=None,
        label="",
        agency=None,
        same=False,
    ):
        """One control-sheet line; ``same``: ``data`` recurs across dossiers (its JSON is cached)."""
        if at > self.sim.now:
            raise _Stop
        from_state = self.state if action != "submit" else ""
        if agency is None:
            agency = (step.info.agency_id, step.info.agency_code) if step is not None else self.current_agency
        self.rows.transitions.append(
            (
                self.ids.take("transition"),
                self.id,
                from_state,
                to_state,
                action,
                None,
                label,
                at,
                agency[0],
                step.id if step is not None else None,
                note,
                NATIONAL_STATUS[to_state],
                form,
                self.sim.dumps(data) if same else json.dumps(data or {}, ensure_ascii=False),
            )
        )
        self.state = to_state
        self.lines += 1
        self.last_at = at

    def desk(self) -> str:
        return self.sim.officer(self.receiving.id, "one_stop_officer")

    def owner(self, step: Step) -> str:
        return self.sim.officer(step.info.agency_id, step.info.role)

    # --- the story ------------------------------------------------------------------

    def play(self) -> None:
        try:
            self.story()
        except _Stop:
            pass
        self.write()

    def story(self) -> None:
        rng, sim = self.rng, self.sim
        online = self.channel == Channel.ONLINE
        self.applicant_label = "citizen" if online else self.desk()
        self.line(
            "submit",
            S.SUBMITTED,
            self.submitted_at,
            data={"channel": self.channel},
            label=self.applicant_label,
            agency=self.current_agency,
            same=True,
        )
        if not online:
            self.accept(self.submitted_at)
        else:
            first_look = sim.later(self.submitted_at, sim.delay_days())
            u = rng.random()
            if u < 0.035:
                return self.refuse(first_look)
            if u < 0.04:
                moment = self.submitted_at + (first_look - self.submitted_at) * rng.random()
                return self.withdraw(max(moment, self.submitted_at), by_applicant=True)
            if u < 0.10:
                supplement = self.request_supplement(first_look, before_receipt=True)
                if rng.random() < 0.12:
                    return self.withdraw(sim.later(first_look, rng.randrange(5, 20)), by_applicant=True)
                fulfilled = sim.later(first_look, rng.randrange(1, 6))
                self.fulfil(supplement, fulfilled, minutes=0)
                first_look = sim.later(fulfilled, sim.delay_days())
            self.accept(first_look)
        self.process()

    def refuse(self, at: dt.datetime) -> None:
        reasons = [self.rng.choice(names.REFUSAL_REASONS)]
        refusal_id = self.ids.take("refusal")
        if at > self.sim.now:
            raise _Stop
        self.rows.refusals.append(
            (refusal_id, self.id, json.dumps(reasons, ensure_ascii=False), at, None, self.current_agency[0])
        )
        self.decided_at = at
        self.line(Action.REFUSE, S.REFUSED, at, note="; ".join(reasons), form="03", label=self.desk())

    def withdraw(self, at: dt.datetime, *, by_applicant: bool) -> None:
        if at > self.sim.now:
            raise _Stop
        step = self.current_step
        self.close_open_steps(at)
        self.withdrawn_at = at
        self.line(
            Action.WITHDRAW,
            S.WITHDRAWN,
            at,
            step=step,
            note=self.rng.choice(names.WITHDRAW_REASONS),
            label="citizen" if by_applicant and self.channel == Channel.ONLINE else self.desk(),
        )

    def close_open_steps(self, at: dt.datetime) -> None:
        for step in self.steps:
            if step.started is not None and step.finished is None:
                step.finished, step.outcome = at, StepOutcome.CANCELLED
        self.current_step = None

    def request_supplement(self, at: dt.datetime, *, before_receipt: bool) -> list:
        if at > self.sim.now:
            raise _Stop
        step = None if before_receipt else self.current_step
        reason = self.rng.choice(names.SUPPLEMENT_REASONS)
        supplement = [
            self.ids.take("supplement"),
            at,
            self.current_agency[0],
            reason,
            self.state,  # resume state
            None,  # fulfilled_at
            "",
            ZERO,
        ]
        if not before_receipt:
            self.supplement_count += 1
        self.line(
            Action.REQUEST_SUPPLEMENT,
            S.AWAITING_SUPPLEMENT,
            at,
            step=step,
            note=reason,
            form="02",
            data={"supplement_id": supplement[0]},
            label=self.owner(step) if step is not None else self.desk(),
        )
        self.rows.supplements.append(supplement)  # turned into a tuple by write()
        return supplement

    def fulfil(self, supplement: list, at: dt.datetime, *, minutes: int) -> None:
        if at > self.sim.now:
            raise _Stop
        note = self.rng.choice(names.FULFILMENT_NOTES)
        waited = deadlines.minutes_to_days(minutes)
        supplement[5], supplement[6], supplement[7] = at, note, waited
        if minutes:
            self.due = self.sim.add_minutes(self.due, minutes)
            self.appointment = self.sim.add_minutes(self.appointment, minutes)
            for step in self.steps:
                if step.finished is None and step.due is not None:
                    step.due = self.sim.add_minutes(step.due, minutes)
            self.supplement_days += waited
        self.line(
            Action.FULFIL_SUPPLEMENT,
            supplement[4],
            at,
            step=self.current_step,
            note=note,
            data={"supplement_id": supplement[0], "waited_days": str(waited), "files": 0},
            label="citizen" if self.channel == Channel.ONLINE else self.desk(),
        )

    def accept(self, at: dt.datetime) -> None:
        if at > self.sim.now:
            raise _Stop
        sim = self.sim
        self.received_at = calendar.receive_moment(at)
        self.due = self.appointment = sim.appointment_for(self.received_at, self.procedure.days)
        for info in self.combo.steps:
            self.steps.append(
                Step(self.ids.take("step"), info, sim.step_due(self.received_at, info, self.due))
            )
        leading = []
        for step in self.steps:
            if step.info.kind != StepKind.RECEIVE:
                break
            leading.append(step)
        self.line(
            Action.ACCEPT,
            S.RECEIVED,
            at,
            step=leading[0] if leading else None,
            form="01",
            data={"appointment_at": self.appointment.isoformat()},
            label=self.desk(),
        )
        for step in leading:
            step.started = step.finished = at
            step.outcome = StepOutcome.DONE
        self.line(Action.START, S.PROCESSING, at, label=self.desk())
        self.enter_next(leading[-1] if leading else None, at, record_forward=False, label=self.desk())

    def following(self, after: Step | None) -> Step | None:
        order = after.info.order if after is not None else -1
        return next((s for s in self.steps if s.info.order > order), None)

    def enter_next(self, done: Step | None, at: dt.datetime, *, record_forward: bool, label: str) -> None:
        """As services.route.enter_next, with every fee taken as paid when its step is reached."""
        nxt = self.following(done)
        handover = {"completed_step": done.info.order if done is not None else None}
        if nxt is None or nxt.info.kind == StepKind.RETURN:
            if nxt is not None:
                self.start(nxt, at)
            else:
                self.current_step = None
                self.current_agency = (self.receiving.id, self.receiving.code)
            self.decided_at = at
            self.line(Action.FINISH, S.PROCESSED, at, step=done, data=handover, label=label, same=True)
            return
        previous = self.current_agency
        self.start(nxt, at)
        moved = {
            **handover,
            "next_step": nxt.info.order,
            "next_agency": nxt.info.agency_code,
            "transfer": nxt.info.agency_id != previous[0],
        }
        if nxt.info.kind == StepKind.FEE:
            if record_forward and done is not None:
                self.line(Action.FORWARD, S.PROCESSING, at, step=done, data=moved, label=label, same=True)
            nxt.finished, nxt.outcome = at, StepOutcome.PAID
            self.enter_next(nxt, at, record_forward=True, label=label)
            return
        if record_forward:
            self.line(Action.FORWARD, S.PROCESSING, at, step=done, data=moved, label=label, same=True)

    def start(self, step: Step, at: dt.datetime) -> None:
        step.started, step.finished, step.outcome = at, None, ""
        self.current_step = step
        self.current_agency = (step.info.agency_id, step.info.agency_code)

    def complete(self, step: Step, at: dt.datetime) -> None:
        """As services.complete_step by the step's owner."""
        step.finished = at
        step.outcome = StepOutcome.APPROVED if step.info.kind == StepKind.APPROVE else StepOutcome.DONE
        self.enter_next(step, at, record_forward=True, label=self.owner(step))

    # --- processing after receipt ---------------------------------------------------

    def process(self) -> None:
        rng, sim = self.rng, self.sim
        if self.state != S.PROCESSING:  # a route without processing steps: decided at receipt
            return self.return_result() if self.state == S.PROCESSED else None
        accepted = self.last_at
        year = accepted.year
        u = rng.random()
        supplements = 2 if u < 0.01 else 1 if u < 0.07 else 0
        fate = rng.random()
        stopped = supplements and fate < 0.05
        withdrawn = not stopped and fate > 0.992
        stuck = not stopped and not withdrawn and 0.5 < fate < 0.5015
        # Supplements happen during the first processing step.
        mark = accepted
        for index in range(supplements):
            requested = sim.later(mark, rng.randrange(0, max(1, self.procedure.days // 3) + 1))
            if self.current_step is None or self.state != S.PROCESSING:
                break
            supplement = self.request_supplement(requested, before_receipt=False)
            if stopped and index == supplements - 1:
                at = sim.later(requested, rng.randrange(15, 30))
                return self.stop(at)
            fulfilled = sim.later(requested, rng.randrange(1, 9))
            self.fulfil(supplement, fulfilled, minutes=deadlines.office_minutes_between(requested, fulfilled))
            mark = fulfilled
        decision = self.decision_moment(mark, year, stuck)
        middle = [s for s in self.steps if s.info.kind not in (StepKind.RECEIVE, StepKind.RETURN)]
        finishes = self.finish_times(middle, mark, decision)
        events: list[tuple[dt.datetime, int, str, object]] = [
            (at, index, "complete", step)
            for index, (step, at) in enumerate(zip(middle, finishes, strict=True))
        ]
        late = self.due is not None and decision > self.due
        if late and not stuck and rng.random() < 0.4:
            extension_at = sim.later(self.appointment - dt.timedelta(days=1), 0)
            if mark < extension_at < self.appointment and extension_at < decision:
                events.append((extension_at, -1, "extend", decision))
        if withdrawn:
            moment = calendar.office_moment(mark + (decision - mark) * rng.random())
            if moment < decision:
                events.append((moment, -2, "withdraw", None))
        result_share = electronic_result_share(decision)
        if middle and (rng.random() < result_share or self.online_result()):
            owner_step = (
                middle[-1] if middle[-1].info.kind != StepKind.FEE else middle[max(0, len(middle) - 2)]
            )
            attach_at = max(mark, decision - dt.timedelta(minutes=rng.randrange(2, 30)))
            events.append((attach_at, -3, "attach", owner_step))
        events.sort(key=lambda event: (event[0], event[1]))
        for at, _order, kind, payload in events:
            if self.state not in (S.PROCESSING,):
                break
            if kind == "complete":
                if payload.finished is None and payload.started is not None:
                    self.complete(payload, at)
            elif kind == "extend":
                self.extend(at, payload)
            elif kind == "withdraw":
                return self.withdraw(at, by_applicant=rng.random() < 0.7)
            elif kind == "attach":
                self.attach(at)
        if self.state == S.PROCESSED:
            self.return_result()

    def online_result(self) -> bool:
        return self.channel == Channel.ONLINE and self.procedure.online_level == OnlineLevel.FULL

    def decision_moment(self, mark: dt.datetime, year: int, stuck: bool) -> dt.datetime:
        """When the last processing step completes, by the chosen outcome against the deadline."""
        rng, sim, due, days = self.rng, self.sim, self.due, self.procedure.days
        if stuck:
            return sim.later(due, rng.randrange(40, 150))
        u = rng.random()
        if u < _late_share(year):
            return sim.later(due, 1 + min(int(rng.expovariate(0.4)), 20))
        if u < 0.5 and days >= 1:  # early: at least one working day before the deadline's day
            used = int(days * (0.2 + 0.75 * rng.random()))
            candidate = sim.later(self.received_at, used) if used else sim.later(mark, 0)
            if candidate <= mark:
                candidate = sim.later(mark, 0)
            if candidate.date() < due.date():
                return candidate
        # On time: on the deadline's day, not after it.
        opening = dt.datetime(due.year, due.month, due.day, sim.opening // 60, sim.opening % 60, tzinfo=TZ)
        low = max(opening, mark + dt.timedelta(minutes=1))
        if low >= due:
            return sim.later(mark, 0) if mark >= due else due
        return calendar.office_moment(low + (due - low) * rng.random())

    def finish_times(self, middle: list[Step], mark: dt.datetime, decision: dt.datetime) -> list[dt.datetime]:
        """Completion moments of the processing steps: the first after ``mark`` (the supplements
        happen in it), the last at ``decision``, the others in between by their share of time."""
        if not middle:
            return []
        begin = self.received_at
        shares = [float(step.info.share) for step in middle]
        if not sum(shares):
            shares = [1.0] * len(middle)
        total = sum(shares)
        span = decision - begin
        moments, done, previous = [], 0.0, begin
        for index, share in enumerate(shares):
            done += share
            if index == len(middle) - 1:
                moment = decision
            else:
                moment = min(decision, calendar.office_moment(begin + span * (done / total)))
                if index == 0 and moment <= mark:
                    moment = min(decision, calendar.office_moment(mark + dt.timedelta(minutes=30)))
            moment = max(moment, previous)
            moments.append(moment)
            previous = moment
        return moments

    def extend(self, at: dt.datetime, decision: dt.datetime) -> None:
        if at > self.sim.now:
            raise _Stop
        old = self.appointment
        extra_days = max(1, calendar.working_days_between(old, decision) + 1)
        new = calendar.add_working_days(old, extra_days)
        if new <= old:  # pragma: no cover - add_working_days moves forward
            return
        reason = self.rng.choice(names.EXTENSION_REASONS)
        self.rows.extensions.append(
            (self.ids.take("extension"), self.id, reason, old, new, at, None, self.current_agency[0])
        )
        extra = deadlines.office_minutes_between(old, new)
        for step in self.steps:
            if step.finished is None and step.due is not None:
                step.due = self.sim.add_minutes(step.due, extra)
        self.appointment = new
        self.extensions += 1
        step = self.current_step
        self.line(
            Action.EXTEND,
            self.state,
            at,
            step=step,
            note=reason,
            form="04",
            data={"old_appointment_at": old.isoformat(), "new_appointment_at": new.isoformat()},
            label=self.owner(step) if step is not None else self.desk(),
        )

    def attach(self, at: dt.datetime) -> None:
        if at > self.sim.now:
            raise _Stop
        step = self.current_step
        signed = self.rng.random() < 0.8
        result = [self.ids.take("result"), at, signed, "", None]
        self.results.append(result)
        self.line(
            Action.ATTACH_RESULT,
            self.state,
            at,
            step=step,
            data={"result_id": result[0], "signed": signed},
            label=self.owner(step) if step is not None else self.desk(),
        )

    def stop(self, at: dt.datetime) -> None:
        if at > self.sim.now:
            raise _Stop
        reason = self.rng.choice(names.STOP_REASONS)
        self.rows.stops.append((self.ids.take("stop"), self.id, reason, at, None, self.current_agency[0]))
        step = self.current_step
        self.close_open_steps(at)
        self.decided_at = at
        self.line(Action.STOP, S.STOPPED, at, step=step, note=reason, form="05", label=self.desk())

    def return_result(self) -> None:
        rng, sim = self.rng, self.sim
        delivery = self.delivery
        if delivery == ResultDelivery.ONLINE:
            at = sim.soon(self.decided_at)
        elif delivery == ResultDelivery.POST:
            at = sim.later(self.decided_at, rng.randrange(1, 4))
        else:
            u = rng.random()
            at = sim.later(
                self.decided_at, 0 if u < 0.4 else 1 if u < 0.7 else 2 if u < 0.85 else rng.randrange(3, 11)
            )
        if at > sim.now:
            raise _Stop
        step = self.current_step
        if step is not None and step.finished is None:
            step.finished, step.outcome = at, StepOutcome.DONE
        for result in self.results:
            result[3], result[4] = delivery, at
        self.returned_at = at
        self.current_step = None
        self.line(
            Action.RETURN_RESULT,
            S.RETURNED,
            at,
            step=step,
            data={"via": delivery},
            label=self.owner(step) if step is not None else self.desk(),
        )
        chance = 0.15 if self.channel == Channel.ONLINE else 0.03
        if rng.random() < chance:
            u = rng.random()
            score = 5 if u < 0.6 else 4 if u < 0.85 else 3 if u < 0.93 else 2 if u < 0.97 else 1
            rated = at + dt.timedelta(minutes=rng.randrange(10, 4 * 24 * 60))
            if rated <= sim.now:
                self.rows.ratings.append(
                    (
                        self.ids.take("rating"),
                        self.id,
                        score,
                        rng.choice(names.RATING_COMMENTS[score]),
                        None,
                        rated,
                    )
                )

    # --- the rows -------------------------------------------------------------------

    def write(self) -> None:
        rng, sim, procedure = self.rng, self.sim, self.procedure
        variant = procedure.variants[int(rng.random() * len(procedure.variants))]
        if procedure.field_code in BUSINESS_FIELDS and rng.random() < 0.85:
            name = names.organisation(rng)
        elif procedure.field_code == "HKD" and rng.random() < 0.6:
            name = names.household_business(rng)
        else:
            name = names.person(rng)[0]
        number = names.fictional_id_number(rng)
        digest = hmac.new(self.sim.id_key, b"citizen-id:" + number.encode(), hashlib.sha256).hexdigest()
        online = self.channel == Channel.ONLINE
        phone, phone_last4 = (
            sim.phones[int(rng.random() * len(sim.phones))] if online or rng.random() < 0.8 else ("", "")
        )
        address = sim.addresses[int(rng.random() * len(sim.addresses))] if rng.random() < 0.9 else ""
        email = names.email_for(name, rng) if online and rng.random() < 0.4 else ""
        for doc_id, doc_name in procedure.required_documents:
            self.rows.documents.append(
                (
                    self.ids.take("document"),
                    self.id,
                    sim.document_file_id,
                    doc_id,
                    doc_name,
                    None,
                    None,
                    self.submitted_at,
                )
            )
        for result_id, uploaded_at, signed, via, returned_at in self.results:
            self.rows.results.append(
                (
                    result_id,
                    self.id,
                    sim.result_file_id,
                    procedure.result_type[:500],
                    signed,
                    "{}",
                    None,
                    uploaded_at,
                    via,
                    returned_at,
                )
            )
        self.rows.dossiers.append(
            (
                self.id,
                self.code,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                procedure.id,
                procedure.code,
                procedure.name,
                procedure.days,
                variant.fee_amount,
                variant.fee_options_json,
                procedure.online_level,
                self.receiving.id,
                self.current_agency[0],
                self.current_step.id if self.current_step is not None else None,
                None,
                name,
                digest,
                number[-4:],
                phone,
                phone_last4,
                email,
                address,
                self.channel,
                self.delivery,
                variant.form_json,
                self.state,
                self.submitted_at,
                self.received_at,
                self.appointment,
                self.due,
                self.decided_at,
                self.returned_at,
                self.withdrawn_at,
                self.extensions,
                self.supplement_count,
                self.supplement_days,
                max(1, self.lines),
                None,
                "",
                "",
                self.submitted_at,
                self.last_at,
            )
        )
        for step in self.steps:
            info = step.info
            self.rows.steps.append(
                (
                    step.id,
                    self.id,
                    info.route_step_id,
                    info.order,
                    info.name,
                    info.kind,
                    info.agency_id,
                    info.role,
                    None,
                    info.share,
                    step.started,
                    step.due,
                    step.finished,
                    None,
                    step.outcome,
                    "",
                    0,
                )
            )
        # Supplements were kept as lists to be completed later; the writer wants tuples.
        supplements = self.rows.supplements
        for index in range(len(supplements) - 1, -1, -1):
            row = supplements[index]
            if not isinstance(row, list):
                break
            requested_id, requested_at, agency_id, reason, resume, fulfilled_at, note, waited = row
            items = json.dumps(
                [{"name": reason, "note": "", "required_document_id": None}], ensure_ascii=False
            )
            supplements[index] = (
                requested_id,
                self.id,
                requested_at,
                None,
                agency_id,
                reason,
                items,
                resume,
                fulfilled_at,
                None,
                note,
                waited,
            )
