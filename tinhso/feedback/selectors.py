"""Reads of field reports that need care: who may see which report, filters, duplicates, statistics.

Three audiences, three entry points:

* the public (:func:`public_reports`, :func:`get_public_report`): every report except those
  rejected as spam; personal data is removed by :mod:`tinhso.feedback.representations`;
* the reporter (:func:`reports_of`, :func:`get_own_report`);
* handlers (:func:`reports_for_handler`, :func:`get_report_for_handler`): only the reports of
  the agencies where they handle reports (or all, for overseers). A report they may not see is
  "not found", exactly like one that does not exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from tinhso.core.errors import ValidationFailed
from tinhso.core.permissions import as_principal, can, visible_agency_ids
from tinhso.feedback.errors import CategoryNotFound, ReportNotFound
from tinhso.feedback.geography import box_around, haversine_m
from tinhso.feedback.identifiers import normalize_public_id
from tinhso.feedback.models import (
    Category,
    RejectionKind,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
)
from tinhso.feedback.permissions import can_route, can_view_internal
from tinhso.feedback.states import OPEN_STATUSES, TERMINAL_STATUSES

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_DUPLICATE_RADIUS_M = 100
DEFAULT_DUPLICATE_DAYS = 14


# --- Categories -------------------------------------------------------------------------------------


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("agency").order_by("sort_order", "name")


def get_category(code: str, *, include_inactive: bool = False) -> Category:
    rows = Category.objects.select_related("agency")
    if not include_inactive:
        rows = rows.filter(is_active=True)
    found = rows.filter(code=(code or "").strip()).first()
    if found is None:
        raise CategoryNotFound()
    return found


# --- Filters ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    statuses: tuple[str, ...] = ()
    category: str | None = None  # category code
    unit: str | None = None  # current GSO code
    bbox: tuple[float, float, float, float] | None = None  # min_lat, min_lon, max_lat, max_lon
    date_from: date | None = None  # submitted on or after this day (Vietnam time)
    date_to: date | None = None  # submitted on or before this day
    agency: str | None = None  # agency code
    overdue: bool | None = None
    assigned_to: Any = None  # a User
    public_ids: tuple[str, ...] = ()  # e.g. Open311's service_request_id=a,b,c
    created_from: datetime | None = None  # aware datetimes, e.g. Open311's start_date / end_date
    created_to: datetime | None = None


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``"min_lat,min_lon,max_lat,max_lon"`` → floats, or ``feedback.invalid_bbox``."""
    if not text:
        return None
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if (
        len(values) != 4
        or not all(math.isfinite(v) for v in values)
        or not (-90 <= values[0] <= values[2] <= 90 and -180 <= values[1] <= values[3] <= 180)
    ):
        raise ValidationFailed(
            "bbox có dạng vĩ_độ_nhỏ,kinh_độ_nhỏ,vĩ_độ_lớn,kinh_độ_lớn (ví dụ 9.7,105.4,9.9,105.6).",
            "bbox is min_lat,min_lon,max_lat,max_lon (e.g. 9.7,105.4,9.9,105.6).",
            code="feedback.invalid_bbox",
        )
    return values  # type: ignore[return-value]


