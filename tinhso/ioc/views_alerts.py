"""The operations center's alert pages: the rules (``/trung-tam-dieu-hanh/quy-tac-canh-bao/``) and
the alerts' history with each alert's timeline (``/trung-tam-dieu-hanh/canh-bao/``).

Every read goes through ``tinhso.ioc.alerts`` (``visible_rules``, ``visible_alerts``,
``get_alert_for``) and every write through its ``create_rule``, ``update_rule`` and
``acknowledge``, so these pages see and change exactly what the API does. A refused write
re-renders the form with the service's message and has changed nothing (the services write in one
transaction after validating). See docs/ioc.md, "Pages".

Percent KPIs keep their thresholds as fractions (0.85); people type and read them in percent (85),
so the conversion happens here, at the edge, and nowhere else.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core.agencies.models import Agency
from tinhso.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from tinhso.core.ops.access import permission_view
from tinhso.core.permissions import can, visible_agency_ids
from tinhso.ioc import alerts as alerts_service
from tinhso.ioc import sources
from tinhso.ioc.models import AlertRule, AlertState, Comparison, Severity, Window
from tinhso.ioc.views import _english, _formula, _label, format_value

MANAGE = alerts_service.MANAGE
ACKNOWLEDGE = alerts_service.ACKNOWLEDGE
VIEW = alerts_service.VIEW
PAGE_SIZE = 50
PROVINCE = "0"  # the agency field's value for a province-wide rule
STATE_FILTERS = (AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.CLEARED)
LOG_KINDS = {
    alerts_service.OPENED: gettext_lazy("Phát sinh cảnh báo"),
    alerts_service.VALUE: gettext_lazy("Giá trị thay đổi"),
    alerts_service.ACKNOWLEDGED: gettext_lazy("Tiếp nhận cảnh báo"),
    alerts_service.CLEARED: gettext_lazy("Cảnh báo đã hết"),
}


# -- Small helpers ---------------------------------------------------------------------------------


def _message(error: DomainError) -> str:
    return error.message_en if _english() else error.message_vi


def _status(error: DomainError) -> int:
    status = getattr(error, "status", 400) or 400
    return status if 400 <= status < 500 else 400


def _field(error: DomainError) -> str:
    details = error.details if isinstance(error.details, dict) else {}
    return str(details.get("field") or "")


def _kpi(code: str):
    found = sources.find_kpi(code)
    return found[1] if found else None


def _plain(number: Decimal) -> str:
    """A decimal as typed back into a form: 85, 0.5, 100 (never 1E+2 or 85.0000)."""
    return f"{number.normalize():f}"


def _threshold_text(value: Decimal | None, unit: str) -> str:
    """A threshold or KPI value as shown: percent for rates (stored as fractions)."""
    if value is None:
        return "—"
    if unit == "count" and value != value.to_integral_value():
        return number_format(value.normalize(), force_grouping=True)
    return format_value(float(value), unit)


def _threshold_input(value: Decimal, unit: str) -> str:
    return _plain(value * 100) if unit == "percent" else _plain(value)


def _parse_threshold(raw: str, unit: str) -> Any:
    """What the person typed, as the service takes it: a percent KPI's 85 (or "85 %", "85,5")
    becomes the fraction 0.85. Text that is no number goes through unchanged, for the service to
    refuse with its own message."""
    text = (raw or "").strip().replace(" ", "").replace("\u00a0", "").removesuffix("%").replace(",", ".")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return raw
    if unit == "percent" and number.is_finite():
        return number / 100
    return number


def _percent_error(error: DomainError, unit: str, raw: str) -> DomainError:
    """The service explains a rate's bounds as a fraction (0.8 for 80 %); the form takes percent."""
    if unit != "percent" or _field(error) != "threshold":
        return error
    parsed = _parse_threshold(raw, unit)
    if not isinstance(parsed, Decimal) or not parsed.is_finite():
        return error
    return ValidationFailed(
        "Ngưỡng của chỉ số tỷ lệ phải từ 0 đến 100 (%).",
        "A rate's threshold must be between 0 and 100 (%).",
        code=error.code,
        details=error.details,
    )


