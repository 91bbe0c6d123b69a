"""Citizen field reports through the API (``/api/v1/feedback/``).

Public: the categories, submitting (signed in or, where the category allows it, anonymously),
the public list and view of reports, their photos (copies without metadata) and statistics.
Reporters: their own reports, confirming or reopening them. Handlers: the inbox of their
agency, the internal view and every handling step. Error codes are listed in docs/feedback.md.
"""

from __future__ import annotations

import json
import uuid
from typing import Literal

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.utils import check_csrf

from tinhso.core.accounts.models import User, UserKind
from tinhso.core.agencies.models import Agency
from tinhso.core.apiclients.auth import principal_for_token
from tinhso.core.audit import services as audit
from tinhso.core.errors import PermissionDenied, ValidationFailed
from tinhso.core.files import services as files
from tinhso.core.permissions import ANONYMOUS, SYSTEM, can, require
from tinhso.feedback import representations, selectors, services
from tinhso.feedback.errors import ReportNotFound
from tinhso.feedback.models import Category
from tinhso.feedback.permissions import can_route
from tinhso.feedback.schemas import (
    AssignIn,
    CategoryRead,
    ContactRead,
    DuplicateRead,
    InboxFilter,
    InternalReportRead,
    MergeIn,
    ModerateIn,
    NoteIn,
    OwnReportRead,
    RejectIn,
    ReopenIn,
    ReportBrief,
    ReportListFilter,
    ReportRead,
    RerouteIn,
    ResolveForm,
    StatisticsFilter,
    StatisticsRead,
    SubmitForm,
    SubmittedRead,
    TransferIn,
)

router = Router(tags=["feedback"])

MAX_LIMIT = 200


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


