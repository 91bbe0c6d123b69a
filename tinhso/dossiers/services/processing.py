"""Processing along the route: complete, return or assign a step; the fee; the result; extensions,
stops, withdrawals, the return of the result and the applicant's rating."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from tinhso.core.accounts.models import User
from tinhso.core.audit import services as audit
from tinhso.core.events import services as events
from tinhso.core.files import services as files
from tinhso.core.files.models import StoredFile
from tinhso.core.permissions import as_principal, require
from tinhso.core.workcalendar import services as calendar
from tinhso.dossiers import deadlines, errors
from tinhso.dossiers.events import DossierExtended, DossierRated
from tinhso.dossiers.models import (
    Dossier,
    DossierState,
    DossierStep,
    Extension,
    Rating,
    ResultDelivery,
    ResultDocument,
    StepOutcome,
    StopNotice,
)
from tinhso.dossiers.selectors import step_candidates
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
from tinhso.dossiers.states import Action
from tinhso.procedures.models import StepKind

MAX_REASON = 4000
RESULT_PURPOSES = ("signed_document", "dossier_attachment")
RETURNABLE_KINDS = (StepKind.PROCESS, StepKind.APPROVE, StepKind.TRANSFER)


def _open_step(locked: Dossier, action: str) -> DossierStep:
    step = current_step(locked)
    if step is None or step.finished_at is not None:
        raise errors.invalid_transition(locked.state, action)
    return step


@transaction.atomic
def complete_step(
    *,
    actor: Any,
    dossier: Dossier,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """The current step's owner (its agency and role; a leader for an approval) completes it and the
    dossier moves to the next step, possibly in another agency (liên thông). Past the last
    processing step the dossier is processed (9). A fee step cannot be completed before the fee
    is paid (``dossiers.fee_unpaid``); the payment moves the dossier on by itself."""
    at = now_or(now)
    locked = lock(dossier, expected_version)
    check(locked, Action.FORWARD)
    step = _open_step(locked, Action.FORWARD)
    require_step_owner(actor, step)
    if step.kind == StepKind.RETURN:
        raise errors.invalid_transition(locked.state, Action.FORWARD)
    if step.kind == StepKind.FEE and not route.fee_settled(locked):
        raise errors.conflict(
            "fee_unpaid",
            "Người nộp chưa hoàn thành nghĩa vụ tài chính.",
            "The applicant has not paid the fee yet.",
            amount=int(locked.fee_amount),
        )
    note = clean_text(note, field="note", max_length=MAX_REASON, required=False)
    outcome = StepOutcome.APPROVED if step.kind == StepKind.APPROVE else StepOutcome.DONE
    if step.kind == StepKind.FEE:
        outcome = StepOutcome.PAID
    route.finish(step, actor=actor, at=at, outcome=outcome, note=note)
    route.enter_next(locked, actor=actor, after_order=step.order, done_step=step, at=at, record_forward=True)
    return locked


@transaction.atomic
def return_step(
    *,
    actor: Any,
    dossier: Dossier,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """Send the dossier back to the previous processing step, with the reason (e.g. a leader
    refusing to approve a draft)."""
    at = now_or(now)
    locked = lock(dossier, expected_version)
    to_state = check(locked, Action.RETURN_STEP)
    step = _open_step(locked, Action.RETURN_STEP)
    require_step_owner(actor, step)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, required=True)
    previous = (
        DossierStep.objects.select_related("agency")
        .filter(dossier=locked, order__lt=step.order, kind__in=RETURNABLE_KINDS)
        .order_by("-order")
        .first()
    )
    if step.kind not in RETURNABLE_KINDS or previous is None:
        raise errors.conflict(
            "no_previous_step",
            "Không có bước xử lý trước đó để trả lại.",
            "There is no previous processing step to send the dossier back to.",
        )
    route.finish(step, actor=actor, at=at, outcome=StepOutcome.RETURNED, note=reason)
    route.start(locked, previous, at)
    previous.reopened_count += 1
    previous.save(update_fields=["reopened_count"])
    transition(
        locked,
        actor=actor,
        action=Action.RETURN_STEP,
        to_state=to_state,
        at=at,
        step=step,
        note=reason,
        data={"returned_to_step": previous.order, "returned_to_agency": previous.agency.code},
        fields=("current_step", "current_agency"),
    )
    return locked


@transaction.atomic
def assign_step(
    *, actor: Any, dossier: Dossier, assignee: User, expected_version: int | None = None
) -> DossierStep:
    """A leader of the step's agency assigns the current step to one of its officers holding the
    step's role; only that officer (or another assignment) completes it then."""
    locked = lock(dossier, expected_version)
    step = _open_step(locked, "assign")
    require(actor, "dossiers.assign", step)
    if not step_candidates(step).filter(pk=assignee.pk).exists():
        raise errors.invalid(
            "invalid_assignee",
            "Cán bộ được phân công không có vai trò của bước này tại cơ quan thực hiện.",
            "The assignee does not hold the step's role in the step's agency.",
        )
    step.assignee = assignee
    step.save(update_fields=["assignee"])
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    audit.record(
        actor=actor,
        action="dossiers.step_assigned",
        obj=locked,
        changes={"code": locked.code, "step": step.order, "assignee": assignee.username},
    )
    return step


