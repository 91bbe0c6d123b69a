"""Alert rules, their evaluation and acknowledgement (tinhso.ioc.alerts), through real dossiers:
the counters the rules read are fed by the one-stop office's events, as in production."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.accounts.models import Role
from tinhso.core.audit.models import AuditRecord
from tinhso.core.audit.services import flush_denials
from tinhso.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers.tests.conftest import deliver_events, received, vn
from tinhso.ioc import alerts, selectors
from tinhso.ioc.alerts import acknowledge, create_rule, evaluate_rules, update_rule
from tinhso.ioc.models import Alert, AlertLog, AlertRule, AlertState

pytestmark = pytest.mark.django_db


@pytest.fixture
def governor(world, make_officer):
    """An operations-center officer of the provincial People's Committee: sees every agency."""
    return make_officer(
        username="dieuhanh.tinh", full_name="Phạm Điều Hành", roles=[(world.province, Role.IOC_VIEWER, True)]
    )


@pytest.fixture
def dept_viewer(world, make_officer):
    return make_officer(username="theodoi.stp", roles=[(world.dept, Role.IOC_VIEWER)])


BASE = {
    "code": "nhieu-ho-so",
    "name": "Nhiều hồ sơ tiếp nhận trong ngày",
    "kpi": "onestop.received",
    "window": "today",
    "comparison": "above",
    "threshold": 1,
}


def _kinds(alert: Alert) -> list[str]:
    return list(AlertLog.objects.filter(alert=alert).order_by("at", "id").values_list("kind", flat=True))


def _overdue_rule(world, governor, code="qua-han-stp"):
    return create_rule(
        governor,
        code=code,
        name="Sở Tư pháp có hồ sơ quá hạn",
        kpi="onestop.overdue_now",
        agency=world.dept,
        window="now",
        comparison="above",
        threshold=0,
        severity="critical",
    )


def test_invalid_rules_change_nothing(world, governor):
    bad = [
        {"kpi": "onestop.no_such_kpi"},
        {"comparison": "equal"},
        {"window": "week"},
        {"severity": "panic"},
        {"threshold": "nhiều"},
        {"threshold": None},
        {"threshold": True},
        {"threshold": "NaN"},
        {"threshold": -1},
        {"threshold": 10**12},
        {"kpi": "onestop.on_time_rate", "threshold": 80},  # a rate is a fraction: 0.8, not 80
        {"kpi": "onestop.satisfaction", "threshold": 7},
        {"kpi": "onestop.overdue_now", "window": "month"},  # a right-now KPI has no other window
        {"code": "Mã có dấu"},
        {"code": ""},
        {"name": "  "},
    ]
    for override in bad:
        with pytest.raises(ValidationFailed) as error:
            create_rule(governor, **{**BASE, "agency": world.dept, **override})
        assert error.value.code == "ioc.invalid_alert_rule", override
    assert not AlertRule.objects.exists()
    assert not AuditRecord.objects.filter(action__startswith="ioc.alert_rule").exists()

    rule = create_rule(
        governor, **{**BASE, "kpi": "onestop.on_time_rate", "comparison": "below", "threshold": "0.8"}
    )
    assert rule.threshold == Decimal("0.8") and rule.agency_id == 0
    with pytest.raises(Conflict):
        create_rule(
            governor, **{**BASE, "kpi": "onestop.on_time_rate", "comparison": "below", "threshold": "0.5"}
        )
    for change in ({"threshold": 1.5}, {"window": "week"}, {"comparison": None}, {"is_active": "yes"}):
        with pytest.raises(ValidationFailed):
            update_rule(governor, rule.code, **change)
    with pytest.raises(NotFound):
        update_rule(governor, "khong-co", threshold=1)
    rule.refresh_from_db()
    assert (rule.threshold, rule.window, rule.comparison, rule.is_active) == (
        Decimal("0.8"),
        "today",
        "below",
        True,
    )
    assert AuditRecord.objects.filter(action__startswith="ioc.alert_rule").count() == 1


def test_who_may_set_rules(world, governor, dept_viewer, make_officer):
    # A leader sees the center but does not set its rules.
    with pytest.raises(PermissionDenied):
        create_rule(world.leader, **{**BASE, "agency": world.dept})
    other = make_officer(roles=[(world.dept_b, Role.IOC_VIEWER)])
    with pytest.raises(PermissionDenied):
        create_rule(other, **{**BASE, "agency": world.dept})
    # A province-wide rule needs someone who sees every agency.
    with pytest.raises(PermissionDenied):
        create_rule(dept_viewer, **BASE)
    rule = create_rule(dept_viewer, **{**BASE, "agency": world.dept})
    assert rule.agency_id == world.dept.pk and rule.created_by == dept_viewer
    with pytest.raises(PermissionDenied):
        update_rule(other, rule.code, threshold=5)
    update_rule(dept_viewer, rule.code, threshold=5)
    record = AuditRecord.objects.filter(action="ioc.alert_rule_updated").get()
    assert record.changes["threshold"] == ["1.0000", "5.0000"]


