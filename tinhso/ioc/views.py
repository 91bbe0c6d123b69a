"""The operations center's pages (``/trung-tam-dieu-hanh/``): dashboard, wall mode, partials, live.

Every figure comes from ``tinhso.ioc.selectors``, which decide what a reader may see: anyone gets
the public KPIs as province totals; breakdowns (by agency, procedure, unit), rankings, the map and
alerts need ``ioc.view`` and cover only the reader's agencies. The pages are public for that
reason, and each internal panel checks ``ioc.view`` itself (a hint to sign in otherwise, 403).

Panels are HTML fragments re-fetched by htmx; each fragment's root carries the URL that produced
it, so a live refresh (``ioc:refresh``, fired by ``static/ioc/ioc.js`` when the server-sent event
stream reports a new read-model version) re-asks exactly what the reader is looking at. See
docs/ioc-pages.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import DomainError, NotFound, ValidationFailed
from tinhso.core.ops.access import permission_view, public_view
from tinhso.core.permissions import can
from tinhso.ioc import alerts as alerts_service
from tinhso.ioc import geo, selectors
from tinhso.ioc.models import Alert
from tinhso.ioc.sources import AVERAGE, COUNT, OPEN, OVERDUE, RATIO

VIEW = selectors.VIEW
DRILL = "dossiers.view"
# The day before the 2025 reform: figures "as of" the former three-tier structure.
LEGACY_AS_OF = dt.date(2025, 6, 30)
DEFAULT_KPI = "onestop.received"
SERIES_KINDS = (COUNT, RATIO, AVERAGE)

PERIODS = {
    "today": gettext_lazy("Hôm nay"),
    "week": gettext_lazy("Tuần này"),
    "month": gettext_lazy("Tháng này"),
    "year": gettext_lazy("Năm nay"),
}
PREVIOUS = {
    "today": gettext_lazy("so với hôm qua"),
    "week": gettext_lazy("so với cùng kỳ tuần trước"),
    "month": gettext_lazy("so với cùng kỳ tháng trước"),
    "year": gettext_lazy("so với cùng kỳ năm trước"),
}
GRAINS = {
    "day": gettext_lazy("Theo ngày"),
    "week": gettext_lazy("Theo tuần"),
    "month": gettext_lazy("Theo tháng"),
}
STRUCTURES = {
    "current": gettext_lazy("Cơ cấu hiện tại"),
    "legacy": gettext_lazy("Trước 01/7/2025"),
}
BREAKDOWN_BY = ("agency", "subject")

# Server-sent events: how long one response lasts, how often it looks at the version, how often
# it sends a comment so proxies keep the connection open, and when the browser reconnects.
STREAM_SECONDS = 55.0
STREAM_INTERVAL = 1.0
STREAM_HEARTBEAT = 15.0
STREAM_RETRY_MS = 2000

WALL_ROTATE_DEFAULT, WALL_ROTATE_MIN, WALL_ROTATE_MAX = 20, 5, 600


# -- Parameters and formatting -------------------------------------------------------------------


def _choice(request: HttpRequest, name: str, allowed, default: str) -> str:
    value = (request.GET.get(name) or "").strip()
    return value if value in allowed else default


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def _label(item) -> str:
    vi, en = (
        (item.label_vi, item.label_en) if hasattr(item, "label_vi") else (item["label_vi"], item["label_en"])
    )
    return en if _english() and en else vi


def _formula(item) -> str:
    vi, en = (
        (item.formula_vi, item.formula_en)
        if hasattr(item, "formula_vi")
        else (item["formula_vi"], item["formula_en"])
    )
    return en if _english() and en else vi


def format_value(value, unit: str) -> str:
    """A KPI value as shown: counts grouped (1.234), ratios as percent with one decimal, scores
    with two; "—" when there is nothing to divide by."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{number_format(value * 100, 1, force_grouping=True)} %"
    if unit == "score":
        return number_format(value, 2, force_grouping=True)
    return number_format(int(value), 0, force_grouping=True)


