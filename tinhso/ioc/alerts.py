"""Alert rules, the alerts they raise and their history: the only writer of ``AlertRule``,
``Alert`` and ``AlertLog`` (docs/ioc.md, "Alerts").

A rule says "alert when KPI ``kpi`` of ``agency`` (the whole province when empty) over ``window``
is above/below ``threshold``". ``evaluate_rules`` computes each active rule's KPI through the same
selector as the screens (``selectors.overview`` acting as the platform) and opens, updates or
clears the rule's one live alert; a person with ``ioc.acknowledge_alert`` acknowledges it. Every
step is written to the alert's log, and rule changes and acknowledgements to the audit log.

Evaluation runs every minute from ``tinhso ioc_alerts evaluate`` (a systemd timer) and, within
seconds of a change, from the ``evaluate_alerts`` task that the subscribers at the end of this
module enqueue after one-stop events (throttled: see ``request_evaluation``).

A rule's agency is a plain id (0: the whole province), like the read models. Rules about an
agency are managed, seen and acknowledged by those who hold the permission on that agency; rules
about the whole province by those whose permission covers every agency.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tinhso.core.events.registry import subscriber
from tinhso.core.permissions import SYSTEM, as_principal, can, get_rule, require, visible_agency_ids
from tinhso.ioc import selectors
from tinhso.ioc.models import Alert, AlertLog, AlertRule, AlertState, Comparison, Severity, Window
from tinhso.ioc.sources import OPEN, OVERDUE, find_kpi

logger = logging.getLogger(__name__)

VIEW = "ioc.view"
ACKNOWLEDGE = "ioc.acknowledge_alert"
MANAGE = "ioc.manage_alert_rules"

PLACES = Decimal("0.0001")
# Sane bounds per KPI unit: percentages are fractions (0.8 = 80 %), scores are 1..5.
BOUNDS = {"percent": (Decimal(0), Decimal(1)), "score": (Decimal(0), Decimal(5))}
COUNT_BOUNDS = (Decimal(0), Decimal(1_000_000_000))
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MAX_NOTE = 2000

# Log kinds.
OPENED, VALUE, CLEARED, ACKNOWLEDGED = "opened", "value", "cleared", "acknowledged"


def _invalid(field_name: str, vi: str, en: str) -> ValidationFailed:
    return ValidationFailed(vi, en, code="ioc.invalid_alert_rule", details={"field": field_name})


def _bump_version() -> None:
    from tinhso.ioc.services import _bump_version as bump

    bump()


# -- Who may act on a rule's agency ---------------------------------------------------------------


def _covers_province(visible: set[int] | None) -> bool:
    """True when ``visible`` (from ``visible_agency_ids``) is every agency of the platform."""
    from tinhso.core.agencies.models import Agency

    if visible is None:
        return True
    return not Agency.objects.exclude(pk__in=sorted(visible)).exists()


def _allowed(actor: Any, action: str, rule_or_agency_id: AlertRule | int) -> bool:
    agency_id = getattr(rule_or_agency_id, "agency_id", rule_or_agency_id)
    if agency_id:
        return can(actor, action, _AgencyRef(int(agency_id)))
    # A province-wide rule is about every agency: only someone who sees them all may act on it.
    return can(actor, action) and _covers_province(visible_agency_ids(actor, action))


@dataclass(frozen=True)
class _AgencyRef:
    """What ``permissions.agency_of`` reads: the agency a rule is about."""

    agency_id: int


def _require(actor: Any, action: str, rule_or_agency_id: AlertRule | int) -> None:
    agency_id = getattr(rule_or_agency_id, "agency_id", rule_or_agency_id)
    if agency_id:
        require(actor, action, _AgencyRef(int(agency_id)))
        return
    if _allowed(actor, action, 0):
        return
    if get_rule(action).sensitive:
        audit.record_denied(actor=actor, action=action, obj=_AgencyRef(0))
    raise PermissionDenied(
        "Chỉ người được xem toàn tỉnh mới thực hiện được thao tác này với quy tắc toàn tỉnh.",
        "Only someone who sees the whole province may do this for a province-wide rule.",
        details={"action": action},
    )


def _user_of(actor: Any):
    return as_principal(actor).user


# -- Reads (for the API and the screens) ---------------------------------------------------------


def visible_rules(actor: Any) -> QuerySet[AlertRule]:
    """The rules ``actor`` may see (``ioc.view``): those of their agencies, and the province-wide
    rules when they see every agency."""
    require(actor, VIEW)
    visible = visible_agency_ids(actor, VIEW)
    rules = AlertRule.objects.all()
    if visible is None:
        return rules
    condition = Q(agency_id__in=sorted(visible))
    if _covers_province(visible):
        condition |= Q(agency_id=0)
    return rules.filter(condition)


LIVE = "live"
STATE_FILTERS = (*AlertState.values, LIVE)


def visible_alerts(actor: Any, state: str | None = None) -> QuerySet[Alert]:
    """Alerts of the rules ``actor`` may see, newest first; ``state`` one of ``STATE_FILTERS``
    ("live": open or acknowledged)."""
    alerts = Alert.objects.filter(rule__in=visible_rules(actor)).select_related("rule", "acknowledged_by")
    if state == LIVE:
        return alerts.exclude(state=AlertState.CLEARED)
    if state:
        if state not in AlertState.values:
            raise ValidationFailed(
                "Trạng thái không hợp lệ (open, acknowledged, cleared, live).",
                "Unknown state (open, acknowledged, cleared, live).",
                code="ioc.invalid",
                details={"field": "state"},
            )
        return alerts.filter(state=state)
    return alerts


def get_alert_for(actor: Any, alert_id: int) -> Alert:
    """One alert with its rule (404 when missing, 403 when of an agency ``actor`` may not see)."""
    alert = Alert.objects.select_related("rule", "acknowledged_by").filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("Không tìm thấy cảnh báo.", "The alert was not found.", code="ioc.alert_not_found")
    require(actor, VIEW)
    _require(actor, VIEW, alert.rule)
    return alert


def get_rule_for(actor: Any, code: str) -> AlertRule:
    rule = AlertRule.objects.filter(code=code).first()
    if rule is None:
        raise NotFound(
            "Không tìm thấy quy tắc cảnh báo.",
            "The alert rule was not found.",
            code="ioc.alert_rule_not_found",
        )
    require(actor, VIEW)
    _require(actor, VIEW, rule)
    return rule


# -- Rules ---------------------------------------------------------------------------------------


def _kpi_of(code: Any):
    found = find_kpi(str(code or "").strip())
    if found is None:
        raise _invalid("kpi", "Chỉ số không tồn tại.", "There is no KPI with this code.")
    return found[1]


def _choice(field_name: str, value: Any, choices: type) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise _invalid(field_name, f"Giá trị không hợp lệ ({allowed}).", f"Unknown value ({allowed}).")
    return value


def _threshold(value: Any, kpi) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise _invalid("threshold", "Ngưỡng phải là một số.", "The threshold must be a number.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _invalid("threshold", "Ngưỡng phải là một số.", "The threshold must be a number.") from None
    if not number.is_finite():
        raise _invalid("threshold", "Ngưỡng phải là một số.", "The threshold must be a number.")
    low, high = BOUNDS.get(kpi.unit, COUNT_BOUNDS)
    if not low <= number <= high:
        hint_vi = " (tỷ lệ ghi dạng phân số, ví dụ 0.8 là 80%)" if kpi.unit == "percent" else ""
        hint_en = " (a rate is a fraction, e.g. 0.8 for 80%)" if kpi.unit == "percent" else ""
        raise _invalid(
            "threshold",
            f"Ngưỡng phải từ {low} đến {high}{hint_vi}.",
            f"The threshold must be between {low} and {high}{hint_en}.",
        )
    return number.quantize(PLACES, rounding=ROUND_HALF_EVEN)


def _window(value: Any, kpi) -> str:
    window = _choice("window", value, Window)
    if kpi.kind in (OPEN, OVERDUE) and window != Window.NOW:
        raise _invalid(
            "window",
            "Chỉ số tức thời chỉ dùng khoảng thời gian “hiện tại” (now).",
            'A right-now KPI only has the window "now".',
        )
    return window


def _name(value: Any) -> str:
    name = str(value or "").strip()
    if not name or len(name) > 200:
        raise _invalid("name", "Tên quy tắc từ 1 đến 200 ký tự.", "The rule's name is 1 to 200 characters.")
    return name


def _rule_fields(rule: AlertRule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "kpi": rule.kpi,
        "agency_id": rule.agency_id,
        "window": rule.window,
        "comparison": rule.comparison,
        "threshold": str(rule.threshold),
        "severity": rule.severity,
        "is_active": rule.is_active,
    }


@transaction.atomic
def create_rule(
    actor: Any,
    *,
    code: str,
    name: str,
    kpi: str,
    comparison: str,
    threshold: Any,
    window: str = Window.NOW,
    agency=None,
    severity: str = Severity.WARNING,
    is_active: bool = True,
) -> AlertRule:
    """Add a rule (permission ``ioc.manage_alert_rules`` on ``agency``, or on every agency for a
    province-wide rule). ``agency`` is an ``Agency``, its id, or None for the whole province."""
    agency_id = int(getattr(agency, "pk", agency) or 0)
    _require(actor, MANAGE, agency_id)
    code = str(code or "").strip()
    if not CODE_PATTERN.match(code):
        raise _invalid(
            "code",
            "Mã quy tắc gồm chữ thường không dấu, số, '-' hoặc '_' (tối đa 60 ký tự).",
            "The rule code is lowercase letters, digits, '-' or '_' (at most 60 characters).",
        )
    found = _kpi_of(kpi)
    values = {
        "name": _name(name),
        "kpi": found.code,
        "window": _window(window, found),
        "comparison": _choice("comparison", comparison, Comparison),
        "threshold": _threshold(threshold, found),
        "severity": _choice("severity", severity, Severity),
        "is_active": bool(is_active),
    }
    if agency_id:
        from tinhso.core.agencies.models import Agency

        if not Agency.objects.filter(pk=agency_id).exists():
            raise _invalid("agency", "Cơ quan không tồn tại.", "There is no such agency.")
    duplicate = Conflict(
        "Đã có quy tắc cảnh báo với mã này.",
        "An alert rule with this code already exists.",
        code="ioc.alert_rule_exists",
    )
    if AlertRule.objects.filter(code=code).exists():
        raise duplicate
    try:
        with transaction.atomic():
            rule = AlertRule.objects.create(
                code=code, agency_id=agency_id, created_by=_user_of(actor), **values
            )
    except IntegrityError:  # the same code created meanwhile
        raise duplicate from None
    audit.record(actor=actor, action="ioc.alert_rule_created", obj=rule, changes=_rule_fields(rule))
    if rule.is_active:
        transaction.on_commit(request_evaluation, robust=True)
    return rule


UNSET: Any = object()


@transaction.atomic
def update_rule(
    actor: Any,
    code: str,
    *,
    name: Any = UNSET,
    threshold: Any = UNSET,
    comparison: Any = UNSET,
    window: Any = UNSET,
    severity: Any = UNSET,
    is_active: Any = UNSET,
    now: dt.datetime | None = None,
) -> AlertRule:
    """Change a rule's name, threshold, comparison, window, severity or activity (its KPI and
    agency are what the rule is: make a new rule for another). Deactivating clears its live alert.
    Permission ``ioc.manage_alert_rules`` on the rule's agency."""
    rule = AlertRule.objects.select_for_update().filter(code=code).first()
    if rule is None:
        raise NotFound(
            "Không tìm thấy quy tắc cảnh báo.",
            "The alert rule was not found.",
            code="ioc.alert_rule_not_found",
        )
    _require(actor, MANAGE, rule)
    kpi = find_kpi(rule.kpi)
    kpi = kpi[1] if kpi is not None else None
    wanted: dict[str, Any] = {}
    if name is not UNSET:
        wanted["name"] = _name(name)
    if comparison is not UNSET:
        wanted["comparison"] = _choice("comparison", comparison, Comparison)
    if severity is not UNSET:
        wanted["severity"] = _choice("severity", severity, Severity)
    if is_active is not UNSET:
        if not isinstance(is_active, bool):
            raise _invalid(
                "is_active", "is_active phải là true hoặc false.", "is_active must be true or false."
            )
        wanted["is_active"] = is_active
    if threshold is not UNSET or window is not UNSET:
        if kpi is None:
            raise _invalid(
                "kpi",
                "Chỉ số của quy tắc không còn tồn tại; chỉ có thể tắt quy tắc.",
                "The rule's KPI no longer exists; the rule can only be deactivated.",
            )
        if threshold is not UNSET:
            wanted["threshold"] = _threshold(threshold, kpi)
        if window is not UNSET:
            wanted["window"] = _window(window, kpi)
    changes = {
        key: [str(getattr(rule, key)), str(value)] if key == "threshold" else [getattr(rule, key), value]
        for key, value in wanted.items()
        if getattr(rule, key) != value
    }
    if not changes:
        return rule
    for key in changes:
        setattr(rule, key, wanted[key])
    rule.save(update_fields=[*changes, "updated_at"])
    if "is_active" in changes and not rule.is_active:
        live = Alert.objects.select_for_update().filter(rule=rule).exclude(state=AlertState.CLEARED).first()
        if live is not None:
            _clear(
                live, now or timezone.now(), actor=_user_of(actor), note="Quy tắc đã tắt / rule deactivated"
            )
            transaction.on_commit(_bump_version)
    audit.record(actor=actor, action="ioc.alert_rule_updated", obj=rule, changes=changes)
    if rule.is_active:
        transaction.on_commit(request_evaluation, robust=True)
    return rule