def _optional_actor(request):
    """Who calls an operation open to anonymous callers: a bearer token if one is presented (a
    wrong one is refused), else the signed-in session (CSRF-checked for writes), else nobody."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return principal_for_token(header[7:].strip())
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
            raise PermissionDenied(
                "Thiếu hoặc sai mã CSRF.", "CSRF verification failed.", code="auth.csrf_failed"
            )
        return user
    return ANONYMOUS


class Page(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ReportPage(Schema):
    items: list[ReportBrief]
    count: int


class OwnReportPage(Schema):
    items: list[OwnReportRead]
    count: int


class InboxPage(Schema):
    items: list[InternalReportRead]
    count: int


def _filters(params: ReportListFilter, **extra) -> selectors.ReportFilters:
    return selectors.ReportFilters(
        statuses=selectors.parse_statuses(params.status),
        category=params.category or None,
        unit=params.unit or None,
        bbox=selectors.parse_bbox(params.bbox),
        date_from=params.date_from,
        date_to=params.date_to,
        **extra,
    )


# --- Categories ------------------------------------------------------------------------------------


@router.get(
    "/categories", response=list[CategoryRead], auth=None, summary="Danh mục phản ánh / Report categories"
)
def list_categories(request):
    """The categories that take reports, with their Open311 attributes, anonymity rules and deadline."""
    require(_optional_actor(request), "feedback.view_public")
    return list(selectors.active_categories())


@router.get("/categories/{code}", response=CategoryRead, auth=None, summary="Một danh mục / One category")
def get_category(request, code: str):
    """404 `feedback.category_not_found` for an unknown or inactive code."""
    require(_optional_actor(request), "feedback.view_public")
    return selectors.get_category(code)


# --- Submitting and the public view ----------------------------------------------------------------------


@router.post(
    "/reports",
    response={200: SubmittedRead, 201: SubmittedRead},
    auth=None,
    summary="Gửi phản ánh / Submit a report",
)
def submit_report(
    request,
    response: HttpResponse,
    payload: Form[SubmitForm],
    photos: File[list[UploadedFile]] = None,
):
    """Multipart form with the fields below and `photos` (JPEG, PNG or WebP, up to 5, 10 MB each).
    Signed-in citizens (session or bearer token with scope `feedback:submit`) report in their
    name; anonymous callers only in categories that allow it (`feedback.sign_in_required`
    otherwise) and with a contact where the category requires one (`feedback.contact_required`).

    Send an `Idempotency-Key` header to make retries safe: the same key from the same submitter
    with the same content returns the first report (200, `Idempotent-Replayed: true`) instead of
    creating another; with different content it is 409 `feedback.idempotency_key_reused`.

    Errors: 422 `feedback.unknown_category`, `feedback.outside_province`, `feedback.invalid_coordinates`,
    `feedback.location_required`, `feedback.attribute_required`, `feedback.invalid_attribute`,
    `feedback.unknown_attribute`, `feedback.photo_required`, `feedback.too_many_photos`,
    `feedback.invalid_unit`, `feedback.unit_outside_province`; 413 `files.too_large`; 415
    `feedback.photo_invalid`."""
    actor = _optional_actor(request)
    try:
        answers = json.loads(payload.attributes) if payload.attributes.strip() else None
    except json.JSONDecodeError:
        raise ValidationFailed(
            "attributes phải là một đối tượng JSON.",
            "attributes must be a JSON object.",
            code="feedback.invalid_attribute",
        ) from None
    submitted = services.submit_report(
        actor=actor,
        category=payload.category,
        description=payload.description,
        photos=photos or [],
        latitude=payload.latitude,
        longitude=payload.longitude,
        address=payload.address,
        unit=payload.unit or None,
        attributes=answers,
        identity_public=payload.identity_public,
        contact_name=payload.contact_name,
        contact_email=payload.contact_email,
        contact_phone=payload.contact_phone,
        channel=payload.channel,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    report = selectors.get_public_report(submitted.report.public_id)
    view = representations.public_view(report, timeline=selectors.public_timeline(report))
    body = SubmittedRead(**{**view.__dict__, "token": str(submitted.report.token)})
    if submitted.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, body)
    return Status(201, body)


@router.get(
    "/reports", response=ReportPage, auth=None, summary="Danh sách phản ánh công khai / Public reports"
)
def list_reports(request, filters: Query[ReportListFilter], page: Query[Page]):
    """Newest first, without personal data. Filters: `status` (comma-separated), `category`,
    `unit`, `bbox` (`min_lat,min_lon,max_lat,max_lon`), `date_from`, `date_to`. Reports rejected
    as spam are not listed."""
    require(_optional_actor(request), "feedback.view_public")
    rows = selectors.public_reports(_filters(filters))
    items = [representations.public_view(r) for r in rows[page.offset : page.offset + page.limit]]
    return {"items": items, "count": rows.count()}


@router.get(
    "/reports/{public_id}",
    response=ReportRead,
    auth=None,
    summary="Phản ánh (công khai) / A report (public view)",
)
def get_report(request, public_id: str):
    """The public view with its public timeline; 404 `feedback.not_found`."""
    require(_optional_actor(request), "feedback.view_public")
    report = selectors.get_public_report(public_id)
    return representations.public_view(report, timeline=selectors.public_timeline(report))


@router.get(
    "/photos/{photo_id}/{variant}",
    auth=None,
    url_name="feedback_photo",
    summary="Ảnh công khai / A public photo",
)
def get_photo(request, photo_id: str, variant: Literal["large", "thumbnail"]):
    """A public copy (JPEG, metadata removed): `large` (1600 px) or `thumbnail` (400 px).
    404 when the photo is hidden by moderation or its report is not published."""
    require(_optional_actor(request), "feedback.view_public")
    photo = selectors.public_photo(photo_id)
    stored = photo.large if variant == "large" else photo.thumbnail
    # Public data: read directly, without the per-read audit record the files service writes for
    # personal documents (a page of thumbnails would flood the audit chain).
    response = FileResponse(default_storage.open(stored.storage_name, "rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="{photo.public_id}-{variant}.jpg"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@router.get(
    "/statistics", response=StatisticsRead, auth=None, summary="Thống kê phản ánh / Report statistics"
)
def statistics(request, filters: Query[StatisticsFilter]):
    """Counts by status, category, unit and agency; on-time rate (resolved within the deadline /
    resolved) and reports overdue now. Merged duplicates and spam are not counted."""
    require(_optional_actor(request), "feedback.view_public")
    return selectors.statistics(
        selectors.ReportFilters(
            category=filters.category or None,
            unit=filters.unit or None,
            agency=filters.agency or None,
            date_from=filters.date_from,
            date_to=filters.date_to,
        )
    )


# --- The reporter -----------------------------------------------------------------------------------


def _own(actor, public_id: str):
    report = selectors.get_own_report(actor, public_id)
    return representations.own_view(report, timeline=selectors.public_timeline(report))


@router.get("/my-reports", response=OwnReportPage, summary="Phản ánh của tôi / My reports")
def my_reports(request, filters: Query[ReportListFilter], page: Query[Page]):
    """The signed-in citizen's reports, newest first (permission `feedback.view_own`)."""
    actor = _actor(request)
    require(actor, "feedback.view_own")
    rows = selectors.reports_of(actor, _filters(filters)).order_by("-created_at", "-id")
    items = [representations.own_view(r) for r in rows[page.offset : page.offset + page.limit]]
    return {"items": items, "count": rows.count()}