@transaction.atomic
def release_payment(*, actor: Any, dossier: Dossier, now: dt.datetime | None = None) -> Dossier:
    """The fee is paid: the fee step completes and the dossier moves on (called by the
    ``PaymentSucceeded`` subscriber as SYSTEM; idempotent: nothing happens unless the dossier
    waits for this payment)."""
    at = now_or(now)
    locked = lock(dossier)
    if locked.state != DossierState.AWAITING_PAYMENT:
        return locked
    require(actor, "dossiers.process", locked)
    if not route.fee_settled(locked):
        return locked
    step = _open_step(locked, Action.PAYMENT_RECEIVED)
    route.finish(step, actor=actor, at=at, outcome=StepOutcome.PAID)
    transition(
        locked,
        actor=actor,
        action=Action.PAYMENT_RECEIVED,
        to_state=check(locked, Action.PAYMENT_RECEIVED),
        at=at,
        step=step,
        data={"amount": int(locked.fee_amount)},
    )
    route.enter_next(locked, actor=actor, after_order=step.order, done_step=step, at=at, record_forward=False)
    return locked


def start_fee_payment(*, actor: Any, dossier: Dossier, return_url: str = ""):
    """Create (or find again) the online payment of the dossier's fee for its applicant."""
    from tinhso.payments import services as payments

    require(actor, "dossiers.pay", dossier)
    if dossier.fee_amount == 0 or dossier.is_terminal or route.fee_settled(dossier):
        raise errors.conflict(
            "nothing_to_pay",
            "Hồ sơ không có khoản phí cần thanh toán.",
            "There is no fee to pay for this dossier.",
        )
    return payments.create_payment(
        actor=actor,
        payable_type=route.PAYABLE_TYPE,
        payable_id=dossier.code,
        amount=int(dossier.fee_amount),
        description=f"Phí, lệ phí hồ sơ {dossier.code}"[:255],
        return_url=return_url,
        idempotency_key=f"dossier-fee:{dossier.code}:{int(dossier.fee_amount)}",
        agency=dossier.current_agency,
    )