def test_an_alert_fires_once_follows_the_value_clears_and_fires_again(
    world, governor, django_capture_on_commit_callbacks
):
    rule = create_rule(governor, **{**BASE, "agency": world.dept})
    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    result = evaluate_rules(now=vn(2026, 11, 25, 9, 30))
    assert (result.evaluated, result.opened) == (1, 0)  # 1 is not above 1
    assert not Alert.objects.exists()

    received(world, now=vn(2026, 11, 25, 10))
    deliver_events()
    version = selectors.version()
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_rules(now=vn(2026, 11, 25, 10, 30)).opened == 1
    assert selectors.version() > version  # the live screens are told
    alert = Alert.objects.get()
    assert (alert.rule, alert.state, alert.value, alert.threshold) == (rule, AlertState.OPEN, 2, 1)
    assert alert.opened_at == vn(2026, 11, 25, 10, 30)

    # Evaluated again with nothing new: still one alert, nothing logged.
    again = evaluate_rules(now=vn(2026, 11, 25, 10, 31))
    assert (again.opened, again.updated, again.cleared) == (0, 0, 0)
    assert Alert.objects.count() == 1 and _kinds(alert) == ["opened"]

    received(world, now=vn(2026, 11, 25, 11))
    deliver_events()
    assert evaluate_rules(now=vn(2026, 11, 25, 11, 30)).updated == 1
    alert.refresh_from_db()
    assert alert.value == 3 and _kinds(alert) == ["opened", "value"]

    # The next day nothing has been received yet: the condition no longer holds.
    assert evaluate_rules(now=vn(2026, 11, 26, 8)).cleared == 1
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED and alert.cleared_at == vn(2026, 11, 26, 8)
    assert _kinds(alert) == ["opened", "value", "cleared"]

    received(world, now=vn(2026, 11, 26, 9))
    received(world, now=vn(2026, 11, 26, 10))
    deliver_events()
    assert evaluate_rules(now=vn(2026, 11, 26, 10, 30)).opened == 1
    assert Alert.objects.count() == 2
    fresh = Alert.objects.exclude(pk=alert.pk).get()
    assert fresh.state == AlertState.OPEN and fresh.value == 2 and _kinds(fresh) == ["opened"]
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED


def test_other_agencies_and_missing_denominators_do_not_fire(world, governor):
    create_rule(governor, **{**BASE, "agency": world.dept_b, "threshold": 0})
    # No dossier resolved this month: the on-time rate has no value, and that never fires.
    create_rule(
        governor,
        code="dung-han",
        name="Tỷ lệ đúng hạn thấp",
        kpi="onestop.on_time_rate",
        window="month",
        comparison="below",
        threshold="0.9",
    )
    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    result = evaluate_rules(now=vn(2026, 11, 25, 10))
    assert result.evaluated == 2 and result.opened == 0
    assert not Alert.objects.exists()


def test_the_province_rule_and_the_live_overdue_window(world, governor):
    rule = create_rule(
        governor,
        code="qua-han-tinh",
        name="Hồ sơ quá hạn toàn tỉnh",
        kpi="onestop.overdue_now",
        window="now",
        comparison="above",
        threshold=0,
    )
    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    assert evaluate_rules(now=vn(2026, 11, 26, 9)).opened == 0  # not due yet
    assert evaluate_rules(now=vn(2026, 12, 20, 9)).opened == 1  # weeks later it is overdue
    assert Alert.objects.get(rule=rule).value == 1