@router.get(
    "/my-reports/{public_id}", response=OwnReportRead, summary="Một phản ánh của tôi / One of my reports"
)
def my_report(request, public_id: str):
    actor = _actor(request)
    require(actor, "feedback.view_own")
    return _own(actor, public_id)


@router.post(
    "/my-reports/{public_id}/confirm", response=OwnReportRead, summary="Xác nhận kết quả / Confirm the result"
)
def confirm(request, public_id: str):
    """Resolved → closed. 409 `feedback.invalid_transition` unless resolved."""
    actor = _actor(request)
    report = selectors.get_own_report(actor, public_id)
    services.confirm_resolution(actor=actor, report=report)
    return _own(actor, public_id)


@router.post(
    "/my-reports/{public_id}/reopen", response=OwnReportRead, summary="Mở lại phản ánh / Reopen a report"
)
def reopen(request, public_id: str, payload: ReopenIn):
    """Resolved → reopened, once (409 `feedback.reopen_limit` the second time)."""
    actor = _actor(request)
    report = selectors.get_own_report(actor, public_id)
    services.reopen_report(actor=actor, report=report, reason=payload.reason)
    return _own(actor, public_id)


# --- Handlers -----------------------------------------------------------------------------------------


def _internal(actor, public_id: str):
    report = selectors.get_report_for_handler(actor, public_id)
    return representations.internal_view(report, timeline=selectors.internal_timeline(report))


@router.get("/inbox", response=InboxPage, summary="Phản ánh cần xử lý / Reports to handle")
def inbox(request, filters: Query[InboxFilter], page: Query[Page]):
    """The reports of the caller's agencies (all of them for overseers), soonest deadline first
    (permission `feedback.handle`, scope `feedback:handle`). Extra filters: `overdue`, `mine`, `agency`."""
    actor = _actor(request)
    if not (can(actor, "feedback.handle") or can(actor, "feedback.oversee") or can_route(actor)):
        require(actor, "feedback.handle")  # refuses, and audits the refusal
    user = getattr(actor, "user", None) or (actor if isinstance(actor, User) else None)
    rows = selectors.reports_for_handler(
        actor,
        _filters(
            filters,
            overdue=filters.overdue,
            agency=filters.agency or None,
            assigned_to=user if filters.mine else None,
        ),
    )
    items = [
        representations.internal_view(r, brief=True) for r in rows[page.offset : page.offset + page.limit]
    ]
    return {"items": items, "count": rows.count()}


@router.get(
    "/inbox/{public_id}", response=InternalReportRead, summary="Phản ánh (nội bộ) / A report (handler view)"
)
def inbox_report(request, public_id: str):
    """Everything, including content hidden from the public; contacts masked. 404
    `feedback.not_found` for a report of another agency."""
    return _internal(_actor(request), public_id)


