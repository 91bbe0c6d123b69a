"""The one-stop desk: receive (Form 01), refuse (Form 03), ask for a supplement (Form 02) and take it in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from tinhso.core.audit import services as audit
from tinhso.core.events import services as events
from tinhso.core.permissions import require
from tinhso.core.workcalendar import arithmetic
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import deadlines, errors
from tinhso.dossiers.events import DossierReceived, DossierRefused, SupplementRequested
from tinhso.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierState,
    DossierStep,
    Refusal,
    StepOutcome,
    SupplementRequest,
)
from tinhso.dossiers.services import route
from tinhso.dossiers.services.common import (
    check,
    clean_text,
    current_step,
    lock,
    now_or,
    require_step_owner,
    transition,
    user_of,
)
from tinhso.dossiers.services.submission import (
    DocumentInput,
    _attach,
    _resolve_documents,
    check_required_documents,
)
from tinhso.dossiers.states import RESUME, Action
from tinhso.procedures.models import StepKind

MAX_REASON = 4000
MAX_ITEMS = 50


def appointment_for(received_at: dt.datetime, processing_days: int) -> dt.datetime:
    """The legal deadline: ``processing_days`` working days after receipt.

    A procedure settled "within the day" (0 days) is due at the closing time of the day of receipt.
    """
    if processing_days == 0:
        local = received_at.astimezone(arithmetic.TZ)
        closing = arithmetic.office_hours().sessions[-1][1]
        return dt.datetime.combine(local.date(), closing, tzinfo=arithmetic.TZ)
    return calendar.add_working_days(received_at, processing_days)


@transaction.atomic
def accept_dossier(
    *,
    actor: Any,
    dossier: Dossier,
    expected_version: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Dossier:
    """Receive a complete dossier (Form 01, national status 2) and start its route (4).

    The legal clock starts at ``receive_moment(now)`` (the next office opening when received
    outside office hours); the appointment is ``processing_days`` working days later; each step
    is due when its cumulative share of that time ends.
    """
    at = now_or(now)
    locked = lock(dossier, expected_version)
    require(actor, "dossiers.receive", locked)
    to_state = check(locked, Action.ACCEPT)
    note = clean_text(note, field="note", max_length=MAX_REASON, required=False)
    check_required_documents(
        locked.procedure,
        set(
            DossierDocument.objects.filter(dossier=locked)
            .exclude(required_document=None)
            .values_list("required_document_id", flat=True)
        ),
    )
    locked.received_at = calendar.receive_moment(at)
    locked.due_at = appointment_for(locked.received_at, locked.processing_days)
    locked.appointment_at = locked.due_at
    steps = route.build_steps(locked)
    leading = []
    for step in steps:
        if step.kind != StepKind.RECEIVE:
            break
        leading.append(step)
    transition(
        locked,
        actor=actor,
        action=Action.ACCEPT,
        to_state=to_state,
        at=at,
        step=leading[0] if leading else None,
        note=note,
        form="01",
        data={"appointment_at": locked.appointment_at.isoformat()},
        fields=("received_at", "due_at", "appointment_at"),
    )
    for step in leading:
        step.started_at = at
        route.finish(step, actor=actor, at=at, outcome=StepOutcome.DONE)
    transition(locked, actor=actor, action=Action.START, to_state=check(locked, Action.START), at=at)
    route.enter_next(
        locked,
        actor=actor,
        after_order=leading[-1].order if leading else -1,
        done_step=leading[-1] if leading else None,
        at=at,
        record_forward=False,
    )
    events.publish(
        DossierReceived(
            code=locked.code,
            agency_code=locked.receiving_agency.code,
            received_at=locked.received_at,
            appointment_at=locked.appointment_at,
        )
    )
    return locked


@transaction.atomic
def refuse_dossier(
    *,
    actor: Any,
    dossier: Dossier,
    reasons: list[str],
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """Refuse to receive the dossier (Form 03, national status 3), giving the reasons."""
    at = now_or(now)
    locked = lock(dossier, expected_version)
    require(actor, "dossiers.receive", locked)
    to_state = check(locked, Action.REFUSE)
    clean = [
        clean_text(r, field="reason", max_length=MAX_REASON, required=True)
        for r in (reasons or [])
        if str(r or "").strip()
    ]
    if not clean:
        raise errors.invalid(
            "reason_required",
            "Cần nêu rõ lý do từ chối.",
            "The reasons for refusing are required.",
            field="reasons",
        )
    Refusal.objects.create(
        dossier=locked, reasons=clean, issued_at=at, issued_by=user_of(actor), agency=locked.current_agency
    )
    locked.decided_at = at
    transition(
        locked,
        actor=actor,
        action=Action.REFUSE,
        to_state=to_state,
        at=at,
        note="; ".join(clean)[:MAX_REASON],
        form="03",
        fields=("decided_at",),
    )
    events.publish(DossierRefused(code=locked.code, agency_code=locked.current_agency.code))
    return locked


def _clean_items(items: Any) -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise errors.invalid(
            "invalid_items", "Danh sách nội dung cần bổ sung không hợp lệ.", "Invalid list of items."
        )
    clean = []
    for item in items:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            raise errors.invalid(
                "invalid_items", "Danh sách nội dung cần bổ sung không hợp lệ.", "Invalid list of items."
            )
        clean.append(
            {
                "name": clean_text(item.get("name"), field="name", max_length=500, required=True),
                "note": clean_text(item.get("note"), field="note", max_length=MAX_REASON, required=False),
                "required_document_id": item.get("required_document_id")
                if isinstance(item.get("required_document_id"), int)
                else None,
            }
        )
    return clean


@transaction.atomic
def request_supplement(
    *,
    actor: Any,
    dossier: Dossier,
    reason: str,
    items: list | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> SupplementRequest:
    """Ask the applicant to supplement or complete the dossier (Form 02, national status 5).

    Before receipt it is the one-stop officer's call and no clock runs; during processing it is
    the current step's owner's, and the legal clock stops until the supplement arrives.
    """
    at = now_or(now)
    locked = lock(dossier, expected_version)
    to_state = check(locked, Action.REQUEST_SUPPLEMENT)
    step = None
    if locked.state == DossierState.SUBMITTED:
        require(actor, "dossiers.receive", locked)
    else:
        step = current_step(locked)
        if step is None:
            raise errors.invalid_transition(locked.state, Action.REQUEST_SUPPLEMENT)
        require_step_owner(actor, step)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, required=True)
    supplement = SupplementRequest.objects.create(
        dossier=locked,
        requested_at=at,
        requested_by=user_of(actor),
        agency=locked.current_agency,
        reason=reason,
        items=_clean_items(items),
        resume_state=locked.state,
    )
    fields: tuple[str, ...] = ()
    if locked.state == DossierState.PROCESSING:
        locked.supplement_count += 1
        fields = ("supplement_count",)
    transition(
        locked,
        actor=actor,
        action=Action.REQUEST_SUPPLEMENT,
        to_state=to_state,
        at=at,
        step=step,
        note=reason,
        form="02",
        data={"supplement_id": supplement.pk},
        fields=fields,
    )
    events.publish(
        SupplementRequested(
            code=locked.code, agency_code=locked.current_agency.code, supplement_id=supplement.pk
        )
    )
    return supplement


@transaction.atomic
def fulfil_supplement(
    *,
    actor: Any,
    dossier: Dossier,
    documents: list[DocumentInput] | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> SupplementRequest:
    """The applicant (online, or through the one-stop officer) hands in the supplement.

    During processing the waited office time is added to the appointment, the legal deadline and
    every unfinished step's deadline, and counted in ``supplement_days_total``.
    """
    at = now_or(now)
    locked = lock(dossier, expected_version)
    require(actor, "dossiers.supplement", locked)
    resume = check(locked, Action.FULFIL_SUPPLEMENT)
    supplement = (
        SupplementRequest.objects.select_for_update()
        .filter(dossier=locked, fulfilled_at__isnull=True)
        .order_by("-requested_at")
        .first()
    )
    if supplement is None:  # pragma: no cover - the state says one is open
        raise errors.invalid_transition(locked.state, Action.FULFIL_SUPPLEMENT)
    note = clean_text(note, field="note", max_length=MAX_REASON, required=False)
    documents = list(documents or [])
    if not documents and not note:
        raise errors.invalid(
            "supplement_empty",
            "Cần gửi tệp bổ sung hoặc ghi chú giải trình.",
            "Send the supplementary files or an explanatory note.",
        )
    resolved = _resolve_documents(
        actor=actor, procedure=locked.procedure, agency=locked.receiving_agency, items=documents
    )
    _attach(locked, resolved, actor, supplement=supplement)
    to_state = supplement.resume_state if resume == RESUME else resume
    waited_minutes = 0
    if to_state == DossierState.PROCESSING:
        waited_minutes = deadlines.office_minutes_between(supplement.requested_at, at)
    supplement.fulfilled_at = at
    supplement.fulfilled_by = user_of(actor)
    supplement.fulfilment_note = note
    supplement.waited_days = deadlines.minutes_to_days(waited_minutes)
    supplement.save(update_fields=["fulfilled_at", "fulfilled_by", "fulfilment_note", "waited_days"])
    fields: tuple[str, ...] = ()
    if waited_minutes:
        shift(locked, waited_minutes)
        locked.supplement_days_total += supplement.waited_days
        fields = ("due_at", "appointment_at", "supplement_days_total")
    transition(
        locked,
        actor=actor,
        action=Action.FULFIL_SUPPLEMENT,
        to_state=to_state,
        at=at,
        step=locked.current_step if locked.current_step_id else None,
        note=note,
        data={
            "supplement_id": supplement.pk,
            "waited_days": str(supplement.waited_days),
            "files": len(resolved),
        },
        fields=fields,
    )
    audit.record(
        actor=actor,
        action="dossiers.supplement_documents",
        obj=locked,
        changes={"code": locked.code, "files": len(resolved)},
    )
    return supplement


def shift(dossier: Dossier, minutes: int) -> None:
    """Push the appointment, the legal deadline and unfinished steps' deadlines by office time."""
    if dossier.due_at:
        dossier.due_at = deadlines.add_office_minutes(dossier.due_at, minutes)
    if dossier.appointment_at:
        dossier.appointment_at = deadlines.add_office_minutes(dossier.appointment_at, minutes)
    for step in DossierStep.objects.filter(dossier=dossier, finished_at__isnull=True, due_at__isnull=False):
        step.due_at = deadlines.add_office_minutes(step.due_at, minutes)
        step.save(update_fields=["due_at"])