@transaction.atomic
def attach_result(
    *,
    actor: Any,
    dossier: Dossier,
    name: str,
    upload: Any = None,
    file_id: Any = None,
    purpose: str = "signed_document",
    is_signed: bool = False,
    signature_info: dict | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> ResultDocument:
    """Attach the result (licence, decision...) as a file: uploaded now (``signed_document`` for a
    digitally signed PDF, else ``dossier_attachment``) or an earlier upload of the actor's own.

    While processing, the current step's owner attaches it; once processed, the one-stop officer
    who returns it may.

    The digital signatures of a PDF are verified (``tinhso.dossiers.signing``): ``is_signed`` and
    ``signature_info`` are what the verification found, whatever the caller passes in those two
    arguments (kept for compatibility). A broken signature refuses the file before anything is
    stored (``dossiers.signature_broken``)."""
    from tinhso.dossiers.signing import services as signing  # pyHanko is loaded on first use

    del is_signed, signature_info  # never taken from the caller: see the docstring
    at = now_or(now)
    locked = lock(dossier, expected_version)
    to_state = check(locked, Action.ATTACH_RESULT)
    step = current_step(locked)
    if locked.state == DossierState.PROCESSING and step is not None:
        require_step_owner(actor, step)
    elif step is not None and step.kind == StepKind.RETURN:
        require_step_owner(actor, step)
    else:
        require(actor, "dossiers.return_result", locked)
    if purpose not in RESULT_PURPOSES:
        raise errors.invalid(
            "invalid_purpose",
            "Mục đích tải lên không hợp lệ cho kết quả.",
            "Invalid upload purpose for a result.",
        )
    name = clean_text(name, field="name", max_length=500, required=True)
    if upload is not None:
        upload, verified = signing.verify_upload(upload, purpose=purpose)
        stored = files.store_upload(
            actor=actor, purpose=purpose, file=upload, name=name, agency=locked.current_agency
        )
    else:
        stored = (
            StoredFile.objects.filter(public_id=file_id, deleted_at__isnull=True).first() if file_id else None
        )
        owner = user_of(actor)
        if (
            stored is None
            or owner is None
            or stored.owner_id != owner.pk
            or stored.purpose not in RESULT_PURPOSES
        ):
            raise errors.invalid(
                "unknown_file",
                "Không tìm thấy tệp kết quả đã tải lên.",
                "The uploaded result file was not found.",
            )
        verified = signing.verify_stored(stored)
    signed = verified is not None and verified.is_signed
    result = ResultDocument.objects.create(
        dossier=locked,
        file=stored,
        name=name,
        is_signed=signed,
        signature_info=verified.info if verified is not None else {},
        uploaded_by=user_of(actor),
        uploaded_at=at,
    )
    transition(
        locked,
        actor=actor,
        action=Action.ATTACH_RESULT,
        to_state=to_state,
        at=at,
        step=step,
        data={"result_id": result.pk, "signed": signed},
    )
    return result


@transaction.atomic
def extend_dossier(
    *,
    actor: Any,
    dossier: Dossier,
    reason: str,
    new_appointment_at: dt.datetime,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Extension:
    """Apologise and set a new appointment (Form 04). Only before the current appointment passes:
    afterwards the dossier is simply late (``dossiers.extension_too_late``)."""
    at = now_or(now)
    locked = lock(dossier, expected_version)
    to_state = check(locked, Action.EXTEND)
    require(actor, "dossiers.extend", locked)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, required=True)
    old = locked.appointment_at
    if old is None or at >= old:
        raise errors.conflict(
            "extension_too_late",
            "Đã quá ngày hẹn trả: không thể gia hạn, hồ sơ bị tính là trễ hạn.",
            "The appointment has passed: the dossier cannot be extended and counts as late.",
        )
    if not isinstance(new_appointment_at, dt.datetime) or new_appointment_at.tzinfo is None:
        raise errors.invalid(
            "invalid_appointment",
            "Ngày hẹn mới phải là thời điểm có múi giờ.",
            "The new appointment must be an aware moment.",
        )
    new = calendar.office_moment(new_appointment_at)
    if new <= old:
        raise errors.invalid(
            "appointment_not_later",
            "Ngày hẹn mới phải sau ngày hẹn hiện tại.",
            "The new appointment must be after the current one.",
        )
    extension = Extension.objects.create(
        dossier=locked,
        reason=reason,
        old_appointment_at=old,
        new_appointment_at=new,
        issued_at=at,
        issued_by=user_of(actor),
        agency=locked.current_agency,
    )
    # Unfinished steps get the same extra office time as the appointment.
    extra = deadlines.office_minutes_between(old, new)
    for step in DossierStep.objects.filter(dossier=locked, finished_at__isnull=True, due_at__isnull=False):
        step.due_at = deadlines.add_office_minutes(step.due_at, extra)
        step.save(update_fields=["due_at"])
    locked.appointment_at = new
    locked.extension_count += 1
    transition(
        locked,
        actor=actor,
        action=Action.EXTEND,
        to_state=to_state,
        at=at,
        step=current_step(locked),
        note=reason,
        form="04",
        data={"old_appointment_at": old.isoformat(), "new_appointment_at": new.isoformat()},
        fields=("appointment_at", "extension_count"),
    )
    events.publish(
        DossierExtended(
            code=locked.code,
            agency_code=locked.current_agency.code,
            old_appointment_at=old,
            new_appointment_at=new,
        )
    )
    return extension


@transaction.atomic
def stop_dossier(
    *,
    actor: Any,
    dossier: Dossier,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> StopNotice:
    """Stop processing (Form 05, national status 8), e.g. the applicant did not supplement."""
    at = now_or(now)
    locked = lock(dossier, expected_version)
    to_state = check(locked, Action.STOP)
    require(actor, "dossiers.stop", locked)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, required=True)
    notice = StopNotice.objects.create(
        dossier=locked, reason=reason, issued_at=at, issued_by=user_of(actor), agency=locked.current_agency
    )
    step = current_step(locked)
    route.close_open_steps(locked, actor=actor, at=at)
    locked.decided_at = at
    transition(
        locked,
        actor=actor,
        action=Action.STOP,
        to_state=to_state,
        at=at,
        step=step,
        note=reason,
        form="05",
        fields=("decided_at", "current_step"),
    )
    return notice


@transaction.atomic
def withdraw_dossier(
    *,
    actor: Any,
    dossier: Dossier,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """The applicant withdraws the dossier before a decision (national status 7)."""
    at = now_or(now)
    locked = lock(dossier, expected_version)
    to_state = check(locked, Action.WITHDRAW)
    # A one-stop officer records a withdrawal handed in at the desk of the receiving agency.
    from tinhso.dossiers.permissions import AgencyRef

    principal = as_principal(actor)
    require(
        actor,
        "dossiers.withdraw",
        locked if principal.kind == "citizen" else AgencyRef(locked.receiving_agency_id),
    )
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, required=False)
    step = current_step(locked)
    route.close_open_steps(locked, actor=actor, at=at)
    locked.withdrawn_at = at
    transition(
        locked,
        actor=actor,
        action=Action.WITHDRAW,
        to_state=to_state,
        at=at,
        step=step,
        note=reason,
        fields=("withdrawn_at", "current_step"),
    )
    return locked


@transaction.atomic
def return_result(
    *,
    actor: Any,
    dossier: Dossier,
    via: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """Return the result to the applicant (national status 10): at the counter, online or by post
    (default: what the applicant chose). An online return needs a result file."""
    at = now_or(now)
    locked = lock(dossier, expected_version)
    to_state = check(locked, Action.RETURN_RESULT)
    step = current_step(locked)
    if step is not None and step.kind == StepKind.RETURN and step.finished_at is None:
        require_step_owner(actor, step)
    else:
        require(actor, "dossiers.return_result", locked)
    via = via or locked.result_delivery
    if via not in ResultDelivery.values:
        raise errors.invalid(
            "invalid_result_delivery", "Cách trả kết quả không hợp lệ.", "Invalid way of returning."
        )
    results = ResultDocument.objects.filter(dossier=locked)
    if via == ResultDelivery.ONLINE and not results.exists():
        raise errors.invalid(
            "result_file_missing",
            "Cần đính kèm tệp kết quả trước khi trả kết quả trực tuyến.",
            "Attach the result file before returning it online.",
        )
    results.filter(returned_at__isnull=True).update(returned_via=via, returned_at=at)
    if step is not None and step.finished_at is None:
        route.finish(step, actor=actor, at=at, outcome=StepOutcome.DONE)
    locked.result_returned_at = at
    locked.current_step = None
    transition(
        locked,
        actor=actor,
        action=Action.RETURN_RESULT,
        to_state=to_state,
        at=at,
        step=step,
        data={"via": via},
        fields=("result_returned_at", "current_step"),
    )
    return locked


@transaction.atomic
def rate_dossier(*, actor: Any, dossier: Dossier, score: int, comment: str = "") -> Rating:
    """The applicant rates the handling of their dossier, once, after the result was returned."""
    require(actor, "dossiers.rate", dossier)
    locked = lock(dossier)
    if locked.state != DossierState.RETURNED:
        raise errors.conflict(
            "not_rateable",
            "Chỉ đánh giá được sau khi đã nhận kết quả.",
            "A dossier can be rated only after its result was returned.",
        )
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise errors.invalid(
            "invalid_score", "Mức đánh giá từ 1 đến 5.", "The score is from 1 to 5.", field="score"
        )
    comment = clean_text(comment, field="comment", max_length=2000, required=False)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                dossier=locked, score=score, comment=comment, rated_by=user_of(actor)
            )
    except IntegrityError:
        raise errors.conflict(
            "already_rated", "Hồ sơ đã được đánh giá.", "The dossier was already rated."
        ) from None
    audit.record(
        actor=actor, action="dossiers.rated", obj=locked, changes={"code": locked.code, "score": score}
    )
    events.publish(DossierRated(code=locked.code, agency_code=locked.receiving_agency.code, score=score))
    return rating
