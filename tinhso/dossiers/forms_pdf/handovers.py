"""The hand-overs of a dossier, rebuilt from its control-sheet lines and its route steps.

Each ``DossierTransition`` says what happened and, with its ``step`` and ``data``, between which
steps the dossier moved (see ``tinhso.dossiers.services.route``). This module turns that history
into the rows of the control sheet (Form 06): who handed the dossier to whom, when, and whether
the giver finished its part before, on or after its deadline. Reading only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tinhso.core.agencies.models import AgencyKind
from tinhso.dossiers import deadlines
from tinhso.dossiers.forms_pdf import wording
from tinhso.dossiers.models import Dossier, DossierStep, DossierTransition, ResultDelivery
from tinhso.dossiers.states import Action
from tinhso.procedures.models import StepKind

APPLICANT = "applicant"
DESK = "desk"
STEP = "step"

RESULT_WORDS = {
    deadlines.DeadlineStatus.EARLY: "Trước hạn",
    deadlines.DeadlineStatus.ON_TIME: "Đúng hạn",
    deadlines.DeadlineStatus.LATE: "Quá hạn",
}

VIA_WORDS = {
    ResultDelivery.COUNTER: "tại bộ phận một cửa",
    ResultDelivery.ONLINE: "trực tuyến",
    ResultDelivery.POST: "qua dịch vụ bưu chính",
}


@dataclass(frozen=True)
class Party:
    kind: str  # APPLICANT, DESK or STEP
    label: str
    step: DossierStep | None = None

    def is_step(self, step: DossierStep | None) -> bool:
        return self.kind == STEP and step is not None and self.step is not None and self.step.pk == step.pk


@dataclass
class HandOver:
    """One row of the control sheet."""

    giver: Party
    receiver: Party
    at: dt.datetime
    giver_person: str = ""
    receiver_person: str = ""
    result: str = ""  # "Trước hạn" / "Đúng hạn" / "Quá hạn" / ""
    notes: list[str] = field(default_factory=list)
    action: str = ""


def desk_label(agency) -> str:
    """The one-stop desk of the receiving agency, named as the forms name it."""
    if agency.kind == AgencyKind.SERVICE_CENTER or agency.name.lower().startswith("bộ phận"):
        return agency.name
    return f"Bộ phận Một cửa – {agency.name}"


def step_label(step: DossierStep) -> str:
    return f"{step.agency.name} – {step.name}"


def _result(due: dt.datetime | None, at: dt.datetime) -> str:
    status = deadlines.status_of(due=due, finished=at, now=at)
    return RESULT_WORDS.get(status, "")


def _actor_name(t: DossierTransition) -> str:
    if t.actor_id is not None:
        return wording.person_name(t.actor)
    return "Hệ thống" if t.actor_label in ("system", "") else t.actor_label


def _brief(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Builder:
    def __init__(self, dossier: Dossier, transitions: list[DossierTransition], steps: list[DossierStep]):
        self.dossier = dossier
        self.transitions = transitions
        self.steps = sorted(steps, key=lambda s: s.order)
        self.by_order = {s.order: s for s in self.steps}
        self.by_id = {s.pk: s for s in self.steps}
        self.applicant = Party(APPLICANT, f"{dossier.applicant_name} (người nộp hồ sơ)")
        self.desk = Party(DESK, desk_label(dossier.receiving_agency))
        self.rows: list[HandOver] = []

    def party(self, step: DossierStep | None) -> Party:
        if step is None:
            return self.desk
        return Party(STEP, step_label(step), step)

    def step_of(self, t: DossierTransition) -> DossierStep | None:
        return self.by_id.get(t.step_id) if t.step_id else None

    def step_at(self, order) -> DossierStep | None:
        try:
            return self.by_order.get(int(order))
        except (TypeError, ValueError):
            return None

    def after(self, order: int, *, kinds: tuple[str, ...] | None = None) -> DossierStep | None:
        for step in self.steps:
            if step.order > order and (kinds is None or step.kind in kinds):
                return step
        return None

    def add(self, t: DossierTransition, giver: Party, receiver: Party, **kwargs) -> HandOver:
        row = HandOver(giver=giver, receiver=receiver, at=t.at, action=t.action, **kwargs)
        self.rows.append(row)
        return row

    def note_last(self, text: str) -> None:
        if self.rows:
            self.rows[-1].notes.append(text)

    def build(self) -> list[HandOver]:
        holder = self.applicant
        for t in self.transitions:
            holder = self.apply(t, holder)
        self.fill_receiver_persons()
        return self.rows

    def apply(self, t: DossierTransition, holder: Party) -> Party:  # noqa: C901 - one branch per action
        action = t.action
        step = self.step_of(t)
        actor = _actor_name(t)
        data = t.data or {}
        if action == "submit":
            return self.desk
        if action == Action.ACCEPT:
            self.add(
                t,
                self.applicant,
                self.desk,
                giver_person=self.dossier.applicant_name,
                receiver_person=actor,
                notes=["Tiếp nhận hồ sơ (Mẫu số 01)"],
            )
            return self.desk
        if action == Action.START:
            first = next((s for s in self.steps if s.kind != StepKind.RECEIVE), None)
            if first is None or first.kind == StepKind.RETURN:
                return holder  # the "finish" line that follows hands the dossier back
            receive_steps = [s for s in self.steps if s.kind == StepKind.RECEIVE and s.order < first.order]
            due = receive_steps[-1].due_at if receive_steps else None
            self.add(t, self.desk, self.party(first), giver_person=actor, result=_result(due, t.at))
            return self.party(first)
        if action in (Action.FORWARD, Action.AWAIT_PAYMENT):
            done = self.step_at(data.get("completed_step"))
            nxt = self.step_at(data.get("next_step")) or (step if action == Action.AWAIT_PAYMENT else None)
            if action == Action.FORWARD and done is None:
                done = step
            giver = self.party(done) if done is not None else holder
            receiver = self.party(nxt) if nxt is not None else holder
            notes = []
            if t.note:
                notes.append(_brief(t.note))
            if data.get("transfer"):
                notes.append("Chuyển liên thông")
            if action == Action.AWAIT_PAYMENT:
                notes.append(f"Chờ thực hiện nghĩa vụ tài chính ({wording.vnd(data.get('amount') or 0)})")
            self.add(
                t,
                giver,
                receiver,
                giver_person=actor,
                result=_result(done.due_at if done is not None else None, t.at),
                notes=notes,
            )
            return receiver
        if action == Action.PAYMENT_RECEIVED:
            nxt = self.after(step.order) if step is not None else None
            if nxt is None or nxt.kind == StepKind.RETURN:
                self.note_last("Đã thực hiện nghĩa vụ tài chính")
                return holder
            self.add(
                t,
                self.party(step),
                self.party(nxt),
                giver_person=actor,
                notes=["Đã thực hiện nghĩa vụ tài chính"],
            )
            return self.party(nxt)
        if action == Action.RETURN_STEP:
            back = self.step_at(data.get("returned_to_step"))
            receiver = self.party(back) if back is not None else holder
            self.add(
                t,
                self.party(step) if step is not None else holder,
                receiver,
                giver_person=actor,
                notes=[f"Trả lại bước trước: {_brief(t.note)}" if t.note else "Trả lại bước trước"],
            )
            return receiver
        if action == Action.FINISH:
            done = step
            ret = self.after(done.order, kinds=(StepKind.RETURN,)) if done is not None else None
            receiver = self.party(ret) if ret is not None else self.desk
            self.add(
                t,
                self.party(done) if done is not None else holder,
                receiver,
                giver_person=actor,
                result=_result(done.due_at if done is not None else None, t.at),
                notes=["Đã giải quyết xong, chuyển trả kết quả"],
            )
            return receiver
        if action == Action.REQUEST_SUPPLEMENT:
            self.add(
                t,
                self.party(step) if step is not None else holder,
                self.applicant,
                giver_person=actor,
                receiver_person=self.dossier.applicant_name,
                notes=[f"Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu số 02): {_brief(t.note)}"],
            )
            return self.applicant
        if action == Action.FULFIL_SUPPLEMENT:
            receiver = self.party(step) if step is not None else self.desk
            self.add(
                t,
                self.applicant,
                receiver,
                giver_person=actor,
                notes=["Nộp bổ sung hồ sơ"] + ([_brief(t.note)] if t.note else []),
            )
            return receiver
        if action in (Action.REFUSE, Action.STOP, Action.WITHDRAW):
            label = {
                Action.REFUSE: "Từ chối tiếp nhận hồ sơ (Mẫu số 03)",
                Action.STOP: "Dừng giải quyết hồ sơ (Mẫu số 05)",
                Action.WITHDRAW: "Rút hồ sơ theo đề nghị của người nộp",
            }[action]
            giver = (
                self.desk if action == Action.REFUSE else (self.party(step) if step is not None else holder)
            )
            self.add(
                t,
                giver,
                self.applicant,
                giver_person=actor,
                receiver_person=self.dossier.applicant_name,
                notes=[f"{label}: {_brief(t.note)}" if t.note else label],
            )
            return self.applicant
        if action == Action.RETURN_RESULT:
            finished = self.dossier.decided_at or t.at
            via = VIA_WORDS.get(data.get("via"), "")
            self.add(
                t,
                holder,
                self.applicant,
                giver_person=actor,
                receiver_person=self.dossier.applicant_name,
                result=_result(self.dossier.appointment_at, finished),
                notes=[f"Trả kết quả {via}".strip()],
            )
            return self.applicant
        if action == Action.EXTEND:
            new = data.get("new_appointment_at")
            try:
                when = wording.short_moment(dt.datetime.fromisoformat(new)) if new else ""
            except ValueError:
                when = ""
            self.note_last(f"Gia hạn (Mẫu số 04){', hẹn trả mới ' + when if when else ''}")
            return holder
        if action == Action.ATTACH_RESULT:
            self.note_last("Đã đính kèm kết quả giải quyết")
            return holder
        return holder

    def fill_receiver_persons(self) -> None:
        """Who received a step: the officer who later handed it on (else its assignee, if any)."""
        for index, row in enumerate(self.rows):
            if row.receiver_person or row.receiver.kind != STEP:
                continue
            later = next((r for r in self.rows[index + 1 :] if r.giver.is_step(row.receiver.step)), None)
            if later is not None:
                row.receiver_person = later.giver_person
            elif row.receiver.step.assignee_id is not None:
                row.receiver_person = wording.person_name(row.receiver.step.assignee)


def hand_overs(dossier: Dossier, transitions=None, steps=None) -> list[HandOver]:
    """The control-sheet rows of ``dossier`` in time order (pass prefetched lists to avoid queries)."""
    if transitions is None:
        transitions = list(
            DossierTransition.objects.filter(dossier=dossier).select_related("actor").order_by("at", "id")
        )
    else:
        transitions = sorted(transitions, key=lambda t: (t.at, t.pk))
    if steps is None:
        steps = list(DossierStep.objects.filter(dossier=dossier).select_related("agency", "assignee"))
    return _Builder(dossier, transitions, list(steps)).build()


def lead_agency(dossier: Dossier, steps: list[DossierStep]):
    """The agency that leads the settlement (cơ quan chủ trì giải quyết): the one that approves,
    else the one that processes first, else the receiving agency."""
    ordered = sorted(steps, key=lambda s: s.order)
    for kinds in ((StepKind.APPROVE,), (StepKind.PROCESS,)):
        found = next((s for s in ordered if s.kind in kinds), None)
        if found is not None:
            return found.agency
    return dossier.receiving_agency


def cooperating_agencies(dossier: Dossier, steps: list[DossierStep]) -> list:
    """Other agencies with a step in the route (cơ quan phối hợp), in route order."""
    lead = lead_agency(dossier, steps)
    seen = {lead.pk, dossier.receiving_agency_id}
    agencies = []
    for step in sorted(steps, key=lambda s: s.order):
        if step.agency_id not in seen:
            seen.add(step.agency_id)
            agencies.append(step.agency)
    return agencies
