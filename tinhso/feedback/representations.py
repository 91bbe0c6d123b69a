"""What each audience is shown of a report. The one place that applies privacy and moderation:
the API, the HTML pages and the Open311 layer all build their output from these.

* :func:`public_view`: no personal data. The reporter's name and the address appear only when
  the reporter chose to make their identity public and no moderator hid it; the description
  and the reporter's photos disappear when a moderator hid them; public photos are the copies
  without metadata.
* :func:`internal_view`: for the handling agency and overseers: everything, moderated content
  included (flagged as hidden from the public), contacts masked (see
  :func:`tinhso.feedback.services.reveal_contact` for the clear values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tinhso.feedback import contacts
from tinhso.feedback.models import PhotoKind, RejectionKind, Report, ReportEvent, ReportStatus
from tinhso.feedback.selectors import is_overdue
from tinhso.feedback.states import allowed_actions

PUBLIC_ACTOR = {
    "citizen": "Người phản ánh",
    "anonymous": "Người phản ánh",
    "client": "Hệ thống",
    "system": "Hệ thống",
}


@dataclass(frozen=True)
class PhotoView:
    id: str
    kind: str
    width: int
    height: int
    url: str
    thumbnail_url: str
    hidden_from_public: bool = False
    original_url: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    status: str | None
    by: str
    note: str
    internal_note: str | None = None


@dataclass(frozen=True)
class PublicReport:
    public_id: str
    category_code: str
    category_name: str
    status: str
    status_label: str
    description: str | None
    description_hidden: bool
    latitude: float | None
    longitude: float | None
    address: str | None
    unit_code: str | None
    unit_name: str | None
    agency_code: str
    agency_name: str
    reporter_name: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    overdue: bool
    resolved_at: datetime | None
    closed_at: datetime | None
    response: str | None
    rejection_kind: str | None
    merged_into: str | None
    photos: list[PhotoView] = field(default_factory=list)
    result_photos: list[PhotoView] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)


@dataclass(frozen=True)
class PersonRef:
    public_id: str
    name: str


@dataclass(frozen=True)
class ReporterView:
    kind: str  # "account" or "anonymous"
    name: str
    email_masked: str
    phone_masked: str
    identity_public: bool


@dataclass(frozen=True)
class InternalReport(PublicReport):
    token: str = ""
    channel: str = ""
    address_full: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    reporter: ReporterView | None = None
    assignee: PersonRef | None = None
    received_at: datetime | None = None
    acknowledged_at: datetime | None = None
    assigned_at: datetime | None = None
    started_at: datetime | None = None
    close_kind: str | None = None
    reopen_count: int = 0
    reopen_reason: str = ""
    hide_description: bool = False
    hide_photos: bool = False
    hide_reporter: bool = False
    moderation_reason: str = ""
    duplicate_ids: list[str] = field(default_factory=list)
    allowed_actions: list[str] = field(default_factory=list)


def _photo(
    photo, *, hidden: bool = False, with_original: bool = False, report: Report | None = None
) -> PhotoView:
    return PhotoView(
        id=str(photo.public_id),
        kind=photo.kind,
        width=photo.width,
        height=photo.height,
        url=reverse("api-v1:feedback_photo", kwargs={"photo_id": photo.public_id, "variant": "large"}),
        thumbnail_url=reverse(
            "api-v1:feedback_photo", kwargs={"photo_id": photo.public_id, "variant": "thumbnail"}
        ),
        hidden_from_public=hidden,
        original_url=(
            reverse(
                "api-v1:feedback_photo_original",
                kwargs={"public_id": report.public_id, "photo_id": photo.public_id},
            )
            if with_original and report is not None
            else None
        ),
    )


def _by(entry: ReportEvent) -> str:
    if entry.actor_kind in {"officer"} and entry.agency is not None:
        return entry.agency.name  # officers act for their agency; their names are not published
    return PUBLIC_ACTOR.get(entry.actor_kind, "Hệ thống")


def _timeline(entries: list[ReportEvent], *, internal: bool) -> list[TimelineEntry]:
    rows = []
    for entry in entries:
        if not internal and not entry.is_public:
            continue
        by = _by(entry)
        if internal and entry.actor is not None:
            by = f"{entry.actor.full_name or entry.actor.username} ({by})"
        rows.append(
            TimelineEntry(
                at=entry.at,
                kind=entry.kind,
                status=entry.to_status or None,
                by=by,
                note=entry.public_note,
                internal_note=(entry.internal_note or None) if internal else None,
            )
        )
    return rows


def _reporter_name(report: Report) -> str:
    if report.reporter_id is not None:
        return report.contact_name or report.reporter.full_name
    return report.contact_name


def _public_fields(report: Report, timeline: list[ReportEvent] | None, now: datetime) -> dict[str, Any]:
    named = report.identity_public and not report.hide_reporter
    photos = list(report.photos.all())
    name = _reporter_name(report) if named else ""
    return {
        "public_id": report.public_id,
        "category_code": report.category.code,
        "category_name": report.category.name,
        "status": report.status,
        "status_label": str(ReportStatus(report.status).label),
        "description": None if report.hide_description else report.description,
        "description_hidden": report.hide_description,
        "latitude": float(report.latitude) if report.latitude is not None else None,
        "longitude": float(report.longitude) if report.longitude is not None else None,
        # The address may be the reporter's own: public only with the reporter's identity.
        "address": (report.address or None) if named else None,
        "unit_code": report.unit.code if report.unit_id else None,
        "unit_name": report.unit.name if report.unit_id else None,
        "agency_code": report.agency.code,
        "agency_name": report.agency.name,
        "reporter_name": name or None,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "due_at": report.due_at,
        "overdue": is_overdue(report, now),
        "resolved_at": report.resolved_at,
        "closed_at": report.closed_at,
        "response": report.response or None,
        "rejection_kind": report.rejection_kind or None,
        "merged_into": report.merged_into.public_id if report.merged_into_id else None,
        "photos": [] if report.hide_photos else [_photo(p) for p in photos if p.kind == PhotoKind.REPORT],
        "result_photos": [_photo(p) for p in photos if p.kind == PhotoKind.RESULT],
        "timeline": _timeline(timeline, internal=False) if timeline is not None else [],
    }


def public_view(
    report: Report, *, timeline: list[ReportEvent] | None = None, now: datetime | None = None
) -> PublicReport:
    """``timeline``: :func:`tinhso.feedback.selectors.public_timeline` for a detail page, None in lists."""
    return PublicReport(**_public_fields(report, timeline, now or timezone.now()))


def internal_view(
    report: Report,
    *,
    timeline: list[ReportEvent] | None = None,
    now: datetime | None = None,
    brief: bool = False,
) -> InternalReport:
    """``brief``: for lists, without the query for merged duplicates."""
    now = now or timezone.now()
    fields = _public_fields(report, None, now)
    photos = list(report.photos.all())
    fields.update(
        description=report.description,
        address=report.address or None,
        reporter_name=_reporter_name(report) or None,
        photos=[
            _photo(p, hidden=report.hide_photos, with_original=True, report=report)
            for p in photos
            if p.kind == PhotoKind.REPORT
        ],
        result_photos=[
            _photo(p, with_original=True, report=report) for p in photos if p.kind == PhotoKind.RESULT
        ],
        timeline=_timeline(timeline, internal=True) if timeline is not None else [],
    )
    email = contacts.decrypt(report.contact_email_encrypted)
    phone = contacts.decrypt(report.contact_phone_encrypted)
    return InternalReport(
        **fields,
        token=str(report.token),
        channel=report.channel,
        address_full=report.address,
        attributes=dict(report.attributes or {}),
        reporter=ReporterView(
            kind="account" if report.reporter_id else "anonymous",
            name=_reporter_name(report),
            email_masked=contacts.mask_email(email or (report.reporter.email if report.reporter_id else "")),
            phone_masked=contacts.mask_phone(phone),
            identity_public=report.identity_public,
        ),
        assignee=(
            PersonRef(
                public_id=str(report.assignee.public_id),
                name=report.assignee.full_name or report.assignee.username,
            )
            if report.assignee_id
            else None
        ),
        received_at=report.received_at,
        acknowledged_at=report.acknowledged_at,
        assigned_at=report.assigned_at,
        started_at=report.started_at,
        close_kind=report.close_kind or None,
        reopen_count=report.reopen_count,
        reopen_reason=report.reopen_reason,
        hide_description=report.hide_description,
        hide_photos=report.hide_photos,
        hide_reporter=report.hide_reporter,
        moderation_reason=report.moderation_reason,
        duplicate_ids=[]
        if brief
        else list(report.duplicates.order_by("pk").values_list("public_id", flat=True)),
        allowed_actions=[] if report.merged_into_id else [str(a) for a in allowed_actions(report.status)],
    )


@dataclass(frozen=True)
class OwnReport(PublicReport):
    """What the reporter sees of their own report: what they wrote, even if hidden from the public."""

    token: str = ""
    address_full: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    identity_public: bool = False
    reopen_count: int = 0
    can_confirm: bool = False
    can_reopen: bool = False


def own_view(
    report: Report, *, timeline: list[ReportEvent] | None = None, now: datetime | None = None
) -> OwnReport:
    fields = _public_fields(report, timeline, now or timezone.now())
    fields.update(description=report.description)
    actionable = report.merged_into_id is None and report.status == ReportStatus.RESOLVED
    return OwnReport(
        **fields,
        token=str(report.token),
        address_full=report.address,
        attributes=dict(report.attributes or {}),
        identity_public=report.identity_public,
        reopen_count=report.reopen_count,
        can_confirm=actionable,
        can_reopen=actionable and report.reopen_count < 1,
    )


def rejection_label(kind: str | None) -> str | None:
    return str(RejectionKind(kind).label) if kind else None