def _may(user, action: str, agency_id: int, province_wide: bool) -> bool:
    """Whether ``user`` may do ``action`` on a rule of ``agency_id`` (0: the whole province, which
    needs the right on every agency: ``province_wide``)."""
    if agency_id:
        return can(user, action, Agency(pk=agency_id))
    return province_wide


def _covers_province(user, action: str) -> bool:
    if not can(user, action):
        return False
    ids = visible_agency_ids(user, action)
    return ids is None or not Agency.objects.exclude(pk__in=sorted(ids)).exists()


def _agency_names(agency_ids) -> dict[int, str]:
    ids = {i for i in agency_ids if i}
    return dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _agency_label(agency_id: int, names: dict[int, str]) -> str:
    if not agency_id:
        return _("Toàn tỉnh")
    return names.get(agency_id) or _("Cơ quan #%(id)s") % {"id": agency_id}


def _kpi_label(code: str) -> str:
    kpi = _kpi(code)
    return _label(kpi) if kpi else code


def _choices(choices) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in choices.choices]


# -- Rules -------------------------------------------------------------------------------------------


def _rule_row(rule: AlertRule, names: dict[int, str], manageable: bool) -> dict:
    kpi = _kpi(rule.kpi)
    unit = kpi.unit if kpi else "count"
    instant = bool(kpi and kpi.kind in (sources.OPEN, sources.OVERDUE))
    return {
        "rule": rule,
        "kpi_label": _label(kpi) if kpi else rule.kpi,
        "kpi_exists": kpi is not None,
        "agency": _agency_label(rule.agency_id, names),
        "threshold": _threshold_text(rule.threshold, unit),
        "percent": unit == "percent",
        "editable": manageable,
        # A right-now KPI has only the window "now" (alerts.create_rule refuses the others).
        "windows": [(v, label) for v, label in _choices(Window) if not instant or v == Window.NOW],
        "form": {
            "name": rule.name,
            "threshold": _threshold_input(rule.threshold, unit),
            "comparison": rule.comparison,
            "window": rule.window,
            "severity": rule.severity,
            "active": rule.is_active,
        },
        "error": "",
        "error_field": "",
    }


def _rules_context(request: HttpRequest) -> dict:
    user = request.user
    manage_ids = visible_agency_ids(user, MANAGE)
    province_wide = _covers_province(user, MANAGE)
    rules = list(alerts_service.visible_rules(user))
    names = _agency_names(r.agency_id for r in rules)
    agencies = (
        Agency.objects.all() if manage_ids is None else Agency.objects.filter(pk__in=sorted(manage_ids))
    )
    kpis = [
        {
            "code": kpi.code,
            "label": f"{_label(kpi)} (%)" if kpi.unit == "percent" else _label(kpi),
        }
        for _source, kpi in sources.all_kpis()
    ]
    return {
        "rows": [_rule_row(rule, names, _may(user, MANAGE, rule.agency_id, province_wide)) for rule in rules],
        "kpis": kpis,
        "agencies": [{"id": a.pk, "name": a.name} for a in agencies.only("pk", "name", "code")],
        "province_wide": province_wide,
        "windows": _choices(Window),
        "comparisons": _choices(Comparison),
        "severities": _choices(Severity),
        "new": {
            "code": "",
            "name": "",
            "kpi": "",
            "agency": "",
            "window": Window.NOW,
            "comparison": Comparison.ABOVE,
            "threshold": "",
            "severity": Severity.WARNING,
            "active": True,
        },
        "create_error": "",
        "create_error_field": "",
        "history_url": reverse("ioc:alerts_history"),
    }


def _code_from_name(name: str) -> str:
    """A rule code when none was typed: the name without diacritics ("đ" has no decomposition,
    so slugify would drop it), made unique with a number."""
    base = slugify(name.replace("đ", "d").replace("Đ", "D"))[:50].strip("-_") or "quy-tac"
    code, n = base, 2
    while AlertRule.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code


