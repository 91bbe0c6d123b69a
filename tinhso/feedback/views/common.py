"""What the field-report pages share: error messages in the visitor's language, the map's
configuration (tiles, extent, status colours) and the Content-Security-Policy it needs, the list
filters read from a query string, and pagination.

Pages are built from :mod:`tinhso.feedback.representations` (privacy and moderation applied
there) and the selectors; nothing here reads a report's fields directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.errors import DomainError
from tinhso.core.units.models import AdministrativeUnit, Structure
from tinhso.feedback import geography, selectors
from tinhso.feedback.models import ReportStatus
from tinhso.feedback.states import OPEN_STATUSES

PAGE_SIZE = 20
# The public map draws the newest markers only: a browser handles a few hundred circles easily, and
# the list beside it pages through everything.
MAP_MARKER_LIMIT = 500

# One colour per status, for markers and the legend (SVG fill attributes: allowed by the CSP).
# Chosen to stay apart for the common forms of colour blindness; the label is always written too.
STATUS_COLORS = {
    ReportStatus.NEW: "#c0392b",
    ReportStatus.ACKNOWLEDGED: "#d35400",
    ReportStatus.ASSIGNED: "#9a7d0a",
    ReportStatus.IN_PROGRESS: "#1f618d",
    ReportStatus.RESOLVED: "#1e8449",
    ReportStatus.REOPENED: "#7d3c98",
    ReportStatus.CLOSED: "#5d6d7e",
    ReportStatus.REJECTED: "#1c2833",
}

# The status filter offers every status, plus "still open" (the agency owes an answer).
OPEN_CHOICE = ",".join(sorted(OPEN_STATUSES))


def message_of(request: HttpRequest, error: DomainError) -> str:
    return error.message_en if getattr(request, "LANGUAGE_CODE", "vi").startswith("en") else error.message_vi


def status_choices() -> list[tuple[str, str]]:
    return [(OPEN_CHOICE, _("Đang chờ hoặc đang xử lý")), *((s.value, str(s.label)) for s in ReportStatus)]


def legend() -> list[dict[str, str]]:
    return [{"status": s.value, "label": str(s.label), "color": STATUS_COLORS[s]} for s in ReportStatus]


def city_communes() -> list[AdministrativeUnit]:
    """The current communes and wards of the city, for the unit filter and the submission form."""
    return list(
        AdministrativeUnit.objects.filter(
            structure=Structure.CURRENT,
            parent__structure=Structure.CURRENT,
            parent__code=geography.PROVINCE_UNIT_CODE,
            valid_to__isnull=True,
        ).order_by("search_name", "code")
    )


# --- The map ----------------------------------------------------------------------------------------


def tile_url() -> str:
    return getattr(settings, "MAP_TILE_URL", "") or ""


def map_config(**extra: Any) -> dict[str, Any]:
    """What maps.js needs (passed with ``json_script``): tiles, or none for the offline background;
    the extent to fit; the former provinces' bounding boxes, drawn as a dashed frame because the
    platform has no boundary data; the status colours."""
    extent = geography.PROVINCE_EXTENT
    return {
        "tileUrl": tile_url(),
        "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "",
        "extent": [[extent.min_lat, extent.min_lon], [extent.max_lat, extent.max_lon]],
        "boxes": [[[b.min_lat, b.min_lon], [b.max_lat, b.max_lon]] for b in geography.PROVINCE_BOXES],
        "colors": {str(k): v for k, v in STATUS_COLORS.items()},
        "labels": {
            "shown": _("Bản đồ hiển thị {shown} phản ánh có tọa độ trong vùng đang xem."),
            "truncated": _(
                "Bản đồ hiển thị {shown} phản ánh mới nhất trong vùng đang xem; phóng to hoặc lọc để xem thêm."
            ),
            "error": _("Không tải được dữ liệu bản đồ. Danh sách bên cạnh vẫn đầy đủ."),
            "picked": _("Đã chọn vị trí: vĩ độ {lat}, kinh độ {lon}."),
            "outside": _("Vị trí này nằm ngoài địa bàn thành phố Cần Thơ; hãy chọn lại."),
            "locating": _("Đang xác định vị trí của bạn…"),
            "locateFailed": _("Không lấy được vị trí từ trình duyệt; hãy bấm vào bản đồ hoặc nhập tọa độ."),
        },
        **extra,
    }


def tile_origin(url: str) -> str | None:
    """The origin the browser fetches tiles from, as a CSP source: ``https://{s}.tile.example/…``
    becomes ``https://*.tile.example``; a relative URL is our own origin (None)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host:  # another placeholder in the host name: allow its subdomains
        host = "*." + host.split("}", 1)[1].lstrip(".-")
    return f"{parts.scheme}://{host}"


def with_map_policy(response: HttpResponse) -> HttpResponse:
    """Pages with a map allow images from the configured tile server, and only from it."""
    origin = tile_origin(tile_url())
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
    if origin and policy:
        directives = [d.strip() for d in policy.split(";") if d.strip()]
        if any(d.startswith("img-src") for d in directives):
            directives = [f"{d} {origin}" if d.startswith("img-src") else d for d in directives]
        else:
            directives.append(f"img-src 'self' data: {origin}")
        response["Content-Security-Policy"] = "; ".join(directives)
    return response