def test_acknowledgement_by_a_named_leader(world, governor, make_officer):
    from tinhso.core.apiclients import services as apiclients

    rule = _overdue_rule(world, governor)
    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    evaluate_rules(now=vn(2026, 12, 20, 9))
    alert = Alert.objects.get(rule=rule)

    stranger = make_officer(roles=[(world.dept_b, Role.LEADER)])
    with pytest.raises(PermissionDenied):
        acknowledge(stranger, alert.pk)
    flush_denials()  # as the request middleware does once the rolled-back transaction is over
    assert AuditRecord.objects.filter(action="ioc.acknowledge_alert", outcome="denied").exists()
    client, _secret = apiclients.create_api_client(
        actor=SYSTEM, name="Hệ thống giám sát", scopes=["ioc:alerts"], agency=world.dept
    )
    with pytest.raises(PermissionDenied) as error:
        acknowledge(client.to_principal(frozenset({"ioc:alerts"})), alert.pk)
    assert error.value.code == "ioc.acknowledge_needs_person"
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN and alert.acknowledged_by is None

    done = acknowledge(world.leader, alert.pk, note="Đã giao chuyên viên xử lý", now=vn(2026, 12, 20, 9, 5))
    assert done.state == AlertState.ACKNOWLEDGED
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.leader and alert.acknowledged_at == vn(2026, 12, 20, 9, 5)
    entry = AlertLog.objects.get(alert=alert, kind="acknowledged")
    assert (entry.actor, entry.note) == (world.leader, "Đã giao chuyên viên xử lý")
    audit = AuditRecord.objects.get(action="ioc.alert_acknowledged")
    assert (
        audit.actor_id == str(world.leader.public_id) and audit.changes["note"] == "Đã giao chuyên viên xử lý"
    )

    with pytest.raises(Conflict) as twice:
        acknowledge(governor, alert.pk)
    assert twice.value.code == "ioc.alert_already_acknowledged"
    assert twice.value.details["acknowledged_by"] == world.leader.full_name

    # An acknowledged alert still follows its KPI and clears when the KPI comes back.
    update_rule(governor, rule.code, threshold=5)
    assert evaluate_rules(now=vn(2026, 12, 20, 9, 10)).cleared == 1
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED and alert.acknowledged_by == world.leader
    assert _kinds(alert) == ["opened", "acknowledged", "cleared"]
    with pytest.raises(NotFound):
        acknowledge(world.leader, 999999)


def test_a_cleared_alert_cannot_be_acknowledged_and_deactivating_clears(world, governor):
    rule = _overdue_rule(world, governor)
    received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    evaluate_rules(now=vn(2026, 12, 20, 9))
    alert = Alert.objects.get(rule=rule)
    update_rule(governor, rule.code, is_active=False, now=vn(2026, 12, 20, 9, 1))
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED
    cleared = AlertLog.objects.get(alert=alert, kind="cleared")
    assert cleared.actor == governor and "deactivated" in cleared.note
    with pytest.raises(Conflict) as error:
        acknowledge(world.leader, alert.pk)
    assert error.value.code == "ioc.alert_cleared"
    # An inactive rule is not evaluated.
    assert evaluate_rules(now=vn(2026, 12, 20, 9, 5)).evaluated == 0
    assert Alert.objects.filter(rule=rule).count() == 1
    update_rule(governor, rule.code, is_active=True)
    assert evaluate_rules(now=vn(2026, 12, 20, 9, 6)).opened == 1


def test_events_trigger_a_throttled_evaluation(world, governor, django_capture_on_commit_callbacks):
    # "In progress" is right now, so the task (which evaluates at the real current time) sees it.
    rule = create_rule(
        governor,
        code="dang-giai-quyet",
        name="Có hồ sơ đang giải quyết",
        kpi="onestop.in_progress",
        agency=world.dept,
        comparison="above",
        threshold=0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        received(world, now=vn(2026, 11, 25, 9))
        deliver_events()
    alert = Alert.objects.get(rule=rule)
    assert alert.state == AlertState.OPEN and alert.value == 1
    # Within the period the next request is folded (the immediate test backend cannot defer).
    assert alerts.request_evaluation() == "throttled"


def test_the_throttle_schedules_one_trailing_run(settings):
    from tinhso.ioc.tasks import evaluate_alerts

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = evaluate_alerts.get_backend()
    backend.clear()
    assert alerts.request_evaluation() == "now"
    assert alerts.request_evaluation() == "scheduled"
    assert alerts.request_evaluation() == "throttled"
    first, trailing = backend.results
    assert first.task.run_after is None
    assert trailing.task.run_after is not None
    assert dt.timedelta(seconds=9) <= trailing.task.run_after - first.enqueued_at <= dt.timedelta(seconds=11)


def test_the_command_evaluates(world, governor, capsys):
    _overdue_rule(world, governor)
    received(world, now=vn(2026, 10, 5, 9))
    deliver_events()
    call_command("ioc_alerts", "evaluate")  # at the real clock: weeks after the dossier's deadline
    assert "1 opened" in capsys.readouterr().out
    assert Alert.objects.filter(state=AlertState.OPEN).count() == 1
    AlertRule.objects.filter(code="qua-han-stp").update(kpi="gone.kpi")
    call_command("ioc_alerts", "evaluate")
    assert "1 cleared" in capsys.readouterr().out  # a KPI that disappeared has no value
    with pytest.raises(CommandError):
        call_command("ioc_alerts")