def _format_change(change, unit: str) -> str:
    sign = "+" if change > 0 else ("−" if change < 0 else "")
    size = abs(change)
    if unit == "percent":
        return _("%(sign)s%(value)s điểm %%") % {
            "sign": sign,
            "value": number_format(size * 100, 1, force_grouping=True),
        }
    if unit == "score":
        return f"{sign}{number_format(size, 2, force_grouping=True)}"
    return f"{sign}{number_format(int(size), 0, force_grouping=True)}"


def _comparison(value: selectors.KpiValue, period: str) -> dict | None:
    """Arrow, colour and words for the change against the previous period (None: no comparison,
    e.g. "right now" figures)."""
    change = value.change
    if change is None:
        return None
    if change == 0:
        direction, good = "flat", None
    else:
        direction = "up" if change > 0 else "down"
        good = (change > 0) == value.higher_is_better
    return {
        "direction": direction,
        "arrow": {"up": "▲", "down": "▼", "flat": "="}[direction],
        "good": good,
        "text": _format_change(change, value.unit),
        "previous": format_value(value.previous, value.unit),
        "against": PREVIOUS[period],
    }


def _tile(value: selectors.KpiValue, period: str) -> dict:
    return {
        "code": value.code,
        "label": _label(value),
        "formula": _formula(value),
        "value": format_value(value.value, value.unit),
        "raw": value.value,
        "kind": value.kind,
        "unit": value.unit,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "has_denominator": value.kind in (RATIO, AVERAGE),
        "now": value.kind in (OPEN, OVERDUE),
        "date_from": value.extra.get("date_from"),
        "date_to": value.extra.get("date_to"),
        "comparison": _comparison(value, period),
        "public": value.public,
    }


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _url(name: str, **params) -> str:
    query = _query(**params)
    return reverse(f"ioc:{name}") + (f"?{query}" if query else "")


def _today() -> dt.date:
    return selectors.local_today()


def _period_range(period: str) -> tuple[dt.date, dt.date]:
    return selectors.period_days(period, _today())[0]