# -- Evaluation ----------------------------------------------------------------------------------


def _quantize(value: float | int | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(PLACES, rounding=ROUND_HALF_EVEN)


def current_value(rule: AlertRule, now: dt.datetime | None = None) -> Decimal | None:
    """The rule's KPI as the screens compute it: window "now" is today for counts and ratios and
    the live value for open/overdue KPIs (which have no other window). None: no such KPI, or a
    ratio without a denominator."""
    if find_kpi(rule.kpi) is None:
        return None
    period = "today" if rule.window == Window.NOW else rule.window
    values = selectors.overview(
        SYSTEM,
        period=period,
        agency_ids=[rule.agency_id] if rule.agency_id else None,
        kpi_codes=[rule.kpi],
        now=now,
    )
    return _quantize(values[0].value) if values else None


def holds(rule: AlertRule, value: Decimal | None) -> bool:
    """Whether the rule's condition holds (strictly above/below); a missing value never fires."""
    if value is None:
        return False
    if rule.comparison == Comparison.ABOVE:
        return value > rule.threshold
    return value < rule.threshold


def _log(alert: Alert, kind: str, at: dt.datetime, *, value=None, actor=None, note: str = "") -> None:
    AlertLog.objects.create(alert=alert, kind=kind, at=at, value=value, actor=actor, note=note)


def _clear(alert: Alert, now: dt.datetime, *, actor=None, note: str = "") -> None:
    alert.state = AlertState.CLEARED
    alert.cleared_at = now
    alert.save(update_fields=["state", "cleared_at"])
    _log(alert, CLEARED, now, value=alert.value, actor=actor, note=note)


@dataclass
class Evaluation:
    evaluated: int = 0
    opened: int = 0
    updated: int = 0
    cleared: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.updated or self.cleared)

    def as_dict(self) -> dict[str, Any]:
        return {
            "evaluated": self.evaluated,
            "opened": self.opened,
            "updated": self.updated,
            "cleared": self.cleared,
            "failed": list(self.failed),
        }