@permission_view(MANAGE)
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """The alert rules the person may see, a form to add one and, per rule they may manage, a form
    to change it. POST adds a rule (``alerts.create_rule``)."""
    context = _rules_context(request)
    if request.method != "POST":
        return render(request, "ioc/rules.html", context)
    post = request.POST
    new = {
        "code": (post.get("ma") or "").strip(),
        "name": (post.get("ten") or "").strip(),
        "kpi": (post.get("chi_so") or "").strip(),
        "agency": (post.get("co_quan") or "").strip(),
        "window": post.get("khoang") or "",
        "comparison": post.get("so_sanh") or "",
        "threshold": post.get("nguong") or "",
        "severity": post.get("muc_do") or "",
        "active": bool(post.get("dang_bat")),
    }
    kpi = _kpi(new["kpi"])
    unit = kpi.unit if kpi else "count"
    try:
        if not new["agency"].isdigit():
            raise ValidationFailed(
                "Hãy chọn cơ quan (hoặc toàn tỉnh).",
                "Choose an agency (or the whole province).",
                code="ioc.invalid_alert_rule",
                details={"field": "agency"},
            )
        rule = alerts_service.create_rule(
            request.user,
            code=new["code"] or _code_from_name(new["name"]),
            name=new["name"],
            kpi=new["kpi"],
            comparison=new["comparison"],
            threshold=_parse_threshold(new["threshold"], unit),
            window=new["window"],
            agency=int(new["agency"]) or None,
            severity=new["severity"],
            is_active=new["active"],
        )
    except DomainError as error:
        error = _percent_error(error, unit, new["threshold"])
        context.update(new=new, create_error=_message(error), create_error_field=_field(error))
        return render(request, "ioc/rules.html", context, status=_status(error))
    messages.success(request, _("Đã thêm quy tắc cảnh báo “%(name)s”.") % {"name": rule.name})
    return redirect(reverse("ioc:rules") + f"#quy-tac-{rule.code}")


@permission_view(MANAGE)
@require_POST
def rule_update(request: HttpRequest, code: str) -> HttpResponse:
    """POST: change a rule's name, threshold, comparison, window, severity, activity
    (``alerts.update_rule``). A rule the person may not see is a 404."""
    rule = alerts_service.visible_rules(request.user).filter(code=code).first()
    if rule is None:
        raise Http404
    post = request.POST
    form = {
        "name": (post.get("ten") or "").strip(),
        "threshold": post.get("nguong") or "",
        "comparison": post.get("so_sanh") or "",
        "window": post.get("khoang") or "",
        "severity": post.get("muc_do") or "",
        "active": bool(post.get("dang_bat")),
    }
    kpi = _kpi(rule.kpi)
    unit = kpi.unit if kpi else "count"
    changes: dict[str, Any] = {
        "name": form["name"],
        "comparison": form["comparison"],
        "severity": form["severity"],
        "is_active": form["active"],
    }
    if kpi is not None:  # without its KPI a rule can only be renamed or switched off
        changes["threshold"] = _parse_threshold(form["threshold"], unit)
        changes["window"] = form["window"]
    try:
        rule = alerts_service.update_rule(request.user, code, **changes)
    except DomainError as error:
        error = _percent_error(error, unit, form["threshold"])
        context = _rules_context(request)
        for row in context["rows"]:
            if row["rule"].code == code:
                row.update(form=form, error=_message(error), error_field=_field(error))
        context["update_error"] = "" if any(r["error"] for r in context["rows"]) else _message(error)
        return render(request, "ioc/rules.html", context, status=_status(error))
    messages.success(request, _("Đã lưu quy tắc cảnh báo “%(name)s”.") % {"name": rule.name})
    return redirect(reverse("ioc:rules") + f"#quy-tac-{rule.code}")


# -- Alerts: history and detail ------------------------------------------------------------------------


def _alert_row(alert, names: dict[int, str]) -> dict:
    kpi = _kpi(alert.rule.kpi)
    unit = kpi.unit if kpi else "count"
    return {
        "alert": alert,
        "kpi_label": _label(kpi) if kpi else alert.rule.kpi,
        "agency": _agency_label(alert.rule.agency_id, names),
        "value": _threshold_text(alert.value, unit),
        "threshold": _threshold_text(alert.threshold, unit),
    }