# --- Filters of the public list and map ------------------------------------------------------------


@dataclass
class ListQuery:
    """The public filters as the visitor typed them (to refill the form) and as selector filters."""

    category: str = ""
    status: str = ""
    unit: str = ""
    date_from: str = ""
    date_to: str = ""
    errors: list[str] = field(default_factory=list)
    filters: selectors.ReportFilters = field(default_factory=selectors.ReportFilters)

    def querystring(self, **extra: Any) -> str:
        params = {
            "linh-vuc": self.category,
            "trang-thai": self.status,
            "don-vi": self.unit,
            "tu-ngay": self.date_from,
            "den-ngay": self.date_to,
            **extra,
        }
        return urlencode({k: v for k, v in params.items() if v not in ("", None)})

    @property
    def active(self) -> bool:
        return any((self.category, self.status, self.unit, self.date_from, self.date_to))


def _date(text: str, label: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(_("%(field)s không phải là ngày hợp lệ (năm-tháng-ngày).") % {"field": label})
        return None


def read_list_query(params: QueryDict, *, with_bbox: bool = False) -> ListQuery:
    """Filters from the query string. A bad value is reported and ignored, not a 500 or an empty
    page: the visitor sees which filter was wrong."""
    query = ListQuery(
        category=params.get("linh-vuc", "").strip()[:50],
        status=params.get("trang-thai", "").strip()[:200],
        unit=params.get("don-vi", "").strip()[:10],
        date_from=params.get("tu-ngay", "").strip()[:10],
        date_to=params.get("den-ngay", "").strip()[:10],
    )
    errors = query.errors
    statuses: tuple[str, ...] = ()
    try:
        statuses = selectors.parse_statuses(query.status)
    except DomainError:
        errors.append(_("Trạng thái không hợp lệ."))
        query.status = ""
    bbox = None
    if with_bbox:
        try:
            bbox = selectors.parse_bbox(params.get("bbox", ""))
        except DomainError:
            errors.append(_("Vùng bản đồ (bbox) không hợp lệ."))
    date_from = _date(query.date_from, _("Từ ngày"), errors)
    date_to = _date(query.date_to, _("Đến ngày"), errors)
    if date_from and date_to and date_from > date_to:
        errors.append(_("“Từ ngày” phải trước hoặc bằng “Đến ngày”."))
        date_from = date_to = None
    query.filters = selectors.ReportFilters(
        statuses=statuses,
        category=query.category or None,
        unit=query.unit or None,
        date_from=date_from,
        date_to=date_to,
        bbox=bbox,
    )
    return query


def paginate(request: HttpRequest, rows, per_page: int = PAGE_SIZE) -> Page:
    """A page of ``rows``; a page number out of range shows the last page."""
    return Paginator(rows, per_page).get_page(request.GET.get("trang"))


def page_links(page: Page, querystring: str) -> dict[str, Any]:
    """Previous/next links that keep the filters."""
    base = f"?{querystring}&" if querystring else "?"
    return {
        "page": page,
        "previous_url": f"{base}trang={page.previous_page_number()}" if page.has_previous() else "",
        "next_url": f"{base}trang={page.next_page_number()}" if page.has_next() else "",
    }


def timeline_label(kind: str) -> str:
    return str(TIMELINE_LABELS.get(kind, kind))


TIMELINE_LABELS = {
    "submitted": gettext_lazy("Gửi phản ánh"),
    "routed": gettext_lazy("Chuyển cơ quan xử lý"),
    "acknowledged": gettext_lazy("Tiếp nhận"),
    "assigned": gettext_lazy("Phân công xử lý"),
    "started": gettext_lazy("Bắt đầu xử lý"),
    "resolved": gettext_lazy("Đã xử lý"),
    "closed": gettext_lazy("Đóng phản ánh"),
    "reopened": gettext_lazy("Mở lại"),
    "rejected": gettext_lazy("Không xử lý"),
    "transferred": gettext_lazy("Chuyển cơ quan khác"),
    "rerouted": gettext_lazy("Điều phối lại"),
    "merged": gettext_lazy("Gộp vào phản ánh khác"),
    "duplicates_merged": gettext_lazy("Gộp phản ánh trùng"),
    "moderated": gettext_lazy("Kiểm duyệt nội dung"),
}


def timeline_rows(entries) -> list[dict[str, Any]]:
    """Timeline entries of a representation, with a label and the status label."""
    return [
        {
            "entry": entry,
            "label": timeline_label(entry.kind),
            "status_label": str(ReportStatus(entry.status).label)
            if entry.status in ReportStatus.values
            else "",
        }
        for entry in entries
    ]


def attribute_answers(definitions: list[dict[str, Any]], stored: dict[str, Any]) -> list[tuple[str, str]]:
    """Answers to a category's questions labelled with the questions; list keys shown by name."""
    rows = []
    for definition in definitions:
        if definition["code"] not in stored:
            continue
        value = stored[definition["code"]]
        names = {v["key"]: v["name"] for v in definition.get("values", [])}
        if isinstance(value, list):
            text = ", ".join(names.get(str(v), str(v)) for v in value)
        else:
            text = names.get(str(value), str(value))
        rows.append((definition.get("description") or definition["code"], text))
    return rows