@router.get(
    "/inbox/{public_id}/duplicates",
    response=list[DuplicateRead],
    summary="Phản ánh có thể trùng / Possible duplicates",
)
def duplicates(request, public_id: str):
    """Open reports of the same category nearby (100 m, 14 days by default) that the caller may handle."""
    actor = _actor(request)
    report = selectors.get_report_for_handler(actor, public_id)
    return [
        {"report": representations.public_view(d.report), "distance_m": d.distance_m}
        for d in selectors.possible_duplicates(report, actor=actor)
    ]


@router.post(
    "/inbox/{public_id}/contact",
    response=ContactRead,
    summary="Xem liên hệ người phản ánh / Reveal the reporter's contact",
)
def reveal_contact(request, public_id: str):
    """The contact in clear, to call or write back; every reveal is audited (`feedback.contact_revealed`)."""
    actor = _actor(request)
    report = selectors.get_report_for_handler(actor, public_id)
    return services.reveal_contact(actor=actor, report=report)


@router.get(
    "/inbox/{public_id}/photos/{photo_id}/original",
    url_name="feedback_photo_original",
    summary="Ảnh gốc / The original photo",
)
def original_photo(request, public_id: str, photo_id: str):
    """The photo as uploaded, metadata (GPS) included: evidence for the handling agency. Audited."""
    actor = _actor(request)
    report = selectors.get_report_for_handler(actor, public_id)
    try:
        key = uuid.UUID(photo_id)
    except ValueError:
        raise ReportNotFound("Không tìm thấy ảnh.", "Photo not found.") from None
    photo = report.photos.select_related("original").filter(public_id=key).first()
    if photo is None:
        raise ReportNotFound("Không tìm thấy ảnh.", "Photo not found.")
    audit.record(
        actor=actor,
        action="feedback.photo_original_opened",
        obj=report,
        changes={"photo": str(photo.public_id), "sha256": photo.original.sha256},
    )
    handle = files.open_stored_file(actor=SYSTEM, stored_file=photo.original)
    response = FileResponse(handle, content_type=photo.original.content_type)
    response["Content-Disposition"] = f'attachment; filename="{photo.original.original_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _public(public_id: str):
    # After a transfer the caller's agency no longer handles the report: answer with the public view.
    report = selectors.get_public_report(public_id)
    return representations.public_view(report, timeline=selectors.public_timeline(report))


def _act(request, public_id: str):
    actor = _actor(request)
    return actor, selectors.get_report_for_handler(actor, public_id)


@router.post("/inbox/{public_id}/acknowledge", response=InternalReportRead, summary="Tiếp nhận / Acknowledge")
def acknowledge(request, public_id: str, payload: NoteIn):
    """new → acknowledged (permission `feedback.handle`). 409 `feedback.invalid_transition`."""
    actor, report = _act(request, public_id)
    services.acknowledge_report(actor=actor, report=report, note=payload.note)
    return _internal(actor, public_id)


@router.post("/inbox/{public_id}/assign", response=InternalReportRead, summary="Phân công / Assign")
def assign(request, public_id: str, payload: AssignIn):
    """→ assigned to an officer of the handling agency (422 `feedback.invalid_assignee` otherwise)."""
    actor, report = _act(request, public_id)
    try:
        key = uuid.UUID(payload.assignee)
    except ValueError:
        key = None
    assignee = User.objects.filter(public_id=key, kind=UserKind.OFFICER).first() if key else None
    if assignee is None:
        raise ValidationFailed(
            "Không tìm thấy cán bộ được phân công.",
            "The assignee was not found.",
            code="feedback.invalid_assignee",
        )
    services.assign_report(actor=actor, report=report, assignee=assignee, note=payload.note)
    return _internal(actor, public_id)