def _panel(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # htmx leaves 4xx answers unswapped by default; ours are panels that explain themselves
    # (sign in, not your agency), so static/ioc/ioc.js swaps those that carry this header.
    response["X-IOC-Panel"] = "1"
    return response


def _refused(request: HttpRequest, panel_id: str, error: DomainError | None = None) -> HttpResponse:
    """The panel's place, saying why it is empty: sign in (anonymous), no right, or the error."""
    status = 403
    if isinstance(error, NotFound):
        status = 404
    elif isinstance(error, ValidationFailed):
        status = 400
    message = ""
    if error is not None:
        message = error.message_en if _english() else error.message_vi
    return _panel(
        request,
        "ioc/_refused.html",
        {
            "panel_id": panel_id,
            "message": message,
            "signed_in": request.user.is_authenticated,
            "login_url": reverse("web:login") + "?" + urlencode({"next": reverse("ioc:dashboard")}),
        },
        status=status,
    )


def _chartable_kpis(user) -> list[dict]:
    return [
        {"code": k["code"], "label": _label(k)}
        for k in selectors.kpi_catalogue(user)
        if k["kind"] in SERIES_KINDS
    ]


def _all_kpis(user) -> list[dict]:
    return [{"code": k["code"], "label": _label(k)} for k in selectors.kpi_catalogue(user)]


# -- Panels ----------------------------------------------------------------------------------------


def _tiles_context(request: HttpRequest, period: str) -> dict:
    values = selectors.overview(request.user, period=period)
    return {
        "tiles": [_tile(v, period) for v in values],
        "period": period,
        "period_label": PERIODS[period],
        "date_range": _period_range(period),
        "internal": can(request.user, VIEW),
        "self_url": _url("tiles", ky=period),
        "breakdown_url": reverse("ioc:breakdown"),
    }


@public_view
@require_GET
def tiles(request: HttpRequest) -> HttpResponse:
    """The KPI tiles for the period (public KPIs only for readers without ``ioc.view``)."""
    period = _choice(request, "ky", PERIODS, "today")
    return _panel(request, "ioc/_tiles.html", _tiles_context(request, period))


def _series_window(grain: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if grain == "day":
        return today - dt.timedelta(days=29), today
    if grain == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(weeks=11), today
    first = today.replace(day=1)
    for _i in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, today


def _chart_context(request: HttpRequest, kpi_code: str, grain: str) -> dict:
    kpis = _chartable_kpis(request.user)
    codes = [k["code"] for k in kpis]
    if kpi_code not in codes:
        kpi_code = DEFAULT_KPI if DEFAULT_KPI in codes else (codes[0] if codes else "")
    if not kpi_code:
        return {"empty": True, "kpis": [], "self_url": _url("chart", do_chi_tiet=grain)}
    date_from, date_to = _series_window(grain, _today())
    points = selectors.series(request.user, kpi_code, grain=grain, date_from=date_from, date_to=date_to)
    found = selectors.kpi_catalogue(request.user)
    kpi = next(k for k in found if k["code"] == kpi_code)
    scale = 100 if kpi["unit"] == "percent" else 1
    rows = [
        {
            "period": p["period"],
            "value": format_value(p["value"], kpi["unit"]),
            "numerator": p["numerator"],
            "denominator": p["denominator"],
        }
        for p in points
    ]
    return {
        "empty": False,
        "kpis": kpis,
        "kpi": kpi_code,
        "kpi_label": _label(kpi),
        "formula": _formula(kpi),
        "grain": grain,
        "grains": GRAINS,
        "rows": rows,
        "has_denominator": kpi["kind"] in (RATIO, AVERAGE),
        "chart": {
            "name": _label(kpi),
            "unit": kpi["unit"],
            "grain": grain,
            "labels": [p["period"] for p in points],
            "values": [None if p["value"] is None else round(p["value"] * scale, 2) for p in points],
        },
        "date_from": date_from,
        "date_to": date_to,
        "self_url": _url("chart", chi_so=kpi_code, do_chi_tiet=grain),
    }


@public_view
@require_GET
def chart(request: HttpRequest) -> HttpResponse:
    """The time series of one KPI (daily: 30 days, weekly: 12 weeks, monthly: 12 months)."""
    grain = _choice(request, "do_chi_tiet", GRAINS, "day")
    try:
        context = _chart_context(request, (request.GET.get("chi_so") or DEFAULT_KPI).strip(), grain)
    except DomainError as error:
        return _refused(request, "ioc-chart", error)
    return _panel(request, "ioc/_chart.html", context)


def _rankings_context(request: HttpRequest) -> dict:
    overdue = selectors.ranking(request.user, "overdue_agencies")
    worst = selectors.ranking(request.user, "worst_on_time_subjects")
    today = _today()
    return {
        "overdue": overdue,
        "worst": [{"row": row, "value": format_value(row.value, "percent")} for row in worst],
        "month_from": today.replace(day=1),
        "month_to": today,
        "can_drill": can(request.user, DRILL),
        "self_url": _url("rankings"),
    }


@public_view
@require_GET
def rankings(request: HttpRequest) -> HttpResponse:
    """Agencies with the most overdue dossiers now; procedures with the worst on-time rate this
    month (at least 5 resolved). Internal (``ioc.view``)."""
    if not can(request.user, VIEW):
        return _refused(request, "ioc-rankings")
    try:
        context = _rankings_context(request)
    except DomainError as error:
        return _refused(request, "ioc-rankings", error)
    return _panel(request, "ioc/_rankings.html", context)


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(
            "Tham số không hợp lệ.", "Invalid parameter.", code="ioc.invalid", details={"field": name}
        ) from None


@public_view
@require_GET
def breakdown(request: HttpRequest) -> HttpResponse:
    """One KPI by agency (``theo=agency``) or, for one agency (``co_quan``), by procedure
    (``theo=subject``). Internal (``ioc.view``); an agency outside the reader's is a 403."""
    if not can(request.user, VIEW):
        return _refused(request, "ioc-breakdown")
    period = _choice(request, "ky", PERIODS, "today")
    by = _choice(request, "theo", BREAKDOWN_BY, "agency")
    kpi_code = (request.GET.get("chi_so") or DEFAULT_KPI).strip()
    try:
        agency_id = _int_param(request, "co_quan")
        if by == "subject" and agency_id is None:
            raise ValidationFailed(
                "Cần chọn cơ quan.", "Choose an agency.", code="ioc.invalid", details={"field": "co_quan"}
            )
        date_from, date_to = _period_range(period)
        rows = selectors.breakdown(
            request.user,
            kpi_code,
            by=by,
            date_from=date_from,
            date_to=date_to,
            agency_ids=[agency_id] if agency_id is not None else None,
        )
    except DomainError as error:
        return _refused(request, "ioc-breakdown", error)
    kpi = next(k for k in selectors.kpi_catalogue(request.user) if k["code"] == kpi_code)
    agency = Agency.objects.filter(pk=agency_id).first() if agency_id is not None else None
    return _panel(
        request,
        "ioc/_breakdown.html",
        {
            "rows": [
                {
                    "row": row,
                    "value": format_value(row.value, kpi["unit"]),
                    "subject_url": _url(
                        "breakdown", chi_so=kpi_code, ky=period, theo="subject", co_quan=row.key
                    )
                    if by == "agency"
                    else "",
                }
                for row in rows
            ],
            "by": by,
            "kpi": kpi_code,
            "kpi_label": _label(kpi),
            "formula": _formula(kpi),
            "has_denominator": kpi["kind"] in (RATIO, AVERAGE),
            "now": kpi["kind"] in (OPEN, OVERDUE),
            "period": period,
            "period_label": PERIODS[period],
            "date_from": date_from,
            "date_to": date_to,
            "agency": agency,
            "can_drill": can(request.user, DRILL),
            "back_url": _url("breakdown", chi_so=kpi_code, ky=period) if by == "subject" else "",
            "self_url": request.get_full_path(),
        },
    )


def _units_context(request: HttpRequest, kpi_code: str, period: str, structure: str) -> dict:
    from tinhso.core.units.models import AdministrativeUnit

    today = _today()
    as_of = today if structure == "current" else LEGACY_AS_OF
    date_from, date_to = _period_range(period)
    rows = selectors.breakdown(
        request.user, kpi_code, by="unit", date_from=date_from, date_to=date_to, as_of=as_of
    )
    kpi = next(k for k in selectors.kpi_catalogue(request.user) if k["code"] == kpi_code)
    units = AdministrativeUnit.objects.in_bulk([int(r.key) for r in rows if r.key.isdigit() and r.key != "0"])
    table, placed, unplaced = [], [], []
    biggest = max((abs(r.numerator or 0) for r in rows), default=0)
    for row in rows:
        unit = units.get(int(row.key)) if row.key.isdigit() else None
        point = geo.point_for(unit)
        item = {
            "row": row,
            "value": format_value(row.value, kpi["unit"]),
            "level": unit.get_level_display() if unit else "",
            "placed": point is not None,
        }
        table.append(item)
        if point is None:
            unplaced.append(item)
            continue
        placed.append(
            {
                "name": row.name,
                "code": row.code,
                "lat": point.latitude,
                "lon": point.longitude,
                "level": point.level,
                "value": item["value"],
                # Circle size follows the count behind the figure (the numerator), so a 100 % rate
                # over 2 dossiers does not look like one over 2 000.
                "weight": (row.numerator or 0) / biggest if biggest else 0,
            }
        )
    return {
        "rows": table,
        "unplaced": unplaced,
        "map": {
            "points": placed,
            "kpi": _label(kpi),
            "structure": structure,
        },
        "kpis": _all_kpis(request.user),
        "kpi": kpi_code,
        "kpi_label": _label(kpi),
        "formula": _formula(kpi),
        "has_denominator": kpi["kind"] in (RATIO, AVERAGE),
        "structure": structure,
        "structures": STRUCTURES,
        "as_of": as_of,
        "period": period,
        "period_label": PERIODS[period],
        "date_from": date_from,
        "date_to": date_to,
        "self_url": _url("units", chi_so=kpi_code, ky=period, cau_truc=structure),
    }


@public_view
@require_GET
def units(request: HttpRequest) -> HttpResponse:
    """One KPI by administrative unit, in the structure of today (``cau_truc=current``) or of
    30 June 2025 (``legacy``), with the map's points. Internal (``ioc.view``)."""
    if not can(request.user, VIEW):
        return _refused(request, "ioc-units")
    period = _choice(request, "ky", PERIODS, "today")
    structure = _choice(request, "cau_truc", STRUCTURES, "current")
    try:
        context = _units_context(
            request, (request.GET.get("chi_so") or DEFAULT_KPI).strip(), period, structure
        )
    except DomainError as error:
        return _refused(request, "ioc-units", error)
    return _panel(request, "ioc/_units.html", context)


def visible_alerts(user) -> list[Alert]:
    """Open or acknowledged alerts of the rules the reader may see (``alerts.visible_alerts``:
    their agencies' rules, province-wide ones for province-wide readers), most severe first."""
    live = alerts_service.visible_alerts(user, alerts_service.LIVE)[:200]
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(live, key=lambda a: (order.get(a.rule.severity, 9), -a.opened_at.timestamp()))


def _alerts_context(request: HttpRequest) -> dict:
    from tinhso.ioc import sources

    alerts = visible_alerts(request.user)
    agencies = Agency.objects.in_bulk({a.rule.agency_id for a in alerts if a.rule.agency_id})
    rows = []
    for alert in alerts:
        found = sources.find_kpi(alert.rule.kpi)
        unit = found[1].unit if found else "count"
        label = _label(found[1]) if found else alert.rule.kpi
        rows.append(
            {
                "alert": alert,
                "kpi_label": label,
                "value": format_value(float(alert.value), unit),
                "threshold": format_value(float(alert.threshold), unit),
                "agency": agencies.get(alert.rule.agency_id),
            }
        )
    return {
        "rows": rows,
        "self_url": _url("alerts"),
        "can_acknowledge": can(request.user, alerts_service.ACKNOWLEDGE),
        "can_manage_rules": can(request.user, alerts_service.MANAGE),
    }


@public_view
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    """Alerts open or acknowledged, the most severe first. Internal (``ioc.view``)."""
    if not can(request.user, VIEW):
        return _refused(request, "ioc-alerts")
    return _panel(request, "ioc/_alerts.html", _alerts_context(request))


@permission_view("ioc.acknowledge_alert")
@require_POST
def acknowledge_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """A signed-in person acknowledges an open alert ("Tiếp nhận"): ``alerts.acknowledge`` checks
    the permission on the rule's agency and records who and when. Answers with the alerts panel,
    carrying the refusal's message when it was refused (someone else acknowledged it first, it
    cleared meanwhile...)."""
    message = ""
    try:
        alerts_service.acknowledge(request.user, alert_id, note=request.POST.get("ghi_chu", ""))
    except DomainError as error:
        message = error.message_en if _english() else error.message_vi
    context = (
        _alerts_context(request) if can(request.user, VIEW) else {"rows": [], "self_url": _url("alerts")}
    )
    context["message"] = message
    if not request.headers.get("HX-Request"):
        return redirect(reverse("ioc:dashboard") + "#ioc-alerts")
    # 200 even when refused: HTMX swaps only successful answers, and the panel shows the reason.
    return _panel(request, "ioc/_alerts.html", context)


# -- Pages -----------------------------------------------------------------------------------------


def _page_context(request: HttpRequest) -> dict:
    period = _choice(request, "ky", PERIODS, "today")
    grain = _choice(request, "do_chi_tiet", GRAINS, "day")
    structure = _choice(request, "cau_truc", STRUCTURES, "current")
    kpi_code = (request.GET.get("chi_so") or DEFAULT_KPI).strip()
    internal = can(request.user, VIEW)
    context = {
        "period": period,
        "periods": PERIODS,
        "internal": internal,
        "version": selectors.version(),
        "stream_url": reverse("ioc:stream"),
        "chart_url": _url("chart", chi_so=kpi_code, do_chi_tiet=grain),
        "rankings_url": _url("rankings"),
        "breakdown_url": _url("breakdown", chi_so=kpi_code, ky=period),
        "units_url": _url("units", chi_so=kpi_code, ky=period, cau_truc=structure),
        "alerts_url": _url("alerts"),
        "login_url": reverse("web:login") + "?" + urlencode({"next": request.get_full_path()}),
        "map_config": {
            "tileUrl": getattr(settings, "IOC_MAP_TILES_URL", "") or "",
            "attribution": getattr(settings, "IOC_MAP_TILES_ATTRIBUTION", "") or "",
            "extent": geo.extent(),
        },
    }
    # The tiles are in the page itself (no extra round trip for the first figures).
    context.update(_tiles_context(request, period))
    return context


@public_view
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The operations center: KPI tiles, time series, rankings, breakdowns, units and map, alerts."""
    return render(request, "ioc/dashboard.html", _page_context(request))


@public_view
@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """Wall mode: one panel at a time, full screen, rotating every ``xoay`` seconds (5–600)."""
    try:
        seconds = int(request.GET.get("xoay") or WALL_ROTATE_DEFAULT)
    except ValueError:
        seconds = WALL_ROTATE_DEFAULT
    context = _page_context(request)
    context["rotate_seconds"] = max(WALL_ROTATE_MIN, min(WALL_ROTATE_MAX, seconds))
    context["has_alerts"] = context["internal"] and bool(visible_alerts(request.user))
    return render(request, "ioc/wall.html", context)


@public_view
@require_GET
def nav_card(request: HttpRequest) -> HttpResponse:
    """The workspace's link to this center, for those with ``ioc.view`` (empty for the others):
    the workspace view does not know this app, so its page asks."""
    if not can(request.user, VIEW):
        return HttpResponse("")
    return render(request, "ioc/_nav_card.html")


# -- Live: server-sent events -----------------------------------------------------------------------


def event_stream(
    *,
    duration: float = STREAM_SECONDS,
    interval: float = STREAM_INTERVAL,
    heartbeat: float = STREAM_HEARTBEAT,
    read_version: Callable[[], int] = selectors.version,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """The text of one event-stream response: the current version at once (with the reconnection
    delay), then an event each time the version changes, a comment every ``heartbeat`` seconds so
    proxies keep the connection, and the end after ``duration`` seconds; the browser reconnects
    ``STREAM_RETRY_MS`` later. A screen compares the version with the one its page was rendered
    at, so nothing is missed across reconnections."""
    start = clock()
    current = read_version()
    yield f"retry: {STREAM_RETRY_MS}\nevent: version\ndata: {current}\n\n"
    last_sent = clock()
    while clock() - start < duration:
        sleep(interval)
        latest = read_version()
        if latest != current:
            current = latest
            yield f"event: version\ndata: {current}\n\n"
            last_sent = clock()
        elif clock() - last_sent >= heartbeat:
            yield ": keep-alive\n\n"
            last_sent = clock()


@public_view
@require_GET
def stream(request: HttpRequest) -> StreamingHttpResponse:
    """``text/event-stream`` of the read models' version (a number, nothing else: public). One
    response holds one server thread for up to 55 s; see docs/ioc-pages.md for the trade-off."""
    stream_text = event_stream(duration=STREAM_SECONDS, interval=STREAM_INTERVAL, heartbeat=STREAM_HEARTBEAT)
    response = StreamingHttpResponse(stream_text, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # nginx buffers responses (deploy/nginx/tinhso_proxy_params): not this one.
    response["X-Accel-Buffering"] = "no"
    return response
