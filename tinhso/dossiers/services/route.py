"""The route engine: build a dossier's steps at receipt and move it from one step to the next.

These helpers run inside a service's transaction, on a dossier already locked by that service.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tinhso.core.events import services as events
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers import catalog, deadlines
from tinhso.dossiers.events import ResultReady
from tinhso.dossiers.models import Dossier, DossierStep, StepOutcome
from tinhso.dossiers.services.common import check, transition, user_of
from tinhso.dossiers.states import Action
from tinhso.payments.selectors import is_paid
from tinhso.procedures.models import StepKind

PAYABLE_TYPE = "dossier"


def build_steps(dossier: Dossier) -> list[DossierStep]:
    """One ``DossierStep`` per route step, each due when its cumulative share of the legal time ends."""
    route = catalog.route_of(dossier.procedure)
    catalog.validate_route(dossier.procedure, route)
    steps = []
    cumulative = Decimal(0)
    for route_step in route:
        cumulative += Decimal(route_step.share_days)
        if dossier.processing_days == 0 or cumulative >= dossier.processing_days:
            due = dossier.due_at
        else:
            due = deadlines.add_working_time(dossier.received_at, cumulative)
        steps.append(
            DossierStep(
                dossier=dossier,
                route_step=route_step,
                order=route_step.order,
                name=route_step.name,
                kind=route_step.kind,
                agency=catalog.step_agency(route_step, dossier.receiving_agency),
                role=route_step.role,
                share_days=route_step.share_days,
                due_at=due,
            )
        )
    return DossierStep.objects.bulk_create(steps)


def fee_settled(dossier: Dossier) -> bool:
    return dossier.fee_amount == 0 or is_paid(PAYABLE_TYPE, dossier.code, amount=int(dossier.fee_amount))


def next_step(dossier: Dossier, after_order: int) -> DossierStep | None:
    return (
        DossierStep.objects.select_related("agency")
        .filter(dossier=dossier, order__gt=after_order)
        .order_by("order")
        .first()
    )


def start(dossier: Dossier, step: DossierStep, at: dt.datetime) -> None:
    step.started_at = at
    step.finished_at = None
    step.finished_by = None
    step.outcome = ""
    step.save(update_fields=["started_at", "finished_at", "finished_by", "outcome"])
    dossier.current_step = step
    dossier.current_agency = step.agency


def finish(step: DossierStep, *, actor: Any, at: dt.datetime, outcome: str, note: str = "") -> None:
    step.finished_at = at
    step.finished_by = user_of(actor)
    step.outcome = outcome
    if note:
        step.note = note
    step.save(update_fields=["started_at", "finished_at", "finished_by", "outcome", "note"])


def close_open_steps(dossier: Dossier, *, actor: Any, at: dt.datetime) -> None:
    """The dossier ends early (withdrawn, stopped): open steps end as cancelled."""
    DossierStep.objects.filter(dossier=dossier, started_at__isnull=False, finished_at__isnull=True).update(
        finished_at=at, finished_by=user_of(actor), outcome=StepOutcome.CANCELLED
    )
    dossier.current_step = None


def enter_next(
    dossier: Dossier,
    *,
    actor: Any,
    after_order: int,
    done_step: DossierStep | None,
    at: dt.datetime,
    record_forward: bool,
) -> None:
    """Start the step after ``after_order`` and write the control-sheet lines that go with it.

    * no step left, or the next one returns the result: processed (9), ``ResultReady``;
    * a fee step: completed at once when the fee is paid (or nil), else awaiting payment (6);
    * any other step: started; a "forward" line when ``record_forward`` (the caller has not
      already written the line for this move).
    """
    nxt = next_step(dossier, after_order)
    handover = {"completed_step": done_step.order if done_step else None}
    if nxt is None or nxt.kind == StepKind.RETURN:
        to_state = check(dossier, Action.FINISH)
        if nxt is not None:
            start(dossier, nxt, at)
        else:
            dossier.current_step = None
            dossier.current_agency = dossier.receiving_agency
        dossier.decided_at = at
        transition(
            dossier,
            actor=actor,
            action=Action.FINISH,
            to_state=to_state,
            at=at,
            step=done_step,
            data=handover,
            fields=("current_step", "current_agency", "decided_at"),
        )
        events.publish(ResultReady(code=dossier.code, agency_code=dossier.current_agency.code))
        return
    previous_agency = dossier.current_agency
    start(dossier, nxt, at)
    moved = {
        **handover,
        "next_step": nxt.order,
        "next_agency": nxt.agency.code,
        "transfer": nxt.agency_id != previous_agency.pk,
    }
    if nxt.kind == StepKind.FEE:
        if fee_settled(dossier):
            if record_forward and done_step is not None:
                transition(
                    dossier,
                    actor=actor,
                    action=Action.FORWARD,
                    to_state=check(dossier, Action.FORWARD),
                    at=at,
                    step=done_step,
                    data=moved,
                    fields=("current_step", "current_agency"),
                )
            finish(nxt, actor=SYSTEM, at=at, outcome=StepOutcome.PAID)
            enter_next(dossier, actor=actor, after_order=nxt.order, done_step=nxt, at=at, record_forward=True)
            return
        transition(
            dossier,
            actor=actor,
            action=Action.AWAIT_PAYMENT,
            to_state=check(dossier, Action.AWAIT_PAYMENT),
            at=at,
            step=nxt,
            data={**moved, "amount": int(dossier.fee_amount)},
            fields=("current_step", "current_agency"),
        )
        return
    if record_forward:
        transition(
            dossier,
            actor=actor,
            action=Action.FORWARD,
            to_state=check(dossier, Action.FORWARD),
            at=at,
            step=done_step,
            data=moved,
            fields=("current_step", "current_agency"),
        )
    else:
        dossier.save(update_fields=["current_step", "current_agency", "updated_at"])