def _evaluate_one(rule_id: int, now: dt.datetime) -> str | None:
    """Evaluate one rule in its own transaction; returns what happened (None: nothing)."""
    with transaction.atomic():
        # The rule's row lock serialises evaluations of the same rule (the timer and a task may
        # overlap); the partial unique constraint is the last guard against two live alerts.
        rule = AlertRule.objects.select_for_update().filter(pk=rule_id, is_active=True).first()
        if rule is None:
            return None
        value = current_value(rule, now)
        live = Alert.objects.select_for_update().filter(rule=rule).exclude(state=AlertState.CLEARED).first()
        fires = holds(rule, value)
        outcome = None
        if fires and live is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        rule=rule, state=AlertState.OPEN, value=value, threshold=rule.threshold, opened_at=now
                    )
                    _log(alert, OPENED, now, value=value)
            except IntegrityError:  # opened meanwhile by a concurrent evaluation (SQLite has no row locks)
                return None
            outcome = OPENED
        elif fires:
            if live.value != value or live.threshold != rule.threshold:
                changed_value = live.value != value
                live.value, live.threshold = value, rule.threshold
                live.save(update_fields=["value", "threshold"])
                if changed_value:
                    _log(live, VALUE, now, value=value)
                outcome = VALUE
        elif live is not None:
            if value is not None:
                live.value = value
                live.save(update_fields=["value"])
            _clear(live, now)
            outcome = CLEARED
        if outcome is not None:
            transaction.on_commit(_bump_version)
        return outcome


