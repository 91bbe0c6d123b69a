"""Handling a report: every status change, transfer, re-routing, merge and moderation.

Each service locks the report row (``select_for_update``), asks :mod:`tinhso.feedback.states`
whether the step is allowed from the status it finds *under the lock*, checks the actor's
permission on the locked row (the handling agency may have just changed), writes, adds a
timeline row, audits and publishes its event. Two officers acting at once are serialised by the
lock: the second one finds the new status and gets ``feedback.invalid_transition``.

Merged duplicates follow their main report: every status change of the main report is copied to
them in the same transaction, and its event lists them in ``merged_report_ids``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.core.accounts.models import User, UserKind
from tinhso.core.agencies.models import Agency
from tinhso.core.audit import services as audit
from tinhso.core.errors import ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import SYSTEM, as_principal, can, require
from tinhso.core.workcalendar import services as calendar
from tinhso.feedback import photos as photo_rules
from tinhso.feedback.errors import NotAssignee, ReopenLimit, ReportMerged
from tinhso.feedback.events import (
    ReportAcknowledged,
    ReportAssigned,
    ReportClosed,
    ReportRejected,
    ReportReopened,
    ReportResolved,
    ReportRouted,
    ReportStarted,
    ReportTransferred,
)
from tinhso.feedback.models import (
    Category,
    CloseKind,
    PhotoKind,
    RejectionKind,
    Report,
    ReportStatus,
)
from tinhso.feedback.permissions import is_leader_of, require_route
from tinhso.feedback.routing import effective_agency, route_for
from tinhso.feedback.services import history
from tinhso.feedback.services.photo_storage import blobs_removed_on_error, store_photos
from tinhso.feedback.states import Action, next_status

logger = logging.getLogger(__name__)

MIN_TEXT = 10
MAX_TEXT = 5000
DEFAULT_AUTO_CLOSE_DAYS = 7


def auto_close_days() -> int:
    """Days after resolution when a report the reporter did not confirm or reopen is closed."""
    return int(getattr(settings, "FEEDBACK_AUTO_CLOSE_DAYS", DEFAULT_AUTO_CLOSE_DAYS))


def clean_text(value: Any, *, field: str, minimum: int = MIN_TEXT, maximum: int = MAX_TEXT) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not minimum <= len(text) <= maximum:
        raise ValidationFailed(
            f"Cần nhập {field} từ {minimum} đến {maximum} ký tự.",
            f"The {field} needs {minimum} to {maximum} characters.",
            code=f"feedback.invalid_{field}",
        )
    return text


def _lock(report: Report) -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.merged_into_id is not None:
        raise ReportMerged(details={"main_report_id": locked.merged_into.public_id})
    return locked


def _followers(report: Report) -> tuple[str, ...]:
    return tuple(report.duplicates.order_by("pk").values_list("public_id", flat=True))


def _move(locked: Report, action: Action, at: datetime, fields: dict[str, Any]) -> str:
    """Apply ``action``: the new status from the state table, ``fields``, and the same status on
    merged duplicates. Returns the status before."""
    before = locked.status
    locked.status = next_status(before, action)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.updated_at = at
    locked.save(update_fields=["status", "updated_at", *fields])
    locked.duplicates.update(status=locked.status, updated_at=at)
    return before


def sync_caller(report: Report, locked: Report) -> Report:
    """Let the caller's instance see what the service wrote."""
    report.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    report._state.fields_cache = dict(locked._state.fields_cache)
    return locked


def _require_worker(actor: Any, locked: Report) -> None:
    """Starting and resolving: the assigned officer or a leader of the agency (or a machine)."""
    principal = as_principal(actor)
    if principal.kind != "officer":
        return
    if locked.assignee_id == principal.user.pk or is_leader_of(principal, locked.agency_id):
        return
    raise NotAssignee()


