"""The operations center through the API (mounted at ``/api/v1/ioc/``).

Internal operations need ``ioc.view`` (scope ``ioc:read`` for a machine client or a scoped
personal token) and cover the agencies of the caller's roles; alert writes need
``ioc.manage_alert_rules`` / ``ioc.acknowledge_alert`` (scope ``ioc:alerts``). Agencies are named
by their codes. ``GET /public/overview`` is the open JSON for outside systems: anonymous, public
KPIs only, province totals only. Every value carries its formula and the numbers it was computed
from (docs/ioc.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import NotFound
from tinhso.core.permissions import ANONYMOUS, require
from tinhso.ioc import alerts, selectors
from tinhso.ioc.models import Alert, AlertRule
from tinhso.ioc.sources import find_kpi

router = Router(tags=["ioc"])

Period = Literal["today", "week", "month", "year"]


def _actor(request):
    auth = getattr(request, "auth", None)
    return auth if auth is not None and not isinstance(auth, bool) and hasattr(auth, "kind") else request.user


def _viewer(request):
    """The caller, once they may see the operations center: an authenticated caller without
    ``ioc.view`` (a citizen, a token without ``ioc:read``) is refused rather than silently given
    the public figures, which are at ``/public/overview``."""
    actor = _actor(request)
    require(actor, selectors.VIEW)
    return actor


def _agency_ids(code: str | None) -> list[int] | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    agency_id = Agency.objects.filter(code=code).values_list("pk", flat=True).first()
    if agency_id is None:
        raise NotFound(
            "Không tìm thấy cơ quan.",
            "The agency was not found.",
            code="ioc.unknown_agency",
            details={"agency": code},
        )
    return [agency_id]


def _codes(agency_ids) -> dict[int, tuple[str, str]]:
    ids = {int(a) for a in agency_ids if a}
    return {
        pk: (code, name)
        for pk, code, name in Agency.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    }


def _today() -> dt.date:
    return selectors.local_today()


# --- Schemas: figures ----------------------------------------------------------------------------


class KpiRead(Schema):
    code: str = Field(..., description='"<source>.<name>", e.g. onestop.on_time_rate')
    source: str
    source_name_vi: str
    source_name_en: str
    label_vi: str
    label_en: str
    kind: str = Field(..., description="count, ratio, average, open (right now) or overdue (right now)")
    unit: str = Field(..., description='"count", "percent" (a fraction 0..1) or "score" (1..5)')
    public: bool = Field(..., description="Shown to anyone, as province totals, in /public/overview")
    higher_is_better: bool
    formula_vi: str
    formula_en: str
    numerator: str = Field(..., description="Metric summed as the numerator (count: the value)")
    denominator: str = Field(..., description='Metric summed as the denominator ("" for a count)')


class KpiValueRead(Schema):
    code: str
    source: str
    label_vi: str
    label_en: str
    kind: str
    unit: str
    value: int | float | None = Field(..., description="null when the denominator is zero")
    previous: int | float | None = Field(
        None, description="The same days of the previous period (null for right-now KPIs)"
    )
    change: int | float | None = Field(None, description="value - previous")
    numerator: int | None
    denominator: int | None
    formula_vi: str
    formula_en: str
    higher_is_better: bool
    public: bool
    date_from: dt.date | None = Field(None, description="First day counted (null for right-now KPIs)")
    date_to: dt.date | None = None


class OverviewRead(Schema):
    period: str
    agency_code: str | None = Field(
        None, description="The agency asked for (its subordinates included); null: all visible"
    )
    measured_at: dt.datetime
    version: int = Field(..., description="The live version the figures were read at (see /version)")
    kpis: list[KpiValueRead]


class PublicOverviewRead(Schema):
    period: str
    scope: str = Field("province", description="Always the whole province: no breakdown is public")
    measured_at: dt.datetime
    kpis: list[KpiValueRead]


class OverviewQuery(Schema):
    period: Period = Field("today", description="today, week, month or year, to date, vs the previous one")
    agency: str | None = Field(None, description="Agency code (its subordinates included)")


class PublicOverviewQuery(Schema):
    period: Period = Field("today", description="today, week, month or year, to date, vs the previous one")


class SeriesQuery(Schema):
    kpi: str = Field(..., description="KPI code (not a right-now KPI)")
    grain: Literal["day", "week", "month"] = "day"
    date_from: dt.date | None = Field(
        None, description="Default: 29 days (day), 11 weeks (week) or 11 months (month) before date_to"
    )
    date_to: dt.date | None = Field(None, description="Default: today")
    agency: str | None = Field(None, description="Agency code (its subordinates included)")


class SeriesPoint(Schema):
    period: dt.date = Field(..., description="The day, the Monday of the week, or the 1st of the month")
    value: int | float | None
    numerator: int
    denominator: int | None


class SeriesRead(Schema):
    kpi: str
    grain: str
    date_from: dt.date
    date_to: dt.date
    agency_code: str | None
    formula_vi: str
    formula_en: str
    points: list[SeriesPoint]


class BreakdownQuery(Schema):
    kpi: str
    by: Literal["agency", "subject", "unit"] = "agency"
    date_from: dt.date | None = Field(None, description="Default: the 1st of this month")
    date_to: dt.date | None = Field(None, description="Default: today")
    agency: str | None = Field(None, description="Agency code (its subordinates included)")
    subject: str = Field("", description="Only this subject (a procedure code for the one-stop office)")
    as_of: dt.date | None = Field(
        None,
        description="by=unit: group in the administrative structure valid on this day "
        "(e.g. 2025-06-30 for the structure before 1 July 2025); default today",
    )


class BreakdownRowRead(Schema):
    key: str = Field(..., description="Agency id, subject code or unit id")
    code: str = Field(..., description="Agency code, subject code or unit code")
    name: str
    value: int | float | None
    numerator: int
    denominator: int | None
    drill_url: str = Field(..., description="Page listing the items behind the number, for those allowed")


class BreakdownRead(Schema):
    kpi: str
    by: str
    date_from: dt.date
    date_to: dt.date
    as_of: dt.date | None
    agency_code: str | None
    subject: str
    formula_vi: str
    formula_en: str
    rows: list[BreakdownRowRead]


class RankingQuery(Schema):
    kind: Literal["overdue_agencies", "worst_on_time_subjects"]
    date_from: dt.date | None = Field(None, description="Default: the 1st of this month")
    date_to: dt.date | None = Field(None, description="Default: today")
    limit: int = Field(10, ge=1, le=100)
    min_resolved: int = Field(5, ge=1, description="worst_on_time_subjects: at least this many resolved")
    agency: str | None = Field(None, description="Agency code (its subordinates included)")


class RankingRead(Schema):
    kind: str
    date_from: dt.date
    date_to: dt.date
    rows: list[BreakdownRowRead]


class VersionRead(Schema):
    version: int = Field(..., description="Changes whenever a figure or an alert changes")


# --- Schemas: alerts -----------------------------------------------------------------------------


class AlertRuleRead(Schema):
    code: str
    name: str
    kpi: str
    kpi_label_vi: str
    kpi_label_en: str
    unit: str = Field(..., description='The KPI\'s unit: a "percent" threshold is a fraction 0..1')
    agency_code: str | None = Field(None, description="null: the whole province")
    agency_name: str | None = None
    window: str = Field(
        ..., description="now (today, or right now for open/overdue KPIs), today, month, year"
    )
    comparison: str = Field(..., description="above or below (strictly)")
    threshold: float
    severity: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class AlertRuleCreate(Schema):
    code: str = Field(..., description="Lowercase letters, digits, - or _ (at most 60)")
    name: str
    kpi: str = Field(..., description="KPI code (GET /ioc/kpis)")
    agency_code: str | None = Field(None, description="null: the whole province")
    window: Literal["now", "today", "month", "year"] = "now"
    comparison: Literal["above", "below"]
    threshold: Decimal = Field(..., description="Percent KPIs as a fraction (0.8 = 80 %), scores 0..5")
    severity: Literal["info", "warning", "critical"] = "warning"
    is_active: bool = True


class AlertRuleUpdate(Schema):
    name: str | None = None
    window: Literal["now", "today", "month", "year"] | None = None
    comparison: Literal["above", "below"] | None = None
    threshold: Decimal | None = None
    severity: Literal["info", "warning", "critical"] | None = None
    is_active: bool | None = None


class AlertRead(Schema):
    id: int
    rule_code: str
    rule_name: str
    kpi: str
    agency_code: str | None = Field(None, description="null: the whole province")
    severity: str
    comparison: str
    window: str
    state: str = Field(..., description="open, acknowledged or cleared")
    value: float = Field(..., description="The KPI's value when last evaluated")
    threshold: float
    opened_at: dt.datetime
    acknowledged_by: str | None = Field(None, description="Full name of the person who acknowledged it")
    acknowledged_at: dt.datetime | None
    cleared_at: dt.datetime | None


class AlertLogRead(Schema):
    at: dt.datetime
    kind: str = Field(..., description="opened, value, acknowledged or cleared")
    actor: str | None = Field(None, description="The person (null: the platform's evaluation)")
    value: float | None
    note: str


class AlertDetail(AlertRead):
    log: list[AlertLogRead]


class AlertPage(Schema):
    count: int
    items: list[AlertRead]


class AlertsQuery(Schema):
    state: Literal["open", "acknowledged", "cleared", "live"] | None = Field(
        None, description='"live": open or acknowledged; empty: all'
    )
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class AcknowledgeIn(Schema):
    note: str = Field("", max_length=alerts.MAX_NOTE)


# --- Figures -------------------------------------------------------------------------------------


@router.get("/kpis", response=list[KpiRead], summary="Danh mục chỉ số / KPI catalogue")
def list_kpis(request):
    """Every KPI of every data source the caller may read, with how it is computed (formula,
    numerator and denominator metrics). Permission `ioc.view`."""
    return selectors.kpi_catalogue(_viewer(request))


def _value_rows(values) -> list[dict]:
    rows = []
    for value in values:
        row = value.as_dict()
        extra = row.pop("extra", {}) or {}
        row["date_from"] = extra.get("date_from")
        row["date_to"] = extra.get("date_to")
        rows.append(row)
    return rows


@router.get("/overview", response=OverviewRead, summary="Tổng quan chỉ số / KPI overview")
def overview(request, query: Query[OverviewQuery]):
    """Every KPI for the period to date (today, this week from Monday, this month, this year)
    with the same days of the previous period and the change; "in progress" and "overdue now" are
    right now. Permission `ioc.view`; only the agencies the caller may see are counted (another
    agency: `403 ioc.forbidden_agency`, an unknown code: `404 ioc.unknown_agency`)."""
    actor = _viewer(request)
    now = timezone.now()
    version = selectors.version()
    values = selectors.overview(actor, period=query.period, agency_ids=_agency_ids(query.agency), now=now)
    return {
        "period": query.period,
        "agency_code": (query.agency or "").strip().upper() or None,
        "measured_at": now,
        "version": version,
        "kpis": _value_rows(values),
    }


@router.get(
    "/public/overview",
    response=PublicOverviewRead,
    auth=None,
    summary="Chỉ số công khai toàn tỉnh / Public province KPIs",
)
def public_overview(request, query: Query[PublicOverviewQuery]):
    """Open data for outside systems, without authentication: the public KPIs (those marked
    `public`) as province totals, for the period to date with the previous period, each with its
    formula. No breakdown by agency, procedure or unit and no personal data."""
    now = timezone.now()
    # Always as an anonymous reader, whoever calls: the answer is the same for everyone.
    values = selectors.overview(ANONYMOUS, period=query.period, now=now)
    return {"period": query.period, "scope": "province", "measured_at": now, "kpis": _value_rows(values)}


def _kpi_formula(code: str) -> tuple[str, str]:
    found = find_kpi(code)
    return (found[1].formula_vi, found[1].formula_en) if found else ("", "")


@router.get("/series", response=SeriesRead, summary="Chuỗi thời gian của chỉ số / KPI time series")
def series(request, query: Query[SeriesQuery]):
    """The KPI per day, week (from Monday) or month over the period (at most about 3 years).
    Right-now KPIs have no series (`422 ioc.invalid`). Permission `ioc.view`."""
    actor = _viewer(request)
    date_to = query.date_to or _today()
    if query.date_from is not None:
        date_from = query.date_from
    elif query.grain == "day":
        date_from = date_to - dt.timedelta(days=29)
    elif query.grain == "week":
        date_from = date_to - dt.timedelta(weeks=11)
    else:
        months = date_to.year * 12 + date_to.month - 1 - 11
        date_from = dt.date(months // 12, months % 12 + 1, 1)
    points = selectors.series(
        actor,
        query.kpi,
        grain=query.grain,
        date_from=date_from,
        date_to=date_to,
        agency_ids=_agency_ids(query.agency),
    )
    formula_vi, formula_en = _kpi_formula(query.kpi)
    return {
        "kpi": query.kpi,
        "grain": query.grain,
        "date_from": date_from,
        "date_to": date_to,
        "agency_code": (query.agency or "").strip().upper() or None,
        "formula_vi": formula_vi,
        "formula_en": formula_en,
        "points": points,
    }


def _period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    date_to = date_to or _today()
    return date_from or date_to.replace(day=1), date_to


@router.get(
    "/breakdown", response=BreakdownRead, summary="Chỉ số theo cơ quan, thủ tục, địa bàn / KPI breakdown"
)
def breakdown(request, query: Query[BreakdownQuery]):
    """The KPI per agency, subject (procedure) or administrative unit over the period, best first.
    By unit, figures are grouped in the administrative structure valid on `as_of`, so the same
    data reads in the structure before 1 July 2025 or the current one. Each row links to the list
    behind it (`drill_url`). Permission `ioc.view`."""
    actor = _viewer(request)
    date_from, date_to = _period(query.date_from, query.date_to)
    rows = selectors.breakdown(
        actor,
        query.kpi,
        by=query.by,
        date_from=date_from,
        date_to=date_to,
        agency_ids=_agency_ids(query.agency),
        subject=query.subject.strip(),
        as_of=query.as_of,
    )
    formula_vi, formula_en = _kpi_formula(query.kpi)
    return {
        "kpi": query.kpi,
        "by": query.by,
        "date_from": date_from,
        "date_to": date_to,
        "as_of": query.as_of,
        "agency_code": (query.agency or "").strip().upper() or None,
        "subject": query.subject.strip(),
        "formula_vi": formula_vi,
        "formula_en": formula_en,
        "rows": [row.as_dict() for row in rows],
    }


@router.get("/rankings", response=RankingRead, summary="Bảng xếp hạng / Rankings")
def rankings(request, query: Query[RankingQuery]):
    """`overdue_agencies`: the agencies with the most dossiers overdue right now.
    `worst_on_time_subjects`: the procedures with the lowest on-time rate over the period (only
    those with at least `min_resolved` resolved dossiers). Permission `ioc.view`."""
    actor = _viewer(request)
    date_from, date_to = _period(query.date_from, query.date_to)
    rows = selectors.ranking(
        actor,
        query.kind,
        date_from=date_from,
        date_to=date_to,
        limit=query.limit,
        min_resolved=query.min_resolved,
        agency_ids=_agency_ids(query.agency),
    )
    return {
        "kind": query.kind,
        "date_from": date_from,
        "date_to": date_to,
        "rows": [r.as_dict() for r in rows],
    }


@router.get("/version", response=VersionRead, summary="Phiên bản số liệu trực tiếp / Live version")
def version(request):
    """A number that changes whenever a figure or an alert changes: poll it and reload the figures
    when it moves (the web screens get the same through server-sent events). Permission `ioc.view`."""
    _viewer(request)
    return {"version": selectors.version()}


# --- Alerts --------------------------------------------------------------------------------------


def _rule_rows(rules: list[AlertRule]) -> list[dict]:
    agencies = _codes(rule.agency_id for rule in rules)
    rows = []
    for rule in rules:
        found = find_kpi(rule.kpi)
        kpi = found[1] if found else None
        code, name = agencies.get(rule.agency_id, (None, None))
        rows.append(
            {
                "code": rule.code,
                "name": rule.name,
                "kpi": rule.kpi,
                "kpi_label_vi": kpi.label_vi if kpi else rule.kpi,
                "kpi_label_en": kpi.label_en if kpi else rule.kpi,
                "unit": kpi.unit if kpi else "count",
                "agency_code": code,
                "agency_name": name,
                "window": rule.window,
                "comparison": rule.comparison,
                "threshold": rule.threshold,
                "severity": rule.severity,
                "is_active": rule.is_active,
                "created_at": rule.created_at,
                "updated_at": rule.updated_at,
            }
        )
    return rows


def _person(user) -> str | None:
    return None if user is None else (user.full_name or user.username)


def _alert_rows(items: list[Alert]) -> list[dict]:
    agencies = _codes(alert.rule.agency_id for alert in items)
    return [
        {
            "id": alert.pk,
            "rule_code": alert.rule.code,
            "rule_name": alert.rule.name,
            "kpi": alert.rule.kpi,
            "agency_code": agencies.get(alert.rule.agency_id, (None, None))[0],
            "severity": alert.rule.severity,
            "comparison": alert.rule.comparison,
            "window": alert.rule.window,
            "state": alert.state,
            "value": alert.value,
            "threshold": alert.threshold,
            "opened_at": alert.opened_at,
            "acknowledged_by": _person(alert.acknowledged_by),
            "acknowledged_at": alert.acknowledged_at,
            "cleared_at": alert.cleared_at,
        }
        for alert in items
    ]


def _alert_detail(alert: Alert) -> dict:
    (row,) = _alert_rows([alert])
    row["log"] = [
        {
            "at": entry.at,
            "kind": entry.kind,
            "actor": _person(entry.actor),
            "value": entry.value,
            "note": entry.note,
        }
        for entry in alert.log.select_related("actor").order_by("at", "id")
    ]
    return row


@router.get("/alerts", response=AlertPage, summary="Danh sách cảnh báo / Alerts")
def list_alerts(request, query: Query[AlertsQuery]):
    """Alerts of the rules the caller may see (their agencies; province-wide rules for those who
    see every agency), newest first. Permission `ioc.view`."""
    rows = alerts.visible_alerts(_actor(request), query.state)
    page = list(rows[query.offset : query.offset + query.limit])
    return {"count": rows.count(), "items": _alert_rows(page)}


@router.get(
    "/alerts/{alert_id}", response=AlertDetail, summary="Chi tiết cảnh báo / An alert and its history"
)
def get_alert(request, alert_id: int):
    """The alert with its whole log: opened, value changes, acknowledged (by whom, with the note),
    cleared. Permission `ioc.view` on the rule's agency (`403` otherwise)."""
    return _alert_detail(alerts.get_alert_for(_actor(request), alert_id))


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response=AlertDetail,
    summary="Tiếp nhận cảnh báo / Acknowledge an alert",
)
def acknowledge_alert(request, alert_id: int, payload: AcknowledgeIn | None = None):
    """A named person (signed in, or with a personal token with scope `ioc:alerts`) acknowledges a
    live alert, with an optional note. Permission `ioc.acknowledge_alert` on the rule's agency.
    Not repeatable: an alert already acknowledged answers `409 ioc.alert_already_acknowledged`
    (with who and when in `details`), a cleared one `409 ioc.alert_cleared`; a machine client
    without a person `403 ioc.acknowledge_needs_person`."""
    actor = _actor(request)
    alert = alerts.acknowledge(actor, alert_id, note=payload.note if payload else "")
    return _alert_detail(Alert.objects.select_related("rule", "acknowledged_by").get(pk=alert.pk))


