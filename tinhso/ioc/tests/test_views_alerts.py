"""The alert pages (tinhso/ioc/views_alerts.py): setting rules, the alerts' history, one alert's
page and acknowledging from it, and the links from the dashboard's alerts panel."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tinhso.core.accounts.models import Role
from tinhso.ioc import alerts
from tinhso.ioc import services as ioc
from tinhso.ioc.models import Alert, AlertLog, AlertRule
from tinhso.ioc.sources import OpenItemState

pytestmark = pytest.mark.django_db

BASE = "/trung-tam-dieu-hanh/"
RULES = f"{BASE}quy-tac-canh-bao/"
HISTORY = f"{BASE}canh-bao/"


def as_user(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def governor(world, make_officer):
    """Operations-center officer of the provincial committee: every agency, province-wide rules."""
    return make_officer(
        username="dieuhanh.tinh", full_name="Phạm Điều Hành", roles=[(world.province, Role.IOC_VIEWER, True)]
    )


@pytest.fixture
def operator(world, make_officer):
    """Operations-center officer of the justice department only."""
    return make_officer(
        username="dieuhanh.stp", full_name="Lê Theo Dõi", roles=[(world.dept, Role.IOC_VIEWER)]
    )


@pytest.fixture
def operator_b(world, make_officer):
    return make_officer(username="dieuhanh.sxd", roles=[(world.dept_b, Role.IOC_VIEWER)])


def new_rule(**overrides) -> dict:
    form = {
        "ten": "Tỷ lệ đúng hạn thấp",
        "ma": "dung-han-stp",
        "chi_so": "onestop.on_time_rate",
        "co_quan": "",
        "khoang": "month",
        "so_sanh": "below",
        "nguong": "85",
        "muc_do": "critical",
        "dang_bat": "1",
    }
    return form | overrides


def make_rule(actor, agency, code="qua-han", name="Có hồ sơ quá hạn", **extra) -> AlertRule:
    values = {
        "kpi": "onestop.overdue_now",
        "window": "now",
        "comparison": "above",
        "threshold": 0,
        "severity": "critical",
    } | extra
    return alerts.create_rule(actor, code=code, name=name, agency=agency, **values)


def overdue(agency, key="HS-1") -> None:
    """One dossier of ``agency`` open and past its deadline, in the read model the rules read."""
    now = timezone.now()
    ioc.sync_open_item(
        "onestop",
        key,
        OpenItemState(
            key=key,
            agency_id=agency.pk,
            opened_at=now - dt.timedelta(days=9),
            due_at=now - dt.timedelta(days=1),
        ),
    )


def no_inline_code(html: str) -> None:
    assert " style=" not in html and "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


# -- Rules -------------------------------------------------------------------------------------------


def test_an_operator_creates_a_rule_with_a_percent_threshold(world, governor):
    client = as_user(governor)
    page = client.get(RULES)
    assert page.status_code == 200
    html = page.content.decode()
    no_inline_code(html)
    assert "csrfmiddlewaretoken" in html
    assert '<option value="0">Toàn tỉnh</option>' in html  # the governor sees every agency
    assert f'<option value="{world.dept_b.pk}">Sở Xây dựng</option>' in html
    assert '<option value="onestop.on_time_rate">' in html

    response = client.post(RULES, new_rule(co_quan=str(world.dept.pk)))
    assert response.status_code == 302
    rule = AlertRule.objects.get(code="dung-han-stp")
    assert rule.threshold == Decimal("0.85")  # typed in percent, kept as a fraction
    assert (rule.agency_id, rule.window, rule.comparison, rule.severity) == (
        world.dept.pk,
        "month",
        "below",
        "critical",
    )
    assert rule.is_active and rule.created_by == governor

    html = client.get(response["Location"]).content.decode()
    assert "Đã thêm quy tắc cảnh báo “Tỷ lệ đúng hạn thấp”." in html
    row = html.split('data-rule="dung-han-stp"')[1].split("</tr>")[0]
    assert "Tỷ lệ đúng hạn" in row
    assert "Sở Tư pháp" in row and "Tháng này" in row and "Nghiêm trọng" in row and "Đang bật" in row
    assert "Nhỏ hơn 85,0 %" in row
    # The edit form offers the threshold back in percent too.
    assert 'name="nguong" value="85"' in html

    # Province-wide, a decimal comma, and a code made from the name when none is typed.
    response = client.post(
        RULES,
        new_rule(ma="", ten="Đúng hạn toàn tỉnh", co_quan="0", nguong="92,5", muc_do="warning"),
    )
    assert response.status_code == 302
    rule = AlertRule.objects.get(name="Đúng hạn toàn tỉnh")
    assert rule.code == "dung-han-toan-tinh" and rule.agency_id == 0
    assert rule.threshold == Decimal("0.925")
    html = client.get(RULES).content.decode()
    assert "Toàn tỉnh" in html.split('data-rule="dung-han-toan-tinh"')[1].split("</tr>")[0]


def test_a_count_threshold_is_kept_as_typed(world, governor):
    response = as_user(governor).post(
        RULES,
        new_rule(
            ma="qua-han-stp",
            chi_so="onestop.overdue_now",
            khoang="now",
            so_sanh="above",
            nguong="3",
            co_quan=str(world.dept.pk),
        ),
    )
    assert response.status_code == 302
    assert AlertRule.objects.get(code="qua-han-stp").threshold == Decimal("3")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nguong": "nhiều"}, "Ngưỡng phải là một số."),
        ({"nguong": "150"}, "Ngưỡng của chỉ số tỷ lệ phải từ 0 đến 100 (%)."),
        ({"nguong": "-5"}, "Ngưỡng của chỉ số tỷ lệ phải từ 0 đến 100 (%)."),
        ({"nguong": ""}, "Ngưỡng phải là một số."),
        ({"chi_so": "onestop.overdue_now", "khoang": "month", "nguong": "2"}, "Chỉ số tức thời"),
        ({"co_quan": ""}, "Hãy chọn cơ quan (hoặc toàn tỉnh)."),
        ({"ten": ""}, "Tên quy tắc từ 1 đến 200 ký tự."),
        ({"ma": "Mã Có Dấu"}, "Mã quy tắc gồm chữ thường không dấu"),
    ],
)
def test_a_refused_rule_shows_why_and_creates_nothing(world, governor, changes, message):
    form = new_rule(co_quan=str(world.dept.pk)) | changes
    response = as_user(governor).post(RULES, form)
    assert response.status_code in (400, 422)
    html = response.content.decode()
    assert "form-errors" in html and message in html
    assert AlertRule.objects.count() == 0
    # What was typed is still in the form.
    if form["ten"]:
        assert f'value="{form["ten"]}"' in html


def test_refusals_in_english_when_the_page_is_in_english(world, governor):
    response = as_user(governor, language="en").post(
        RULES, new_rule(co_quan=str(world.dept.pk), nguong="abc")
    )
    assert response.status_code == 422
    assert "The threshold must be a number." in response.content.decode()
    assert AlertRule.objects.count() == 0


def test_an_agency_operator_sets_rules_only_for_their_agency(world, operator, governor):
    make_rule(governor, world.dept_b, code="qua-han-sxd", name="Quá hạn Sở Xây dựng")
    client = as_user(operator)
    html = client.get(RULES).content.decode()
    assert f'<option value="{world.dept.pk}">Sở Tư pháp</option>' in html
    assert f'<option value="{world.dept_b.pk}">' not in html
    assert '<option value="0"' not in html  # no province-wide rules for a department's operator
    assert "Quá hạn Sở Xây dựng" not in html  # another agency's rule is not listed

    for agency in ("0", str(world.dept_b.pk)):
        refused = client.post(RULES, new_rule(co_quan=agency))
        assert refused.status_code == 403
        assert "form-errors" in refused.content.decode()
    assert not AlertRule.objects.filter(code="dung-han-stp").exists()

    assert client.post(RULES, new_rule(co_quan=str(world.dept.pk))).status_code == 302
    # Another agency's rule cannot be changed by guessing its code.
    assert client.post(f"{RULES}qua-han-sxd/", {"ten": "x", "nguong": "1"}).status_code == 404
    assert AlertRule.objects.get(code="qua-han-sxd").name == "Quá hạn Sở Xây dựng"


def test_rules_page_is_closed_to_those_who_may_not_set_rules(world, client):
    anonymous = client.get(RULES)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('web:login')}?next={RULES}"
    assert client.post(RULES, new_rule(co_quan=str(world.dept.pk))).status_code == 302
    one_stop = as_user(world.one_stop)
    assert one_stop.get(RULES).status_code == 403
    assert one_stop.post(RULES, new_rule(co_quan=str(world.dept.pk))).status_code == 403
    # A leader sees the center and its alerts but does not set rules.
    assert as_user(world.leader).get(RULES).status_code == 403
    assert AlertRule.objects.count() == 0


def test_editing_a_rule_changes_it_and_deactivating_clears_its_alert(world, governor):
    rule = make_rule(
        governor,
        world.dept,
        code="dung-han",
        name="Đúng hạn",
        kpi="onestop.on_time_rate",
        window="month",
        comparison="below",
        threshold="0.8",
    )
    alert = Alert.objects.create(
        rule=rule, value=Decimal("0.5"), threshold=rule.threshold, opened_at=timezone.now()
    )
    client = as_user(governor)
    url = f"{RULES}dung-han/"
    form = {
        "ten": "Đúng hạn dưới 90 %",
        "nguong": "90",
        "so_sanh": "below",
        "khoang": "month",
        "muc_do": "warning",
    }

    # Without "dang_bat" the rule is switched off.
    response = client.post(url, form)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active and rule.name == "Đúng hạn dưới 90 %" and rule.threshold == Decimal("0.9")
    assert rule.severity == "warning"
    alert.refresh_from_db()
    assert alert.state == "cleared"
    assert AlertLog.objects.filter(alert=alert, kind="cleared", actor=governor).exists()
    html = client.get(RULES).content.decode()
    assert "Đã tắt" in html.split('data-rule="dung-han"')[1].split("</tr>")[0]

    # A refused change says why and changes nothing.
    refused = client.post(url, form | {"nguong": "120", "dang_bat": "1"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Ngưỡng của chỉ số tỷ lệ phải từ 0 đến 100 (%)." in html
    assert 'value="120"' in html and '<details class="ioc-rule-edit" open>' in html
    rule.refresh_from_db()
    assert not rule.is_active and rule.threshold == Decimal("0.9")

    assert client.get(url).status_code == 405
    assert client.post(f"{RULES}khong-co/", form).status_code == 404


# -- History and detail ----------------------------------------------------------------------------


@pytest.fixture
def two_alerts(world, governor):
    """A live overdue alert at the justice department and one at the construction department,
    opened by a real evaluation of the rules."""
    make_rule(governor, world.dept, code="qua-han-stp", name="Quá hạn Sở Tư pháp")
    make_rule(governor, world.dept_b, code="qua-han-sxd", name="Quá hạn Sở Xây dựng")
    overdue(world.dept, "HS-1")
    overdue(world.dept_b, "HS-2")
    assert alerts.evaluate_rules().opened == 2
    return (
        Alert.objects.get(rule__code="qua-han-stp"),
        Alert.objects.get(rule__code="qua-han-sxd"),
    )


def test_history_lists_only_the_alerts_the_person_may_see(world, two_alerts, governor, operator):
    mine, theirs = two_alerts
    html = as_user(world.leader).get(HISTORY).content.decode()
    no_inline_code(html)
    assert "Quá hạn Sở Tư pháp" in html and f"{HISTORY}{mine.pk}/" in html
    assert "Quá hạn Sở Xây dựng" not in html and f"{HISTORY}{theirs.pk}/" not in html
    assert "Quy tắc cảnh báo</a>" not in html  # a leader does not set rules
    everything = as_user(governor).get(HISTORY).content.decode()
    assert "Quá hạn Sở Tư pháp" in everything and "Quá hạn Sở Xây dựng" in everything
    assert f'href="{RULES}"' in everything
    assert as_user(world.one_stop).get(HISTORY).status_code == 403
    assert Client().get(HISTORY).status_code == 302


def test_history_filters_by_state_and_rule_and_pages_by_fifty(world, two_alerts, governor):
    mine, theirs = two_alerts
    alerts.acknowledge(governor, theirs.pk)
    past = timezone.now() - dt.timedelta(days=30)
    Alert.objects.bulk_create(
        Alert(
            rule=mine.rule,
            state="cleared",
            value=Decimal(1),
            threshold=Decimal(0),
            opened_at=past + dt.timedelta(minutes=i),
            cleared_at=past + dt.timedelta(minutes=i + 1),
        )
        for i in range(55)
    )
    client = as_user(governor)
    first = client.get(HISTORY).content.decode()
    assert first.count("<tr data-alert=") == 50 and "57 cảnh báo" in first
    assert "Trang 1/2" in first and "trang=2" in first
    second = client.get(f"{HISTORY}?trang=2").content.decode()
    assert second.count("<tr data-alert=") == 7

    opened = client.get(f"{HISTORY}?trang_thai=open").content.decode()
    assert f'data-alert="{mine.pk}"' in opened and opened.count("<tr data-alert=") == 1
    acknowledged = client.get(f"{HISTORY}?trang_thai=acknowledged").content.decode()
    assert f'data-alert="{theirs.pk}"' in acknowledged and acknowledged.count("<tr data-alert=") == 1
    assert "Phạm Điều Hành" in acknowledged
    cleared = client.get(f"{HISTORY}?trang_thai=cleared&trang=2").content.decode()
    assert cleared.count("<tr data-alert=") == 5 and "trang_thai=cleared&amp;trang=1" in cleared
    assert client.get(f"{HISTORY}?trang_thai=bogus").content.decode().count("<tr data-alert=") == 50

    by_rule = client.get(f"{HISTORY}?quy_tac=qua-han-sxd").content.decode()
    assert by_rule.count("<tr data-alert=") == 1 and f'data-alert="{theirs.pk}"' in by_rule
    assert "<tr data-alert=" not in client.get(f"{HISTORY}?quy_tac=khong-co").content.decode()


def test_detail_shows_the_rule_values_and_the_whole_log(world, two_alerts, governor, operator_b):
    mine, theirs = two_alerts
    # The KPI comes back, then goes over again: the first alert has cleared.
    ioc.sync_open_item("onestop", "HS-1", None)
    alerts.evaluate_rules()
    mine.refresh_from_db()
    assert mine.state == "cleared"

    response = as_user(world.leader).get(f"{HISTORY}{mine.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    no_inline_code(html)
    assert "Quá hạn Sở Tư pháp" in html and "<code>qua-han-stp</code>" in html and "Sở Tư pháp" in html
    assert "Lớn hơn 0" in html and "Đã hết" in html
    kinds = re.findall(r'data-log="([a-z]+)"', html)
    assert kinds == ["opened", "cleared"]
    assert "Phát sinh cảnh báo" in html and "Cảnh báo đã hết" in html and "Hệ thống" in html
    assert "Tiếp nhận</button>" not in html  # nothing to acknowledge on a cleared alert

    # Another agency's alert does not exist for them.
    assert as_user(operator_b).get(f"{HISTORY}{mine.pk}/").status_code == 404
    assert as_user(world.leader).get(f"{HISTORY}{theirs.pk}/").status_code == 404
    assert as_user(world.leader).get(f"{HISTORY}999999/").status_code == 404


def test_acknowledging_from_the_detail_page_records_the_person(world, two_alerts, operator_b):
    mine, theirs = two_alerts
    leader = as_user(world.leader)
    page = f"{HISTORY}{mine.pk}/"
    url = f"{HISTORY}{mine.pk}/tiep-nhan-tai-trang/"
    html = leader.get(page).content.decode()
    assert f'action="{url}"' in html and "Tiếp nhận</button>" in html

    # Another agency's officer: no such alert; nothing changes.
    assert as_user(operator_b).post(url, {"ghi_chu": "x"}).status_code == 404
    assert as_user(world.one_stop).post(url).status_code == 403
    assert Client().post(url).status_code == 302
    mine.refresh_from_db()
    assert mine.state == "open" and mine.acknowledged_by is None

    response = leader.post(url, {"ghi_chu": "Đã giao phòng nghiệp vụ"})
    assert response.status_code == 302 and response["Location"] == page
    mine.refresh_from_db()
    assert mine.state == "acknowledged" and mine.acknowledged_by == world.leader
    assert mine.acknowledged_at is not None
    html = leader.get(page).content.decode()
    assert "Đã tiếp nhận cảnh báo." in html
    assert re.findall(r'data-log="([a-z]+)"', html) == ["opened", "acknowledged"]
    assert "Đã giao phòng nghiệp vụ" in html and "Tiếp nhận cảnh báo" in html
    assert f"<dd data-acknowledged-by>{world.leader.full_name}</dd>" in html
    assert "Tiếp nhận</button>" not in html

    # Again: refused with the reason, nothing recorded twice.
    again = leader.post(url, follow=True).content.decode()
    assert "Cảnh báo đã được tiếp nhận." in again
    assert mine.log.filter(kind="acknowledged").count() == 1
    assert leader.get(url).status_code == 405


# -- Links from the dashboard ------------------------------------------------------------------------


def test_alerts_panel_links_to_history_and_for_operators_to_rules(world, governor):
    leader = as_user(world.leader).get(f"{BASE}khung/canh-bao/").content.decode()
    assert f'href="{HISTORY}"' in leader and "Lịch sử cảnh báo" in leader
    assert f'href="{RULES}"' not in leader
    operator = as_user(governor).get(f"{BASE}khung/canh-bao/").content.decode()
    assert f'href="{HISTORY}"' in operator and f'href="{RULES}"' in operator