def _open_agency(agency: Any, *, field: str = "agency") -> Agency:
    if not isinstance(agency, Agency) or agency.pk is None:
        raise ValidationFailed(
            "Cơ quan nhận không tồn tại.",
            "The receiving agency does not exist.",
            code="feedback.invalid_agency",
        )
    today = timezone.localdate()
    if agency.valid_to is not None and agency.valid_to < today:
        raise ValidationFailed(
            "Cơ quan nhận đã hết hiệu lực.",
            "The receiving agency has been closed.",
            code="feedback.agency_closed",
        )
    return agency


# --- The steps of the state machine ---------------------------------------------------------------


@transaction.atomic
def acknowledge_report(*, actor: Any, report: Report, note: str = "", now: datetime | None = None) -> Report:
    """The handling agency confirms it received the report (new → acknowledged)."""
    at = now or timezone.now()
    locked = _lock(report)
    require(actor, "feedback.handle", locked)
    before = _move(locked, Action.ACKNOWLEDGE, at, {"acknowledged_at": at})
    history.add(
        locked,
        kind="acknowledged",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        public_note=f"{locked.agency.name} đã tiếp nhận phản ánh.",
        internal_note=(note or "").strip()[:MAX_TEXT],
    )
    audit.record(
        actor=actor,
        action="feedback.report_acknowledged",
        obj=locked,
        changes={"status": [before, locked.status]},
    )
    events.publish(
        ReportAcknowledged(
            report_id=locked.public_id, agency_code=locked.agency.code, merged_report_ids=_followers(locked)
        )
    )
    return sync_caller(report, locked)


@transaction.atomic
def assign_report(
    *, actor: Any, report: Report, assignee: User, note: str = "", now: datetime | None = None
) -> Report:
    """Give the report to an officer of the handling agency (again, to change the officer)."""
    at = now or timezone.now()
    locked = _lock(report)
    require(actor, "feedback.handle", locked)
    if (
        not isinstance(assignee, User)
        or assignee.kind != UserKind.OFFICER
        or not assignee.is_active
        or not can(assignee, "feedback.handle", locked)
    ):
        raise ValidationFailed(
            "Người được phân công phải là cán bộ xử lý phản ánh của cơ quan đang xử lý.",
            "The assignee must be an officer who handles reports in the handling agency.",
            code="feedback.invalid_assignee",
        )
    previous = locked.assignee_id
    before = _move(locked, Action.ASSIGN, at, {"assignee": assignee, "assigned_at": at})
    history.add(
        locked,
        kind="assigned",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        public_note="Đã phân công cán bộ xử lý.",
        internal_note=(f"Phân công: {assignee.full_name or assignee.username}. " + (note or "").strip())[
            :MAX_TEXT
        ],
    )
    audit.record(
        actor=actor,
        action="feedback.report_assigned",
        obj=locked,
        changes={
            "status": [before, locked.status],
            "assignee": str(assignee.public_id),
            "reassigned": previous is not None,
        },
    )
    events.publish(
        ReportAssigned(
            report_id=locked.public_id,
            agency_code=locked.agency.code,
            assignee_public_id=str(assignee.public_id),
            merged_report_ids=_followers(locked),
        )
    )
    return sync_caller(report, locked)


@transaction.atomic
def start_report(*, actor: Any, report: Report, now: datetime | None = None) -> Report:
    """The assigned officer starts working on it (assigned or reopened → in progress)."""
    at = now or timezone.now()
    locked = _lock(report)
    require(actor, "feedback.handle", locked)
    _require_worker(actor, locked)
    before = _move(locked, Action.START, at, {"started_at": at})
    history.add(
        locked,
        kind="started",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        public_note="Đang xử lý.",
    )
    audit.record(
        actor=actor, action="feedback.report_started", obj=locked, changes={"status": [before, locked.status]}
    )
    events.publish(
        ReportStarted(
            report_id=locked.public_id, agency_code=locked.agency.code, merged_report_ids=_followers(locked)
        )
    )
    return sync_caller(report, locked)