def evaluate_rules(now: dt.datetime | None = None) -> Evaluation:
    """Evaluate every active rule: open an alert where its condition now holds, update the live
    alert's value, clear it where the condition no longer holds. One transaction per rule, so a
    rule whose KPI fails to compute does not hold back the others (it is reported in ``failed``)."""
    now = now or timezone.now()
    result = Evaluation()
    for rule_id, code in AlertRule.objects.filter(is_active=True).order_by("pk").values_list("pk", "code"):
        try:
            outcome = _evaluate_one(rule_id, now)
        except Exception:
            logger.exception("Alert rule %s could not be evaluated", code)
            result.failed.append(code)
            continue
        result.evaluated += 1
        if outcome == OPENED:
            result.opened += 1
        elif outcome == VALUE:
            result.updated += 1
        elif outcome == CLEARED:
            result.cleared += 1
    return result


# -- Acknowledgement -----------------------------------------------------------------------------


@transaction.atomic
def acknowledge(actor: Any, alert_id: int, *, note: str = "", now: dt.datetime | None = None) -> Alert:
    """A named person acknowledges a live alert (permission ``ioc.acknowledge_alert`` on the rule's
    agency): who and when are recorded on the alert, its log and the audit log. Acknowledging
    again, or acknowledging a cleared alert, is a ``409``: the caller learns that someone else
    acknowledged it first, or that the KPI came back meanwhile."""
    require(actor, ACKNOWLEDGE)  # may acknowledge somewhere at all, before saying what exists
    found = Alert.objects.filter(pk=alert_id).values_list("rule_id", flat=True).first()
    if found is None:
        raise NotFound("Không tìm thấy cảnh báo.", "The alert was not found.", code="ioc.alert_not_found")
    rule = AlertRule.objects.select_for_update().get(pk=found)  # rule first, then alert: one lock order
    _require(actor, ACKNOWLEDGE, rule)
    user = _user_of(actor)
    if user is None:
        raise PermissionDenied(
            "Cảnh báo phải do một người cụ thể tiếp nhận (đăng nhập hoặc mã truy cập cá nhân).",
            "An alert is acknowledged by a named person (signed in, or with a personal token).",
            code="ioc.acknowledge_needs_person",
        )
    note = str(note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            f"Ghi chú tối đa {MAX_NOTE} ký tự.",
            f"The note is at most {MAX_NOTE} characters.",
            code="ioc.invalid",
            details={"field": "note"},
        )
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    if alert.state == AlertState.CLEARED:
        raise Conflict(
            "Cảnh báo đã hết (chỉ số đã trở lại bình thường), không cần tiếp nhận.",
            "The alert has cleared (the KPI came back); there is nothing to acknowledge.",
            code="ioc.alert_cleared",
        )
    if alert.state == AlertState.ACKNOWLEDGED:
        by = alert.acknowledged_by
        raise Conflict(
            "Cảnh báo đã được tiếp nhận.",
            "The alert was already acknowledged.",
            code="ioc.alert_already_acknowledged",
            details={
                "acknowledged_by": getattr(by, "full_name", "") or str(by or ""),
                "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
            },
        )
    now = now or timezone.now()
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_by = user
    alert.acknowledged_at = now
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at"])
    _log(alert, ACKNOWLEDGED, now, value=alert.value, actor=user, note=note)
    audit.record(
        actor=actor,
        action="ioc.alert_acknowledged",
        obj=alert,
        changes={"rule": rule.code, "note": note},
    )
    transaction.on_commit(_bump_version)
    return alert


