"""The IOC's field-report source: kept up to date from events, equal to a rebuild from history.

Property: after any sequence of real feedback service calls (submit, acknowledge, assign, start,
resolve, reopen, confirm, auto-close, reject, transfer, re-route, merge), with the events
delivered at random moments and in random order, the incremental counters and open items equal
what ``rebuild`` computes from the reports' history, cell by cell.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tinhso.core.errors import DomainError
from tinhso.core.events import services as event_services
from tinhso.core.events.models import EventStatus, OutboxEvent
from tinhso.core.permissions import SYSTEM
from tinhso.dossiers.tests.conftest import deliver_events
from tinhso.feedback import services
from tinhso.feedback.models import RejectionKind, Report, ReportEvent, ReportStatus
from tinhso.feedback.models import ReportStatus as S
from tinhso.feedback.tests import conftest as field_world
from tinhso.feedback.tests.conftest import MONDAY_MORNING
from tinhso.ioc import selectors
from tinhso.ioc import services as ioc
from tinhso.ioc.models import Counter, OpenItem

pytestmark = pytest.mark.django_db

# The field-report tests' small city (wards, agencies, officers, categories), as fixtures of this
# module: the IOC's own conftest provides the one-stop office's ``world`` instead.
units, city, construction = field_world.units, field_world.city, field_world.construction
ward_vt, ward_nb = field_world.ward_vt, field_world.ward_nb
officer_vt, officer_nb, leader_vt = field_world.officer_vt, field_world.officer_nb, field_world.leader_vt
citizen, lights, building = field_world.citizen, field_world.lights, field_world.building
jpeg, submit = field_world.jpeg, field_world.submit

RESPONSE = "Đã thay bóng đèn mới, đèn sáng bình thường trở lại."
REASON = "Lý do kiểm tra thử nghiệm đủ dài."


def deliver_some(rng: random.Random) -> None:
    """Deliver a random part of the pending events, in a random order (the rest stays late)."""
    pending = list(OutboxEvent.objects.filter(status=EventStatus.PENDING).values_list("id", flat=True))
    rng.shuffle(pending)
    for event_id in pending[: rng.randrange(0, len(pending) + 1)]:
        event_services.deliver_event(event_id)


@pytest.fixture
def handlers(make_officer, officer_vt, officer_nb, construction, ward_vt, ward_nb):
    """The officer each agency assigns its reports to."""
    builder = make_officer(username="xd.chuyenvien", roles=[(construction, "specialist")])
    return {ward_vt.pk: officer_vt, ward_nb.pk: officer_nb, construction.pk: builder}


def _step(rng, *, reports, submit, citizen, handlers, ward_vt, ward_nb, building, lights, when):
    """One service call: mostly the natural next step of a random report, sometimes a disruption
    (rejection, transfer, re-routing, merge, automatic closing) or a new report."""
    live = [
        r
        for r in Report.objects.filter(pk__in=[r.pk for r in reports])
        if r.merged_into_id is None and r.status not in (S.CLOSED, S.REJECTED)
    ]
    if not live or rng.random() < 0.15:
        reports.append(submit(now=when, unit=rng.choice(["31321", "31340", None])))
        return
    report = rng.choice(live)
    other = ward_nb if report.agency_id != ward_nb.pk else ward_vt
    if rng.random() < 0.25:
        action = rng.choice(
            ["reject", "transfer", "reroute_category", "reroute_agency", "merge", "auto_close"]
        )
    else:
        action = {
            S.NEW: "acknowledge",
            S.ACKNOWLEDGED: "assign",
            S.ASSIGNED: "start",
            S.REOPENED: "start",
            S.IN_PROGRESS: "resolve",
            S.RESOLVED: rng.choice(["reopen", "reopen", "confirm", "auto_close"]),
        }[report.status]
    if action == "acknowledge":
        services.acknowledge_report(actor=SYSTEM, report=report, now=when)
    elif action == "assign":
        services.assign_report(actor=SYSTEM, report=report, assignee=handlers[report.agency_id], now=when)
    elif action == "start":
        services.start_report(actor=SYSTEM, report=report, now=when)
    elif action == "resolve":
        services.resolve_report(actor=SYSTEM, report=report, response=RESPONSE, now=when)
    elif action == "reopen":
        services.reopen_report(actor=citizen, report=report, reason=REASON, now=when)
    elif action == "confirm":
        services.confirm_resolution(actor=citizen, report=report, now=when)
    elif action == "auto_close":
        services.close_stale_reports(actor=SYSTEM, now=when, days=rng.choice([0, 2]))
    elif action == "reject":
        kind = rng.choice([RejectionKind.SPAM, RejectionKind.NOT_COMPETENT, RejectionKind.OTHER])
        services.reject_report(actor=SYSTEM, report=report, rejection_kind=kind, reason=REASON, now=when)
    elif action == "transfer":
        services.transfer_report(actor=SYSTEM, report=report, agency=other, reason=REASON, now=when)
    elif action == "reroute_category":
        category = building if report.category_id == lights.pk else lights
        services.reroute_report(actor=SYSTEM, report=report, category=category, reason=REASON, now=when)
    elif action == "reroute_agency":
        services.reroute_report(actor=SYSTEM, report=report, agency=other, reason=REASON, now=when)
    elif action == "merge":
        others = [r for r in live if r.pk != report.pk]
        if others:
            services.merge_reports(actor=SYSTEM, main=report, duplicates=rng.sample(others, 1))


def _tables():
    counters = {
        (c.grain, c.metric, c.day, c.agency_id, c.unit_id, c.subject, c.value)
        # A reopened report leaves zero cells behind (added, then taken away); a rebuild omits them.
        for c in Counter.objects.filter(source="feedback").exclude(value=0)
    }
    items = set(
        OpenItem.objects.filter(source="feedback").values_list(
            "key", "agency_id", "unit_id", "subject", "opened_at", "due_at"
        )
    )
    return counters, items


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_incremental_equals_rebuild_after_random_sequences(
    seed, submit, citizen, handlers, ward_vt, ward_nb, building, lights
):
    rng = random.Random(seed)
    reports: list[Report] = []
    when = MONDAY_MORNING
    done = 0
    for _ in range(90):
        when += dt.timedelta(hours=rng.randrange(1, 40))
        try:
            _step(
                rng,
                reports=reports,
                submit=submit,
                citizen=citizen,
                handlers=handlers,
                ward_vt=ward_vt,
                ward_nb=ward_nb,
                building=building,
                lights=lights,
                when=when,
            )
            done += 1
        except DomainError:  # not allowed from the report's status (or merged): nothing happened
            pass
        if rng.random() < 0.4:
            deliver_some(rng)
    deliver_events()
    assert done > 60
    statuses = set(Report.objects.values_list("status", flat=True))
    assert len(statuses) >= 3, statuses
    assert ReportEvent.objects.filter(kind="resolved").exists()
    assert Counter.objects.filter(source="feedback", metric="feedback.received").exists()
    assert ioc.check("feedback") == []
    before = _tables()
    ioc.rebuild("feedback")
    assert _tables() == before
    assert ioc.check() == []


def test_reopened_and_resolved_again_counts_once_on_the_first_day(submit, officer_vt, citizen):
    report = submit(now=MONDAY_MORNING)
    services.acknowledge_report(actor=SYSTEM, report=report, now=MONDAY_MORNING)
    services.assign_report(actor=SYSTEM, report=report, assignee=officer_vt, now=MONDAY_MORNING)
    services.start_report(actor=officer_vt, report=report, now=MONDAY_MORNING)
    first = MONDAY_MORNING + dt.timedelta(days=1)
    services.resolve_report(actor=officer_vt, report=report, response=RESPONSE, now=first)
    services.reopen_report(actor=citizen, report=report, reason=REASON, now=first + dt.timedelta(days=1))
    # Delivered in reverse: the reopening before the resolution.
    for event_id in (
        OutboxEvent.objects.filter(status=EventStatus.PENDING)
        .order_by("-occurred_at")
        .values_list("id", flat=True)
    ):
        event_services.deliver_event(event_id)
    assert not Counter.objects.filter(metric="feedback.resolved").exclude(value=0).exists()
    services.start_report(actor=officer_vt, report=report, now=first + dt.timedelta(days=2))
    services.resolve_report(
        actor=officer_vt, report=report, response=RESPONSE, now=first + dt.timedelta(days=20)
    )
    deliver_events()
    resolved = Counter.objects.get(grain="d", metric="feedback.resolved")
    assert (resolved.day, resolved.value) == (first.date(), 1)
    assert Counter.objects.get(grain="d", metric="feedback.resolved_on_time").value == 1
    assert ioc.check("feedback") == []


def test_the_overview_counts_what_happened(submit, officer_vt, leader_vt, ward_vt):
    from django.contrib.auth.models import AnonymousUser

    from tinhso.core.errors import PermissionDenied

    day = MONDAY_MORNING
    first = submit(now=day)
    submit(now=day + dt.timedelta(hours=1))
    spam = submit(now=day + dt.timedelta(hours=2))
    services.reject_report(
        actor=leader_vt, report=spam, rejection_kind=RejectionKind.SPAM, reason=REASON, now=day
    )
    for step in (services.acknowledge_report,):
        step(actor=leader_vt, report=first, now=day + dt.timedelta(hours=3))
    services.assign_report(
        actor=leader_vt, report=first, assignee=officer_vt, now=day + dt.timedelta(hours=3)
    )
    services.start_report(actor=officer_vt, report=first, now=day + dt.timedelta(hours=4))
    services.resolve_report(
        actor=officer_vt, report=first, response=RESPONSE, now=day + dt.timedelta(hours=5)
    )
    deliver_events()
    now = day + dt.timedelta(hours=8)
    values = {v.code: v for v in selectors.overview(SYSTEM, period="today", now=now)}
    assert values["feedback.received"].value == 3
    assert values["feedback.resolved"].value == 1
    assert values["feedback.on_time_rate"].value == 1.0
    assert values["feedback.in_progress"].value == 1
    assert values["feedback.overdue_now"].value == 0
    assert Counter.objects.get(grain="d", metric="feedback.spam").value == 1
    assert Report.objects.get(pk=first.pk).status == ReportStatus.RESOLVED
    later = {v.code: v for v in selectors.overview(SYSTEM, period="month", now=day + dt.timedelta(days=30))}
    assert later["feedback.overdue_now"].value == 1

    rows = selectors.breakdown(
        SYSTEM,
        "feedback.received",
        by="agency",
        date_from=day.date(),
        date_to=day.date(),
    )
    assert [(row.code, row.value) for row in rows] == [(ward_vt.code, 3)]
    (by_category,) = selectors.breakdown(
        SYSTEM, "feedback.received", by="subject", date_from=day.date(), date_to=day.date()
    )
    assert (by_category.code, by_category.name, by_category.value) == ("den-duong", "Đèn đường hư hỏng", 3)
    assert (
        by_category.drill_url.startswith("/phan-anh/xu-ly/?")
        and "linh-vuc=den-duong" in by_category.drill_url
    )

    public = {v.code: v for v in selectors.overview(AnonymousUser(), period="today", now=now)}
    assert {"feedback.received", "feedback.resolved", "feedback.on_time_rate", "feedback.in_progress"} <= set(
        public
    )
    assert "feedback.overdue_now" not in public
    assert public["feedback.received"].value == 3
    with pytest.raises(PermissionDenied):
        selectors.breakdown(
            AnonymousUser(), "feedback.received", by="agency", date_from=day.date(), date_to=day.date()
        )
    assert ioc.check("feedback") == []


def test_a_category_change_after_a_reopening_moves_nothing_already_counted(
    submit, officer_vt, citizen, handlers, building, construction
):
    """Re-routing to a category with a longer deadline after a late first resolution: the
    counters keep the submitted category and the first resolution stays late."""
    report = submit(now=MONDAY_MORNING)  # street lights: 5 working days
    services.acknowledge_report(actor=SYSTEM, report=report, now=MONDAY_MORNING)
    services.assign_report(actor=SYSTEM, report=report, assignee=officer_vt, now=MONDAY_MORNING)
    services.start_report(actor=SYSTEM, report=report, now=MONDAY_MORNING)
    late = MONDAY_MORNING + dt.timedelta(days=10)
    assert late > Report.objects.get(pk=report.pk).due_at
    services.resolve_report(actor=SYSTEM, report=report, response=RESPONSE, now=late)
    deliver_events()
    services.reopen_report(actor=citizen, report=report, reason=REASON, now=late + dt.timedelta(hours=1))
    services.reroute_report(
        actor=SYSTEM, report=report, category=building, reason=REASON, now=late + dt.timedelta(hours=2)
    )
    report = Report.objects.get(pk=report.pk)
    assert report.agency_id == construction.pk and late <= report.due_at  # on time by the new deadline
    services.acknowledge_report(actor=SYSTEM, report=report, now=late + dt.timedelta(hours=3))
    services.assign_report(
        actor=SYSTEM, report=report, assignee=handlers[construction.pk], now=late + dt.timedelta(hours=3)
    )
    services.start_report(actor=SYSTEM, report=report, now=late + dt.timedelta(hours=3))
    services.resolve_report(actor=SYSTEM, report=report, response=RESPONSE, now=late + dt.timedelta(hours=4))
    deliver_events()
    cells = {
        (c.metric, c.subject, c.day)
        for c in Counter.objects.filter(source="feedback", grain="d").exclude(value=0)
    }
    assert cells == {
        ("feedback.received", "den-duong", MONDAY_MORNING.date()),
        ("feedback.resolved", "den-duong", late.date()),
    }
    assert OpenItem.objects.filter(source="feedback").count() == 0
    assert ioc.check("feedback") == []
    ioc.rebuild("feedback")
    assert ioc.check("feedback") == []
    assert not Counter.objects.filter(metric="feedback.resolved_on_time").exclude(value=0).exists()
