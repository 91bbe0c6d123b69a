"""The life of one generated dossier, written as the services would have written it.

:class:`Life` plays a dossier's history forward from its submission: reception (or a refusal),
supplements, the route's steps, an extension, a withdrawal or a stop, the decision, the return
of the result and a rating, each at a plausible office moment, and stops at ``now`` (what has
not happened yet stays undone: the dossier is then open). It mirrors the services' effects line
by line (``tinhso.dossiers.services``: the same control-sheet lines with the same ``from``/``to``
states, forms, steps and ``data``; the same deadlines from the working-day calendar; supplements
pushing the deadlines by the office time waited; extensions moving the appointment only), then
:func:`.rows.emit` appends its plain tuples for the bulk writer. What it does not generate is
listed in docs/onestop.md ("Demo data").
"""

from __future__ import annotations

import datetime as dt
import json

from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import deadlines
from tinhso.dossiers.generator import names, rows
from tinhso.dossiers.generator.history import (
    TZ,
    ZERO,
    Ids,
    Rows,
    Simulator,
    Step,
    Submission,
    electronic_result_share,
    late_share,
)
from tinhso.dossiers.models import NATIONAL_STATUS, Channel, ResultDelivery, StepOutcome
from tinhso.dossiers.models import DossierState as S
from tinhso.dossiers.states import Action
from tinhso.procedures.models import OnlineLevel, StepKind


def play(sim: Simulator, submission: Submission, code: str, ids: Ids, batch: Rows) -> None:
    """Play one dossier's life up to ``sim.now`` and append its rows to ``batch``."""
    Life(sim, submission, code, ids, batch).play()


class _Stop(Exception):
    """The next event lies after ``now``: the dossier stays as it is."""


class Life:
    def __init__(self, sim: Simulator, submission: Submission, code: str, ids: Ids, batch: Rows):
        self.sim = sim
        self.rng = sim.rng
        self.rows = batch
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
        rows.emit(self)

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
        if at > self.sim.now:
            raise _Stop
        reasons = [self.rng.choice(names.REFUSAL_REASONS)]
        self.rows.refusals.append(
            (
                self.ids.take("refusal"),
                self.id,
                json.dumps(reasons, ensure_ascii=False),
                at,
                None,
                self.current_agency[0],
            )
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
        self.rows.supplements.append(supplement)  # a tuple once the life is over (rows.emit)
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
        if u < late_share(year):
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
