"""Moderation of the public view, and access to the reporter's contact."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.permissions import require
from tinhso.feedback import contacts
from tinhso.feedback.events import ReportModerated
from tinhso.feedback.models import Report
from tinhso.feedback.permissions import can_view_internal, require_moderate
from tinhso.feedback.services import history
from tinhso.feedback.services.handling import clean_text, sync_caller


@transaction.atomic
def moderate_report(
    *,
    actor: Any,
    report: Report,
    reason: str,
    hide_description: bool | None = None,
    hide_photos: bool | None = None,
    hide_reporter: bool | None = None,
) -> Report:
    """Hide (or show again) parts of a report on the public view: abusive text, photos showing
    faces or plates, a reporter who should not be named. Nothing is deleted; the handling
    agency and platform administrators still see everything."""
    text = clean_text(reason, field="reason", minimum=5, maximum=500)
    wanted = {
        "hide_description": hide_description,
        "hide_photos": hide_photos,
        "hide_reporter": hide_reporter,
    }
    for name, value in wanted.items():
        if value is not None and not isinstance(value, bool):
            raise ValidationFailed(
                f"{name} phải là đúng/sai.",
                f"{name} must be true or false.",
                code="feedback.invalid_moderation",
            )
    wanted = {name: value for name, value in wanted.items() if value is not None}
    locked = Report.objects.select_for_update().get(pk=report.pk)  # merged duplicates can be moderated too
    require_moderate(actor, locked)
    changed = {name: value for name, value in wanted.items() if getattr(locked, name) != value}
    if not changed:
        return sync_caller(report, locked)
    at = timezone.now()
    before = {name: getattr(locked, name) for name in changed}
    for name, value in changed.items():
        setattr(locked, name, value)
    locked.moderation_reason = text
    locked.moderated_at = at
    locked.updated_at = at
    locked.save(update_fields=[*changed, "moderation_reason", "moderated_at", "updated_at"])
    hidden_now = any(changed.values())
    history.add(
        locked,
        kind="moderated",
        actor=actor,
        at=at,
        public_note=(
            "Một phần nội dung đã được ẩn khỏi trang công khai theo quy định."
            if hidden_now
            else "Nội dung đã được hiển thị lại."
        ),
        internal_note=text,
    )
    audit.record(
        actor=actor,
        action="feedback.report_moderated",
        obj=locked,
        changes={name: [before[name], value] for name, value in changed.items()},
        summary=text[:200],
    )
    events.publish(
        ReportModerated(
            report_id=locked.public_id,
            hide_description=locked.hide_description,
            hide_photos=locked.hide_photos,
            hide_reporter=locked.hide_reporter,
        )
    )
    return sync_caller(report, locked)


def reveal_contact(*, actor: Any, report: Report) -> contacts.Contact:
    """The reporter's contact in clear, for the handling agency to call or write back. Every
    reveal is audited (the values themselves are not written to the audit log)."""
    if not can_view_internal(actor, report):
        require(actor, "feedback.handle", report)  # raises, and audits the refusal
    if report.reporter_id is not None:
        user = report.reporter
        contact = contacts.Contact(
            name=report.contact_name or user.full_name,
            email=contacts.decrypt(report.contact_email_encrypted) or user.email,
            phone=contacts.decrypt(report.contact_phone_encrypted) or contacts.decrypt(user.phone_encrypted),
        )
    else:
        contact = contacts.Contact(
            name=report.contact_name,
            email=contacts.decrypt(report.contact_email_encrypted),
            phone=contacts.decrypt(report.contact_phone_encrypted),
        )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="feedback.contact_revealed",
            obj=report,
            changes={"email": bool(contact.email), "phone_shown": bool(contact.phone)},
        )
    return contact