def resolve_report(
    *,
    actor: Any,
    report: Report,
    response: str,
    photos: list[Any] | tuple[Any, ...] = (),
    now: datetime | None = None,
) -> Report:
    """Resolved (in progress → resolved) with a public answer and, optionally, photos of the result."""
    text = clean_text(response, field="response")
    uploads = list(photos or [])
    if len(uploads) > photo_rules.MAX_PHOTOS:
        raise ValidationFailed(
            f"Tối đa {photo_rules.MAX_PHOTOS} ảnh kết quả.",
            f"At most {photo_rules.MAX_PHOTOS} result photos.",
            code="feedback.too_many_photos",
        )
    # Decode before locking: the lock is held only for the writes.
    processed = [photo_rules.process(upload) for upload in uploads]
    return _resolve(actor=actor, report=report, text=text, processed=processed, at=now or timezone.now())


@transaction.atomic
def _resolve(*, actor: Any, report: Report, text: str, processed: list, at: datetime) -> Report:
    locked = _lock(report)
    require(actor, "feedback.handle", locked)
    _require_worker(actor, locked)
    with blobs_removed_on_error() as stored:
        before = _move(locked, Action.RESOLVE, at, {"resolved_at": at, "response": text})
        store_photos(report=locked, photos=processed, kind=PhotoKind.RESULT, at=at, collected=stored)
        on_time = at <= locked.due_at
        history.add(
            locked,
            kind="resolved",
            actor=actor,
            at=at,
            from_status=before,
            to_status=locked.status,
            public_note=text,
        )
        audit.record(
            actor=actor,
            action="feedback.report_resolved",
            obj=locked,
            changes={"status": [before, locked.status], "on_time": on_time, "result_photos": len(processed)},
        )
        events.publish(
            ReportResolved(
                report_id=locked.public_id,
                agency_code=locked.agency.code,
                on_time=on_time,
                merged_report_ids=_followers(locked),
            )
        )
    return sync_caller(report, locked)


@transaction.atomic
def reject_report(
    *, actor: Any, report: Report, rejection_kind: str, reason: str, now: datetime | None = None
) -> Report:
    """Not handled: not within competence, a duplicate, spam, other. ``reason`` is public (it is
    the answer to the reporter): write it without personal data."""
    at = now or timezone.now()
    if rejection_kind not in RejectionKind.values:
        raise ValidationFailed(
            "Lý do từ chối không hợp lệ.",
            "Unknown rejection kind.",
            code="feedback.invalid_rejection_kind",
            details={"allowed": list(RejectionKind.values)},
        )
    text = clean_text(reason, field="reason")
    locked = _lock(report)
    require(actor, "feedback.handle", locked)
    before = _move(
        locked, Action.REJECT, at, {"rejected_at": at, "rejection_kind": rejection_kind, "response": text}
    )
    history.add(
        locked,
        kind="rejected",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        public_note=f"{RejectionKind(rejection_kind).label}: {text}",
    )
    audit.record(
        actor=actor,
        action="feedback.report_rejected",
        obj=locked,
        changes={"status": [before, locked.status], "rejection_kind": rejection_kind},
    )
    events.publish(
        ReportRejected(
            report_id=locked.public_id,
            agency_code=locked.agency.code,
            rejection_kind=rejection_kind,
            merged_report_ids=_followers(locked),
        )
    )
    return sync_caller(report, locked)


@transaction.atomic
def confirm_resolution(*, actor: Any, report: Report, now: datetime | None = None) -> Report:
    """The reporter accepts the result (resolved → closed)."""
    at = now or timezone.now()
    locked = _lock(report)
    require(actor, "feedback.confirm", locked)
    before = _move(locked, Action.CONFIRM, at, {"closed_at": at, "close_kind": CloseKind.CONFIRMED})
    history.add(
        locked,
        kind="closed",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        public_note="Người phản ánh đã xác nhận kết quả xử lý.",
    )
    audit.record(
        actor=actor,
        action="feedback.report_closed",
        obj=locked,
        changes={"status": [before, locked.status], "close_kind": CloseKind.CONFIRMED},
    )
    events.publish(
        ReportClosed(
            report_id=locked.public_id,
            agency_code=locked.agency.code,
            automatically=False,
            merged_report_ids=_followers(locked),
        )
    )
    return sync_caller(report, locked)


