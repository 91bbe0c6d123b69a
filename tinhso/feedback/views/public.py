"""Public pages: the map and list of reports, the markers' data and one report's public page.

Everything shown comes from :func:`tinhso.feedback.representations.public_view`: no reporter
contact, no address unless the reporter chose to be named, moderated content replaced by a notice,
spam not published at all.
"""

from __future__ import annotations

from dataclasses import replace

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.core.errors import NotFound
from tinhso.core.ops.access import public_view
from tinhso.core.permissions import can
from tinhso.feedback import geography, representations, selectors
from tinhso.feedback.permissions import can_view_internal
from tinhso.feedback.views import common


@public_view
def browse(request: HttpRequest) -> HttpResponse:
    """``/phan-anh/``: filters, a map of the matching reports and their list, newest first."""
    query = common.read_list_query(request.GET)
    page = common.paginate(request, selectors.public_reports(query.filters))
    items = [representations.public_view(report) for report in page.object_list]
    context = {
        "query": query,
        "items": items,
        "categories": list(selectors.active_categories()),
        "statuses": common.status_choices(),
        "units": common.city_communes(),
        "legend": common.legend(),
        "map_config": common.map_config(markersUrl=reverse("feedback:map_data")),
        "markers_query": query.querystring(),
        "can_view_own": can(request.user, "feedback.view_own"),
        **common.page_links(page, query.querystring()),
    }
    return common.with_map_policy(render(request, "feedback/browse.html", context))


def _covers_province(bbox: tuple[float, float, float, float]) -> bool:
    extent = geography.PROVINCE_EXTENT
    min_lat, min_lon, max_lat, max_lon = bbox
    return (
        min_lat <= extent.min_lat
        and min_lon <= extent.min_lon
        and max_lat >= extent.max_lat
        and max_lon >= extent.max_lon
    )


@public_view
def map_data(request: HttpRequest) -> JsonResponse:
    """``/phan-anh/ban-do.json``: the newest reports with coordinates matching the public filters
    and ``bbox`` (the part of the map in view), at most ``MAP_MARKER_LIMIT``, with only what the
    public view shows: id, place, category, status. No total is counted: ``truncated`` says there
    are more (counting every match would cost a scan of the table at a million reports)."""
    query = common.read_list_query(request.GET, with_bbox=True)
    filters = query.filters
    if filters.bbox is None or _covers_province(filters.bbox):
        # The whole city is in view: any report with coordinates. Said this way rather than as a box,
        # the database walks the newest reports instead of sorting every report of the city.
        rows = selectors.public_reports(replace(filters, bbox=None)).filter(latitude__isnull=False)
    else:
        rows = selectors.public_reports(filters)
    batch = list(rows[: common.MAP_MARKER_LIMIT + 1])
    views = [representations.public_view(report) for report in batch[: common.MAP_MARKER_LIMIT]]
    items = [
        {
            "id": view.public_id,
            "lat": view.latitude,
            "lon": view.longitude,
            "status": view.status,
            "status_label": view.status_label,
            "category": view.category_name,
            "overdue": view.overdue,
            "created_at": view.created_at.isoformat(),
            "url": reverse("feedback:detail", kwargs={"public_id": view.public_id}),
        }
        for view in views
    ]
    response = JsonResponse(
        {
            "shown": len(items),
            "truncated": len(batch) > common.MAP_MARKER_LIMIT,
            "errors": query.errors,
            "items": items,
        }
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@public_view
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """``/phan-anh/<public_id>/``: the public page of one report, with its public timeline."""
    try:
        report = selectors.get_public_report(public_id)
    except NotFound:
        raise Http404(_("Không tìm thấy phản ánh.")) from None
    view = representations.public_view(report, timeline=selectors.public_timeline(report))
    context = {
        "report": view,
        "timeline": common.timeline_rows(view.timeline),
        "rejection_label": representations.rejection_label(view.rejection_kind),
        "is_mine": can(request.user, "feedback.view_own", report),
        "can_handle": can_view_internal(request.user, report),
        "map_config": common.map_config(
            point=[view.latitude, view.longitude] if view.latitude is not None else None,
            status=view.status,
        ),
    }
    return common.with_map_policy(render(request, "feedback/detail.html", context))