def parse_statuses(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    statuses = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [s for s in statuses if s not in ReportStatus.values]
    if unknown:
        raise ValidationFailed(
            "Trạng thái không hợp lệ.",
            "Unknown status.",
            code="feedback.invalid_status",
            details={"unknown": unknown, "allowed": list(ReportStatus.values)},
        )
    return statuses


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def overdue_q(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__lt=now, merged_into__isnull=True)


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return report.merged_into_id is None and report.status in OPEN_STATUSES and report.due_at < now


def apply_filters(
    rows: QuerySet[Report], filters: ReportFilters, *, now: datetime | None = None
) -> QuerySet[Report]:
    if filters.statuses:
        rows = rows.filter(status__in=filters.statuses)
    if filters.category:
        rows = rows.filter(category__code=filters.category)
    if filters.unit:
        rows = rows.filter(unit__code=filters.unit, unit__structure="current")
    if filters.agency:
        rows = rows.filter(agency__code=filters.agency)
    if filters.bbox is not None:
        min_lat, min_lon, max_lat, max_lon = filters.bbox
        rows = rows.filter(
            latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
        )
    if filters.date_from is not None:
        rows = rows.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to is not None:
        rows = rows.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.public_ids:
        rows = rows.filter(public_id__in=[_key(value) for value in filters.public_ids])
    if filters.created_from is not None:
        rows = rows.filter(created_at__gte=filters.created_from)
    if filters.created_to is not None:
        rows = rows.filter(created_at__lte=filters.created_to)
    if filters.overdue is not None:
        condition = overdue_q(now or timezone.now())
        rows = rows.filter(condition) if filters.overdue else rows.exclude(condition)
    if filters.assigned_to is not None:
        rows = rows.filter(assignee=filters.assigned_to)
    return rows


def _with_relations(rows: QuerySet[Report]) -> QuerySet[Report]:
    return rows.select_related(
        "category", "agency", "unit", "merged_into", "reporter", "assignee"
    ).prefetch_related(Prefetch("photos", queryset=ReportPhoto.objects.order_by("kind", "position", "id")))


# --- The public -------------------------------------------------------------------------------------


def _public_rows() -> QuerySet[Report]:
    # Reports rejected as spam stay on record but are not published.
    return Report.objects.exclude(status=ReportStatus.REJECTED, rejection_kind=RejectionKind.SPAM)


def public_reports(filters: ReportFilters = ReportFilters()) -> QuerySet[Report]:
    return _with_relations(apply_filters(_public_rows(), filters)).order_by("-created_at", "-id")


def _key(public_id: str) -> str:
    return normalize_public_id(public_id)


def get_public_report(public_id: str) -> Report:
    report = _with_relations(_public_rows()).filter(public_id=_key(public_id)).first()
    if report is None:
        raise ReportNotFound()
    return report


def report_for_token(token: Any) -> Report:
    """The report created with an Open311 ``token`` (public: it only tells the report's id)."""
    import uuid

    try:
        key = uuid.UUID(str(token))
    except ValueError:
        raise ReportNotFound() from None
    report = _public_rows().filter(token=key).first()
    if report is None:
        raise ReportNotFound()
    return report


def public_timeline(report: Report) -> list[ReportEvent]:
    return list(report.history.filter(is_public=True).select_related("agency").order_by("at", "id"))


def internal_timeline(report: Report) -> list[ReportEvent]:
    return list(report.history.select_related("agency", "actor").order_by("at", "id"))


def public_photo(photo_id: Any) -> ReportPhoto:
    """A photo the public may see: of a published report, not hidden by moderation (result photos,
    taken by officers, are never hidden)."""
    import uuid

    try:
        key = uuid.UUID(str(photo_id))
    except ValueError:
        raise ReportNotFound("Không tìm thấy ảnh.", "Photo not found.") from None
    photo = (
        ReportPhoto.objects.select_related("report", "large", "thumbnail")
        .filter(public_id=key, report__in=_public_rows())
        .first()
    )
    if photo is None or (photo.kind == "report" and photo.report.hide_photos):
        raise ReportNotFound("Không tìm thấy ảnh.", "Photo not found.")
    return photo


# --- The reporter -----------------------------------------------------------------------------------


def reports_of(actor: Any, filters: ReportFilters = ReportFilters()) -> QuerySet[Report]:
    principal = as_principal(actor)
    if principal.user is None or not can(principal, "feedback.view_own"):
        return Report.objects.none()
    return _with_relations(apply_filters(Report.objects.filter(reporter=principal.user), filters))


def get_own_report(actor: Any, public_id: str) -> Report:
    report = reports_of(actor).filter(public_id=_key(public_id)).first()
    if report is None:
        raise ReportNotFound()
    return report


# --- Handlers ---------------------------------------------------------------------------------------


def handler_scope(actor: Any) -> Q | None:
    """The condition on reports the actor may handle, oversee or route; None means all of them."""
    if can(actor, "feedback.oversee") or can_route(actor):
        return None
    agencies = visible_agency_ids(actor, "feedback.handle")
    if agencies is None:
        return None
    return Q(agency_id__in=agencies) if agencies else Q(pk__in=[])


def reports_for_handler(actor: Any, filters: ReportFilters = ReportFilters(), *, now: datetime | None = None):
    scope = handler_scope(actor)
    rows = Report.objects.all() if scope is None else Report.objects.filter(scope)
    return _with_relations(apply_filters(rows, filters, now=now)).order_by("due_at", "id")


def get_report_for_handler(actor: Any, public_id: str) -> Report:
    """The report if ``actor`` handles it (or oversees all); otherwise "not found", and the
    refusal is written to the audit log so that probing shows."""
    report = _with_relations(Report.objects.all()).filter(public_id=_key(public_id)).first()
    if report is None:
        raise ReportNotFound()
    if not can_view_internal(actor, report):
        from tinhso.core.audit.services import record_denied

        record_denied(actor=actor, action="feedback.handle", obj=report)
        raise ReportNotFound()
    return report


def get_report_for_action(actor: Any, public_id: str) -> Report:
    """For the handlers' write operations: a report the actor cannot see is 404, and one they
    can see but not act on (an overseer) gets the service's 403."""
    return get_report_for_handler(actor, public_id)


# --- Duplicates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PossibleDuplicate:
    report: Report
    distance_m: float


def duplicate_radius_m() -> float:
    return float(getattr(settings, "FEEDBACK_DUPLICATE_RADIUS_M", DEFAULT_DUPLICATE_RADIUS_M))


def duplicate_days() -> int:
    return int(getattr(settings, "FEEDBACK_DUPLICATE_DAYS", DEFAULT_DUPLICATE_DAYS))


def _outward(value: float, rounding: str) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.000001"), rounding=rounding)


def possible_duplicates(
    report: Report,
    *,
    actor: Any = None,
    radius_m: float | None = None,
    days: int | None = None,
    limit: int = 20,
) -> list[PossibleDuplicate]:
    """Open reports of the same category within ``radius_m`` metres and ``days`` days of
    ``report`` (settings ``FEEDBACK_DUPLICATE_RADIUS_M``, 100, and ``FEEDBACK_DUPLICATE_DAYS``,
    14), nearest first. A bounding box narrows the candidates in SQL (index on latitude,
    longitude; works the same on SQLite and PostgreSQL), the haversine distance decides in
    Python. With ``actor``, only reports the actor may handle are returned (those are the ones it
    could merge). Reports without coordinates have no duplicates by distance."""
    if not report.has_coordinates:
        return []
    radius = duplicate_radius_m() if radius_m is None else float(radius_m)
    window = timedelta(days=duplicate_days() if days is None else days)
    lat, lon = float(report.latitude), float(report.longitude)
    min_lat, min_lon, max_lat, max_lon = box_around(lat, lon, radius)
    rows = (
        Report.objects.filter(
            category_id=report.category_id,
            merged_into__isnull=True,
            latitude__gte=_outward(min_lat, ROUND_FLOOR),
            latitude__lte=_outward(max_lat, ROUND_CEILING),
            longitude__gte=_outward(min_lon, ROUND_FLOOR),
            longitude__lte=_outward(max_lon, ROUND_CEILING),
            created_at__gte=report.created_at - window,
            created_at__lte=report.created_at + window,
        )
        .exclude(pk=report.pk)
        .exclude(status__in=TERMINAL_STATUSES)
        .select_related("category", "agency", "unit")
    )
    if actor is not None:
        scope = handler_scope(actor)
        if scope is not None:
            rows = rows.filter(scope)
    found = []
    for row in rows[:500]:
        distance = haversine_m(lat, lon, float(row.latitude), float(row.longitude))
        if distance <= radius:
            found.append(PossibleDuplicate(report=row, distance_m=round(distance, 1)))
    found.sort(key=lambda d: (d.distance_m, d.report.created_at))
    return found[:limit]


# --- Statistics -------------------------------------------------------------------------------------


def statistics(filters: ReportFilters = ReportFilters(), *, now: datetime | None = None) -> dict[str, Any]:
    """Counts by status, category, unit and agency, the on-time rate (resolved within the deadline
    / resolved) and the reports overdue now. Merged duplicates are not counted: they are handled
    as their main report. Reports rejected as spam are not counted either."""
    now = now or timezone.now()
    rows = apply_filters(_public_rows().filter(merged_into__isnull=True), filters)
    by_status = {row["status"]: row["n"] for row in rows.values("status").annotate(n=Count("id"))}
    by_category = [
        {"code": row["category__code"], "name": row["category__name"], "count": row["n"]}
        for row in rows.values("category__code", "category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__code")
    ]
    by_unit = [
        {"code": row["unit__code"], "name": row["unit__name"], "count": row["n"]}
        for row in rows.values("unit__code", "unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "unit__code")
    ]
    by_agency = [
        {"code": row["agency__code"], "name": row["agency__name"], "count": row["n"]}
        for row in rows.values("agency__code", "agency__name")
        .annotate(n=Count("id"))
        .order_by("-n", "agency__code")
    ]
    resolved = rows.filter(status__in=[ReportStatus.RESOLVED, ReportStatus.CLOSED], resolved_at__isnull=False)
    counts = resolved.aggregate(
        resolved=Count("id"), on_time=Count("id", filter=Q(resolved_at__lte=F("due_at")))
    )
    overdue = rows.filter(overdue_q(now)).count()
    return {
        "total": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in ReportStatus.values},
        "by_category": by_category,
        "by_unit": by_unit,
        "by_agency": by_agency,
        "resolved": counts["resolved"],
        "resolved_on_time": counts["on_time"],
        "on_time_rate": round(counts["on_time"] / counts["resolved"], 4) if counts["resolved"] else None,
        "overdue_now": overdue,
        "computed_at": now,
    }