@router.get("/alert-rules", response=list[AlertRuleRead], summary="Quy tắc cảnh báo / Alert rules")
def list_rules(request):
    """The rules the caller may see (their agencies; province-wide rules for those who see every
    agency). Permission `ioc.view`."""
    return _rule_rows(list(alerts.visible_rules(_actor(request)).order_by("code")))


@router.post(
    "/alert-rules", response={201: AlertRuleRead}, summary="Thêm quy tắc cảnh báo / Add an alert rule"
)
def create_rule(request, payload: AlertRuleCreate):
    """Alert when the KPI of an agency (or of the whole province) over a window is above or below
    a threshold. Permission `ioc.manage_alert_rules` on the agency (scope `ioc:alerts`); a
    province-wide rule needs it on every agency. Errors: `422 ioc.invalid_alert_rule` (unknown
    KPI, threshold out of bounds: percent KPIs take a fraction 0..1, scores 0..5; a right-now KPI
    takes only the window `now`), `409 ioc.alert_rule_exists`, `404 ioc.unknown_agency`."""
    ids = _agency_ids(payload.agency_code)
    rule = alerts.create_rule(
        _actor(request),
        code=payload.code,
        name=payload.name,
        kpi=payload.kpi,
        agency=ids[0] if ids else None,
        window=payload.window,
        comparison=payload.comparison,
        threshold=payload.threshold,
        severity=payload.severity,
        is_active=payload.is_active,
    )
    return Status(201, _rule_rows([rule])[0])


@router.patch(
    "/alert-rules/{code}", response=AlertRuleRead, summary="Sửa quy tắc cảnh báo / Change an alert rule"
)
def update_rule(request, code: str, payload: AlertRuleUpdate):
    """Activate or deactivate a rule (deactivating clears its live alert), change its threshold,
    comparison, window, severity or name; send only what changes. The KPI and agency are fixed
    (add another rule). Permission `ioc.manage_alert_rules` on the rule's agency."""
    rule = alerts.update_rule(_actor(request), code, **payload.dict(exclude_unset=True))
    return _rule_rows([rule])[0]