@router.post("/inbox/{public_id}/start", response=InternalReportRead, summary="Bắt đầu xử lý / Start")
def start(request, public_id: str):
    """assigned or reopened → in progress; the assignee or a leader of the agency (403 `feedback.not_assignee`)."""
    actor, report = _act(request, public_id)
    services.start_report(actor=actor, report=report)
    return _internal(actor, public_id)


@router.post("/inbox/{public_id}/resolve", response=InternalReportRead, summary="Hoàn thành xử lý / Resolve")
def resolve(request, public_id: str, payload: Form[ResolveForm], photos: File[list[UploadedFile]] = None):
    """in progress → resolved, with the public `response` and up to 5 `photos` of the result (multipart)."""
    actor, report = _act(request, public_id)
    services.resolve_report(actor=actor, report=report, response=payload.response, photos=photos or [])
    return _internal(actor, public_id)


@router.post("/inbox/{public_id}/reject", response=InternalReportRead, summary="Từ chối / Reject")
def reject(request, public_id: str, payload: RejectIn):
    """→ rejected (`not_competent`, `duplicate`, `spam`, `other`) with a public reason. Spam is unpublished."""
    actor, report = _act(request, public_id)
    services.reject_report(
        actor=actor, report=report, rejection_kind=payload.rejection_kind, reason=payload.reason
    )
    return _internal(actor, public_id)


def _agency_by_code(code: str) -> Agency:
    agency = Agency.objects.filter(code=(code or "").strip()).first()
    if agency is None:
        raise ValidationFailed(
            "Không tìm thấy cơ quan.", "The agency was not found.", code="feedback.invalid_agency"
        )
    return agency


@router.post("/inbox/{public_id}/transfer", response=ReportRead, summary="Chuyển cơ quan khác / Transfer")
def transfer(request, public_id: str, payload: TransferIn):
    """To another agency, which starts again from `new`; the caller then no longer sees it."""
    actor, report = _act(request, public_id)
    services.transfer_report(
        actor=actor, report=report, agency=_agency_by_code(payload.agency_code), reason=payload.reason
    )
    return _public(public_id)


@router.post("/inbox/{public_id}/reroute", response=ReportRead, summary="Điều phối lại / Re-route")
def reroute(request, public_id: str, payload: RerouteIn):
    """Operators of the report centre (`feedback.route`: platform administrators, provincial leaders)
    correct the agency and/or the category."""
    actor, report = _act(request, public_id)
    category = None
    if payload.category_code:
        category = Category.objects.filter(code=payload.category_code, is_active=True).first()
        if category is None:
            raise ValidationFailed(
                "Danh mục không tồn tại.", "The category does not exist.", code="feedback.unknown_category"
            )
    services.reroute_report(
        actor=actor,
        report=report,
        reason=payload.reason,
        agency=_agency_by_code(payload.agency_code) if payload.agency_code else None,
        category=category,
    )
    return _public(public_id)


@router.post(
    "/inbox/{public_id}/merge", response=InternalReportRead, summary="Gộp phản ánh trùng / Merge duplicates"
)
def merge(request, public_id: str, payload: MergeIn):
    """Merge the listed reports into this one; they follow its status from now on."""
    actor, report = _act(request, public_id)
    dupes = [selectors.get_report_for_handler(actor, other) for other in payload.duplicates]
    services.merge_reports(actor=actor, main=report, duplicates=dupes, note=payload.note)
    return _internal(actor, public_id)


@router.post("/inbox/{public_id}/moderate", response=InternalReportRead, summary="Kiểm duyệt / Moderate")
def moderate(request, public_id: str, payload: ModerateIn):
    """Hide (true) or show again (false) the description, the reporter's photos or name on the
    public view (permission `feedback.moderate`); nothing is deleted."""
    actor, report = _act(request, public_id)
    services.moderate_report(
        actor=actor,
        report=report,
        reason=payload.reason,
        hide_description=payload.hide_description,
        hide_photos=payload.hide_photos,
        hide_reporter=payload.hide_reporter,
    )
    return _internal(actor, public_id)