# -- Evaluation soon after a change --------------------------------------------------------------

THROTTLE_SECONDS = 10
_LAST_KEY = "ioc:alerts:last-evaluation"
_TRAILING_KEY = "ioc:alerts:trailing-evaluation"


def _enqueue(run_after: dt.datetime | None = None) -> None:
    from tinhso.ioc.tasks import evaluate_alerts

    task = evaluate_alerts if run_after is None else evaluate_alerts.using(run_after=run_after)
    task.enqueue()


def request_evaluation() -> str:
    """Enqueue an evaluation of the rules, at most once per ``THROTTLE_SECONDS``.

    The first request in a quiet period is evaluated at once ("now"); requests during the next
    seconds are folded into one evaluation at the end of the period ("scheduled"), so a burst of
    events costs two evaluations and the last change is seen within the period. A task backend
    that cannot defer (the immediate backend of tests) skips the trailing run ("throttled"): the
    every-minute timer catches up. Call it after commit (``transaction.on_commit``)."""
    now = time.time()
    try:
        if cache.add(_LAST_KEY, now, timeout=THROTTLE_SECONDS):
            _enqueue()
            return "now"
        from tinhso.ioc.tasks import evaluate_alerts

        if not evaluate_alerts.get_backend().supports_defer:
            return "throttled"
        run_at = float(cache.get(_LAST_KEY) or now) + THROTTLE_SECONDS
        if not cache.add(_TRAILING_KEY, run_at, timeout=max(1, math.ceil(run_at - now))):
            return "throttled"
        # The next window starts at the trailing run: no evaluation sooner than that plus the period.
        cache.set(_LAST_KEY, run_at, timeout=max(1, math.ceil(run_at + THROTTLE_SECONDS - now)))
        _enqueue(dt.datetime.fromtimestamp(run_at, tz=dt.UTC))
        return "scheduled"
    except Exception:
        # Alerts must never break the event delivery that asked for them; the timer catches up.
        logger.exception("Could not enqueue an alert evaluation")
        return "failed"


# By event name: the operations center does not import the modules it watches. Enqueued after the
# delivery commits, so the evaluation sees the counters the same delivery updated.
@subscriber("dossiers.state_changed", name="ioc.alerts_on_state_changed")
def evaluate_after_state_change(event) -> None:
    transaction.on_commit(request_evaluation, robust=True)


@subscriber("dossiers.dossier_received", name="ioc.alerts_on_received")
def evaluate_after_receipt(event) -> None:
    transaction.on_commit(request_evaluation, robust=True)