@transaction.atomic
def reopen_report(*, actor: Any, report: Report, reason: str, now: datetime | None = None) -> Report:
    """The reporter is not satisfied (resolved → reopened), once per report."""
    at = now or timezone.now()
    text = clean_text(reason, field="reason")
    locked = _lock(report)
    require(actor, "feedback.confirm", locked)
    next_status(locked.status, Action.REOPEN)  # a wrong status is reported before the limit
    if locked.reopen_count >= 1:
        raise ReopenLimit()
    before = _move(
        locked,
        Action.REOPEN,
        at,
        {"reopen_count": locked.reopen_count + 1, "reopen_reason": text, "resolved_at": None},
    )
    history.add(
        locked,
        kind="reopened",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        public_note="Người phản ánh chưa đồng ý với kết quả; phản ánh được mở lại.",
        internal_note=text,
    )
    audit.record(
        actor=actor,
        action="feedback.report_reopened",
        obj=locked,
        changes={"status": [before, locked.status]},
    )
    events.publish(
        ReportReopened(
            report_id=locked.public_id, agency_code=locked.agency.code, merged_report_ids=_followers(locked)
        )
    )
    return sync_caller(report, locked)


def close_stale_reports(
    *, actor: Any = SYSTEM, now: datetime | None = None, days: int | None = None
) -> list[str]:
    """Close resolved reports nobody confirmed or reopened within ``days`` (default the setting
    ``FEEDBACK_AUTO_CLOSE_DAYS``, 7 calendar days). Each report in its own transaction; returns
    the public ids closed. Run daily (``tinhso feedback close-stale``)."""
    require(actor, "feedback.oversee")
    at = now or timezone.now()
    cutoff = at - timedelta(days=auto_close_days() if days is None else days)
    due = list(
        Report.objects.filter(
            status=ReportStatus.RESOLVED, merged_into__isnull=True, resolved_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    closed = []
    for pk in due:
        with transaction.atomic():
            locked = Report.objects.select_for_update().filter(pk=pk).first()
            if (
                locked is None
                or locked.status != ReportStatus.RESOLVED
                or locked.merged_into_id is not None
                or locked.resolved_at is None
                or locked.resolved_at > cutoff
            ):
                continue  # confirmed, reopened or merged meanwhile
            before = _move(
                locked, Action.AUTO_CLOSE, at, {"closed_at": at, "close_kind": CloseKind.AUTOMATIC}
            )
            history.add(
                locked,
                kind="closed",
                actor=actor,
                at=at,
                from_status=before,
                to_status=locked.status,
                public_note="Phản ánh được tự động đóng do người phản ánh không phản hồi trong thời hạn.",
            )
            audit.record(
                actor=actor,
                action="feedback.report_closed",
                obj=locked,
                changes={"status": [before, locked.status], "close_kind": CloseKind.AUTOMATIC},
            )
            events.publish(
                ReportClosed(
                    report_id=locked.public_id,
                    agency_code=locked.agency.code,
                    automatically=True,
                    merged_report_ids=_followers(locked),
                )
            )
            closed.append(locked.public_id)
    if closed:
        logger.info("feedback.reports_auto_closed", extra={"count": len(closed)})
    return closed


# --- Moving a report between agencies ---------------------------------------------------------------


def _reset_for(
    locked: Report, agency: Agency, action: Action, at: datetime, extra: dict[str, Any] | None = None
):
    """A new agency starts over: it acknowledges, assigns and works on the report itself."""
    fields = {
        "agency": agency,
        "assignee": None,
        "acknowledged_at": None,
        "assigned_at": None,
        "started_at": None,
    }
    return _move(locked, action, at, {**fields, **(extra or {})})


@transaction.atomic
def transfer_report(
    *, actor: Any, report: Report, agency: Agency, reason: str, now: datetime | None = None
) -> Report:
    """The handling agency hands the report to another agency (e.g. not its competence). The
    deadline does not restart: the reporter has waited since submission."""
    at = now or timezone.now()
    text = clean_text(reason, field="reason")
    target = _open_agency(agency)
    locked = _lock(report)
    require(actor, "feedback.handle", locked)
    if target.pk == locked.agency_id:
        raise ValidationFailed(
            "Phản ánh đang do chính cơ quan này xử lý.",
            "The report is already handled by this agency.",
            code="feedback.same_agency",
        )
    source = locked.agency
    before = _reset_for(locked, target, Action.TRANSFER, at)
    history.add(
        locked,
        kind="transferred",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        agency=source,
        public_note=f"{source.name} chuyển phản ánh đến {target.name}.",
        internal_note=text,
    )
    audit.record(
        actor=actor,
        action="feedback.report_transferred",
        obj=locked,
        changes={"status": [before, locked.status], "agency": [source.code, target.code]},
    )
    events.publish(
        ReportTransferred(
            report_id=locked.public_id,
            from_agency_code=source.code,
            to_agency_code=target.code,
            merged_report_ids=_followers(locked),
        )
    )
    return sync_caller(report, locked)


@transaction.atomic
def reroute_report(
    *,
    actor: Any,
    report: Report,
    reason: str,
    agency: Agency | None = None,
    category: Category | None = None,
    now: datetime | None = None,
) -> Report:
    """An operator of the report centre corrects the routing: another agency, and/or another
    category (then, without an explicit agency, the routing rules choose again, and the
    deadline is recomputed from the submission with the new category's days)."""
    at = now or timezone.now()
    text = clean_text(reason, field="reason")
    if agency is None and category is None:
        raise ValidationFailed(
            "Cần chọn cơ quan hoặc danh mục mới.",
            "Choose a new agency or category.",
            code="feedback.nothing_to_change",
        )
    if category is not None and (not isinstance(category, Category) or not category.is_active):
        raise ValidationFailed(
            "Danh mục mới không tồn tại hoặc đã ngừng.",
            "The new category does not exist or is inactive.",
            code="feedback.unknown_category",
        )
    target = _open_agency(agency) if agency is not None else None
    locked = _lock(report)
    require_route(actor, locked)
    source, source_category = locked.agency, locked.category
    extra: dict[str, Any] = {}
    if category is not None and category.pk != locked.category_id:
        extra["category"] = category
        extra["due_at"] = calendar.add_working_days(locked.received_at, category.deadline_days)
        if target is None:
            target = route_for(category, locked.unit, day=timezone.localdate(at)).agency
    target = target or source
    if target.pk == source.pk and not extra:
        raise ValidationFailed("Không có gì thay đổi.", "Nothing changes.", code="feedback.nothing_to_change")
    before = _reset_for(locked, effective_agency(target, timezone.localdate(at)), Action.REROUTE, at, extra)
    history.add(
        locked,
        kind="rerouted",
        actor=actor,
        at=at,
        from_status=before,
        to_status=locked.status,
        agency=source,
        public_note=f"Điều phối lại: {locked.agency.name} xử lý"
        + (f", danh mục “{locked.category.name}”." if "category" in extra else "."),
        internal_note=text,
    )
    audit.record(
        actor=actor,
        action="feedback.report_rerouted",
        obj=locked,
        changes={
            "status": [before, locked.status],
            "agency": [source.code, locked.agency.code],
            **({"category": [source_category.code, locked.category.code]} if "category" in extra else {}),
        },
    )
    events.publish(
        ReportRouted(
            report_id=locked.public_id,
            agency_code=locked.agency.code,
            via="operator",
            previous_agency_code=source.code,
        )
    )
    return sync_caller(report, locked)
