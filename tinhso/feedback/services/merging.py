"""Merging duplicate reports: the duplicates follow the main report from then on."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require
from tinhso.feedback.errors import ReportMerged
from tinhso.feedback.events import ReportsMerged
from tinhso.feedback.models import Report
from tinhso.feedback.services import history
from tinhso.feedback.services.handling import MAX_TEXT, sync_caller
from tinhso.feedback.states import TERMINAL_STATUSES


@transaction.atomic
def merge_reports(*, actor: Any, main: Report, duplicates: list[Report], note: str = "") -> Report:
    """Merge ``duplicates`` into ``main``: they stop being handled on their own and follow the main
    report's status from now on (their reporters are told through the events). The actor must
    handle every report involved; none may be closed or rejected."""
    dupes = list(duplicates or [])
    ids = [r.pk for r in dupes]
    if not dupes or len(set(ids)) != len(ids) or main.pk in ids:
        raise ValidationFailed(
            "Cần chọn ít nhất một phản ánh trùng, khác phản ánh chính, không lặp lại.",
            "Choose at least one duplicate, distinct from the main report and from each other.",
            code="feedback.invalid_merge",
        )
    # One lock order for everyone: by primary key.
    locked = {
        r.pk: r for r in Report.objects.select_for_update().filter(pk__in=[main.pk, *ids]).order_by("pk")
    }
    if len(locked) != len(ids) + 1:
        raise ValidationFailed(
            "Không tìm thấy phản ánh.", "A report was not found.", code="feedback.invalid_merge"
        )
    head = locked[main.pk]
    for row in locked.values():
        require(actor, "feedback.handle", row)
        if row.merged_into_id is not None:
            raise ReportMerged(details={"report_id": row.public_id})
        if row.status in TERMINAL_STATUSES:
            raise ValidationFailed(
                "Không thể gộp phản ánh đã đóng hoặc đã từ chối.",
                "Closed or rejected reports cannot be merged.",
                code="feedback.invalid_merge",
                details={"report_id": row.public_id},
            )
    at = timezone.now()
    merged_ids = []
    for pk in ids:
        row = locked[pk]
        # Whoever followed the duplicate now follows the main report (no chains).
        Report.objects.filter(merged_into=row).update(merged_into=head, status=head.status, updated_at=at)
        before = row.status
        row.merged_into = head
        row.status = head.status
        row.updated_at = at
        row.save(update_fields=["merged_into", "status", "updated_at"])
        history.add(
            row,
            kind="merged",
            actor=actor,
            at=at,
            from_status=before,
            to_status=row.status,
            public_note=f"Trùng với phản ánh {head.public_id}; được gộp và xử lý cùng phản ánh đó.",
            internal_note=(note or "").strip()[:MAX_TEXT],
        )
        audit.record(
            actor=actor,
            action="feedback.report_merged",
            obj=row,
            changes={"merged_into": head.public_id, "status": [before, row.status]},
        )
        merged_ids.append(row.public_id)
    history.add(
        head,
        kind="duplicates_merged",
        actor=actor,
        at=at,
        public_note=f"Đã gộp {len(merged_ids)} phản ánh trùng: {', '.join(merged_ids)}.",
        internal_note=(note or "").strip()[:MAX_TEXT],
    )
    audit.record(actor=actor, action="feedback.reports_merged", obj=head, changes={"duplicates": merged_ids})
    events.publish(
        ReportsMerged(
            main_report_id=head.public_id,
            duplicate_report_ids=tuple(merged_ids),
            agency_code=head.agency.code,
        )
    )
    return sync_caller(main, head)