@permission_view(VIEW)
@require_GET
def alerts_history(request: HttpRequest) -> HttpResponse:
    """Every alert of the rules the person may see, newest first, 50 a page; ``trang_thai``
    filters by state, ``quy_tac`` by rule code."""
    state = (request.GET.get("trang_thai") or "").strip()
    if state not in STATE_FILTERS:
        state = ""
    rule_code = (request.GET.get("quy_tac") or "").strip()
    found = alerts_service.visible_alerts(request.user, state or None)
    rule = None
    if rule_code:
        rule = alerts_service.visible_rules(request.user).filter(code=rule_code).first()
        found = found.filter(rule=rule) if rule else found.none()
    page = Paginator(found.order_by("-opened_at", "-id"), PAGE_SIZE).get_page(request.GET.get("trang"))
    items = list(page.object_list)
    names = _agency_names(a.rule.agency_id for a in items)
    base = reverse("ioc:alerts_history")
    keep = {"quy_tac": rule_code} if rule_code else {}
    filters = [("", _("Tất cả"))] + [(value, str(AlertState(value).label)) for value in STATE_FILTERS]
    return render(
        request,
        "ioc/alerts_history.html",
        {
            "rows": [_alert_row(alert, names) for alert in items],
            "page": page,
            "state": state,
            "rule_code": rule_code,
            "rule": rule,
            "filters": [
                {"value": value, "label": label, "url": _with_query(base, {**keep, "trang_thai": value})}
                for value, label in filters
            ],
            # The page links keep the filters.
            "query": urlencode({k: v for k, v in {**keep, "trang_thai": state}.items() if v}),
            "all_url": base,
            "can_manage_rules": can(request.user, MANAGE),
        },
    )


def _with_query(url: str, params: dict) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{url}?{query}" if query else url


def _visible_alert(request: HttpRequest, alert_id: int):
    """The alert, or a 404 also when it is another agency's (its existence is not theirs to know)."""
    try:
        return alerts_service.get_alert_for(request.user, alert_id)
    except (NotFound, PermissionDenied):
        raise Http404 from None


@permission_view(VIEW)
@require_GET
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert: its rule, values, who acknowledged it and when, and its whole log."""
    alert = _visible_alert(request, alert_id)
    rule = alert.rule
    kpi = _kpi(rule.kpi)
    unit = kpi.unit if kpi else "count"
    names = _agency_names([rule.agency_id])
    log = [
        {
            "entry": entry,
            "kind": LOG_KINDS.get(entry.kind, entry.kind),
            "value": _threshold_text(entry.value, unit) if entry.value is not None else "",
        }
        for entry in alert.log.select_related("actor").order_by("at", "id")
    ]
    province_wide = rule.agency_id == 0 and _covers_province(request.user, ACKNOWLEDGE)
    return render(
        request,
        "ioc/alert_detail.html",
        {
            "alert": alert,
            "rule": rule,
            "kpi_label": _label(kpi) if kpi else rule.kpi,
            "formula": _formula(kpi) if kpi else "",
            "agency": _agency_label(rule.agency_id, names),
            "value": _threshold_text(alert.value, unit),
            "threshold": _threshold_text(alert.threshold, unit),
            "rule_threshold": _threshold_text(rule.threshold, unit),
            "log": log,
            "can_acknowledge": alert.state == AlertState.OPEN
            and _may(request.user, ACKNOWLEDGE, rule.agency_id, province_wide),
            "history_url": reverse("ioc:alerts_history"),
            "rule_history_url": reverse("ioc:alerts_history") + "?" + urlencode({"quy_tac": rule.code}),
        },
    )


@permission_view(ACKNOWLEDGE)
@require_POST
def acknowledge_from_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """POST from an alert's page: ``alerts.acknowledge`` records the person, then back to the page
    with the outcome (or the reason it was refused: already acknowledged, cleared meanwhile...)."""
    alert = _visible_alert(request, alert_id)
    target = reverse("ioc:alert_detail", kwargs={"alert_id": alert.pk})
    try:
        alerts_service.acknowledge(request.user, alert.pk, note=request.POST.get("ghi_chu", ""))
    except DomainError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Đã tiếp nhận cảnh báo."))
    return redirect(target)
