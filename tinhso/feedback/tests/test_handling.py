"""Handling reports: the whole life of a report, who may do each step, transfer, re-routing,
reopening once, automatic closing, deadlines and overdue, duplicates and merging, moderation."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tinhso.core.audit.models import AuditRecord
from tinhso.core.errors import PermissionDenied, ValidationFailed
from tinhso.core.events.models import OutboxEvent
from tinhso.core.permissions import ANONYMOUS, SYSTEM
from tinhso.feedback import representations, selectors, services
from tinhso.feedback.errors import NotAssignee, ReopenLimit, ReportMerged
from tinhso.feedback.models import Report, ReportStatus
from tinhso.feedback.states import InvalidTransition
from tinhso.feedback.tests.conftest import MONDAY_MORNING, NGA_BAY, VI_THANH, VN, in_status

pytestmark = pytest.mark.django_db

RESPONSE = "Đã thay bóng đèn mới, đèn sáng bình thường từ tối nay."
REASON = "Lý do đủ dài để ghi nhận vào hồ sơ xử lý."


def _payload(name):
    return OutboxEvent.objects.filter(name=name).order_by("occurred_at", "id").last().payload


def test_the_whole_life_of_a_report(submit, officer_vt, officer_vt2, citizen, jpeg):
    report = submit()
    services.acknowledge_report(actor=officer_vt2, report=report, note="Đã xem")
    services.assign_report(actor=officer_vt2, report=report, assignee=officer_vt)
    assert report.status == ReportStatus.ASSIGNED and report.assignee == officer_vt
    services.start_report(actor=officer_vt, report=report)
    services.resolve_report(actor=officer_vt, report=report, response=RESPONSE, photos=[jpeg(gps=True)])
    assert report.status == ReportStatus.RESOLVED
    assert report.photos.filter(kind="result").count() == 1
    services.confirm_resolution(actor=citizen, report=report)
    stored = Report.objects.get(pk=report.pk)
    assert stored.status == ReportStatus.CLOSED and stored.close_kind == "confirmed"
    kinds = list(stored.history.values_list("kind", flat=True))
    assert kinds == ["submitted", "routed", "acknowledged", "assigned", "started", "resolved", "closed"]
    actions = list(
        AuditRecord.objects.filter(object_id=report.public_id)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "feedback.report_submitted",
        "feedback.report_acknowledged",
        "feedback.report_assigned",
        "feedback.report_started",
        "feedback.report_resolved",
        "feedback.report_closed",
    ]
    names = list(
        OutboxEvent.objects.filter(name__startswith="feedback.report").values_list("name", flat=True)
    )
    for name in ("acknowledged", "assigned", "started", "resolved", "closed"):
        assert f"feedback.report_{name}" in names
    assert _payload("feedback.report_closed") == {
        "report_id": report.public_id,
        "agency_code": "000.00.41.H13",
        "automatically": False,
        "merged_report_ids": [],
    }


def test_public_timeline_holds_no_personal_data(submit, officer_vt, leader_vt):
    report = submit(address="Nhà số 12, hẻm 3, đường Trần Hưng Đạo")
    services.acknowledge_report(actor=leader_vt, report=report, note="Gọi cho anh Thành 0912345678")
    services.assign_report(actor=leader_vt, report=report, assignee=officer_vt)
    public = representations.public_view(
        selectors.get_public_report(report.public_id), timeline=selectors.public_timeline(report)
    )
    text = repr(public)
    for secret in ("0912345678", "Bùi Văn Lợi", "Nguyễn Văn Thành", "hẻm 3", "Gọi cho"):
        assert secret not in text
    assert public.address is None and public.reporter_name is None
    assert [t.by for t in public.timeline][-1] == "Ủy ban nhân dân phường Vị Thanh"
    internal = representations.internal_view(report, timeline=selectors.internal_timeline(report))
    assert "Gọi cho anh Thành" in repr(internal) and internal.address_full.startswith("Nhà số 12")


def test_identity_public_shows_name_and_address(submit):
    report = submit(identity_public=True, address="Trước chợ Vị Thanh")
    public = representations.public_view(selectors.get_public_report(report.public_id))
    assert public.reporter_name == "Nguyễn Văn Thành" and public.address == "Trước chợ Vị Thanh"


def test_assignee_must_handle_reports_in_the_agency(submit, leader_vt, officer_nb, citizen):
    report = in_status(submit(), ReportStatus.ACKNOWLEDGED)
    for wrong in (officer_nb, citizen):
        with pytest.raises(ValidationFailed) as raised:
            services.assign_report(actor=leader_vt, report=report, assignee=wrong)
        assert raised.value.code == "feedback.invalid_assignee"
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ACKNOWLEDGED


def test_only_the_assignee_or_a_leader_starts_and_resolves(submit, officer_vt, officer_vt2, leader_vt):
    report = in_status(submit(), ReportStatus.ASSIGNED, assignee=officer_vt)
    with pytest.raises(NotAssignee) as raised:
        services.start_report(actor=officer_vt2, report=report)
    assert raised.value.status == 403 and raised.value.code == "feedback.not_assignee"
    services.start_report(actor=leader_vt, report=report)  # a leader may step in
    with pytest.raises(NotAssignee):
        services.resolve_report(actor=officer_vt2, report=report, response=RESPONSE)
    services.resolve_report(actor=officer_vt, report=report, response=RESPONSE)
    assert report.status == ReportStatus.RESOLVED


def test_resolve_needs_a_public_response(submit, officer_vt):
    report = in_status(submit(), ReportStatus.IN_PROGRESS, assignee=officer_vt)
    with pytest.raises(ValidationFailed) as raised:
        services.resolve_report(actor=officer_vt, report=report, response="xong")
    assert raised.value.code == "feedback.invalid_response"


def test_reject_records_kind_and_public_reason(submit, leader_vt):
    report = submit()
    services.reject_report(actor=leader_vt, report=report, rejection_kind="not_competent", reason=REASON)
    assert report.status == ReportStatus.REJECTED and report.response == REASON
    with pytest.raises(ValidationFailed) as raised:
        services.reject_report(actor=leader_vt, report=submit(), rejection_kind="because", reason=REASON)
    assert raised.value.code == "feedback.invalid_rejection_kind"


def test_spam_is_not_published(submit, leader_vt):
    report = submit()
    services.reject_report(
        actor=leader_vt,
        report=report,
        rejection_kind="spam",
        reason="Nội dung quảng cáo, không phải phản ánh.",
    )
    with pytest.raises(Exception) as raised:
        selectors.get_public_report(report.public_id)
    assert raised.value.code == "feedback.not_found"
    assert not selectors.public_reports().filter(pk=report.pk).exists()


def test_reopen_only_once_and_only_by_the_reporter(submit, officer_vt, citizen, other_citizen):
    report = in_status(submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    with pytest.raises(PermissionDenied):
        services.reopen_report(actor=other_citizen, report=report, reason=REASON)
    with pytest.raises(PermissionDenied):
        services.confirm_resolution(actor=officer_vt, report=report)
    with pytest.raises(ValidationFailed):
        services.reopen_report(actor=citizen, report=report, reason="ngắn")
    services.reopen_report(actor=citizen, report=report, reason=REASON)
    assert report.status == ReportStatus.REOPENED and report.reopen_count == 1 and report.resolved_at is None
    services.start_report(actor=officer_vt, report=report)
    services.resolve_report(actor=officer_vt, report=report, response=RESPONSE)
    with pytest.raises(ReopenLimit) as raised:
        services.reopen_report(actor=citizen, report=report, reason=REASON)
    assert raised.value.status == 409
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RESOLVED


def test_anonymous_reporter_cannot_confirm(anonymous_submit, officer_vt):
    report = in_status(anonymous_submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    with pytest.raises(PermissionDenied):
        services.confirm_resolution(actor=ANONYMOUS, report=report)


def test_close_stale_closes_after_n_days(submit, officer_vt, settings):
    settings.FEEDBACK_AUTO_CLOSE_DAYS = 7
    resolved_at = datetime(2026, 3, 10, 9, 0, tzinfo=VN)
    old = in_status(submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    Report.objects.filter(pk=old.pk).update(resolved_at=resolved_at)
    recent = in_status(submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    Report.objects.filter(pk=recent.pk).update(resolved_at=resolved_at + timedelta(days=3))
    open_one = submit()
    closed = services.close_stale_reports(actor=SYSTEM, now=resolved_at + timedelta(days=8))
    assert closed == [old.public_id]
    old.refresh_from_db()
    assert old.status == ReportStatus.CLOSED and old.close_kind == "automatic"
    assert Report.objects.get(pk=recent.pk).status == ReportStatus.RESOLVED
    assert Report.objects.get(pk=open_one.pk).status == ReportStatus.NEW
    assert _payload("feedback.report_closed")["automatically"] is True
    # Running again closes nothing more (idempotent).
    assert services.close_stale_reports(actor=SYSTEM, now=resolved_at + timedelta(days=8)) == []


def test_close_stale_needs_oversight(officer_vt):
    with pytest.raises(PermissionDenied):
        services.close_stale_reports(actor=officer_vt)


# --- Deadlines ------------------------------------------------------------------------------------


def test_overdue_and_on_time(submit, officer_vt):
    report = submit()  # due Mon 9 March 2026 09:00
    due = report.due_at
    assert not selectors.is_overdue(report, due - timedelta(minutes=1))
    assert selectors.is_overdue(report, due + timedelta(minutes=1))
    assert (
        selectors.reports_for_handler(
            SYSTEM, selectors.ReportFilters(overdue=True), now=due + timedelta(hours=1)
        ).count()
        == 1
    )
    assert (
        selectors.reports_for_handler(
            SYSTEM, selectors.ReportFilters(overdue=True), now=due - timedelta(hours=1)
        ).count()
        == 0
    )
    in_status(report, ReportStatus.IN_PROGRESS, assignee=officer_vt)
    services.resolve_report(actor=officer_vt, report=report, response=RESPONSE, now=due + timedelta(days=1))
    assert not selectors.is_overdue(report, due + timedelta(days=5))  # resolved: no longer owed
    assert _payload("feedback.report_resolved")["on_time"] is False
    stats = selectors.statistics(now=due + timedelta(days=5))
    assert (stats["resolved"], stats["resolved_on_time"], stats["on_time_rate"]) == (1, 0, 0.0)


def test_overdue_with_patched_clock(submit, monkeypatch):
    report = submit()
    monkeypatch.setattr(timezone, "now", lambda: report.due_at + timedelta(seconds=1))
    assert selectors.is_overdue(report)
    view = representations.public_view(selectors.get_public_report(report.public_id))
    assert view.overdue is True


def test_statistics(submit, officer_vt, leader_vt, anonymous_submit, construction):
    on_time = in_status(submit(), ReportStatus.IN_PROGRESS, assignee=officer_vt)
    services.resolve_report(
        actor=officer_vt, report=on_time, response=RESPONSE, now=MONDAY_MORNING + timedelta(days=1)
    )
    late = in_status(submit(), ReportStatus.IN_PROGRESS, assignee=officer_vt)
    services.resolve_report(
        actor=officer_vt, report=late, response=RESPONSE, now=MONDAY_MORNING + timedelta(days=30)
    )
    submit(latitude=NGA_BAY[0], longitude=NGA_BAY[1], unit="31340")
    spam = submit()
    services.reject_report(
        actor=leader_vt, report=spam, rejection_kind="spam", reason="Quảng cáo, không phải phản ánh."
    )
    stats = selectors.statistics(now=MONDAY_MORNING + timedelta(days=40))
    assert stats["total"] == 3  # spam not counted
    assert stats["by_status"]["resolved"] == 2 and stats["by_status"]["new"] == 1
    assert stats["resolved"] == 2 and stats["resolved_on_time"] == 1 and stats["on_time_rate"] == 0.5
    assert stats["overdue_now"] == 1
    assert {row["code"]: row["count"] for row in stats["by_unit"]} == {"31321": 2, "31340": 1}
    assert stats["by_category"] == [{"code": "den-duong", "name": "Đèn đường hư hỏng", "count": 3}]
    only_nga_bay = selectors.statistics(selectors.ReportFilters(unit="31340"))
    assert only_nga_bay["total"] == 1 and only_nga_bay["on_time_rate"] is None


# --- Transfer and re-routing -------------------------------------------------------------------------


def test_transfer_moves_the_report_and_the_old_agency_loses_it(
    submit, officer_vt, leader_vt, ward_nb, officer_nb
):
    report = in_status(submit(), ReportStatus.ASSIGNED, assignee=officer_vt)
    due = report.due_at
    services.transfer_report(actor=leader_vt, report=report, agency=ward_nb, reason=REASON)
    report.refresh_from_db()
    assert report.agency == ward_nb and report.status == ReportStatus.NEW and report.assignee is None
    assert report.due_at == due  # the reporter's clock does not restart
    with pytest.raises(PermissionDenied):
        services.acknowledge_report(actor=officer_vt, report=report)
    services.acknowledge_report(actor=officer_nb, report=report)
    assert _payload("feedback.report_transferred") == {
        "report_id": report.public_id,
        "from_agency_code": "000.00.41.H13",
        "to_agency_code": "000.00.44.H13",
        "merged_report_ids": [],
    }
    entry = report.history.get(kind="transferred")
    assert "phường Ngã Bảy" in entry.public_note and entry.internal_note == REASON


def test_transfer_refusals(submit, leader_vt, ward_vt, officer_nb, ward_nb, make_agency):
    report = submit()
    with pytest.raises(ValidationFailed) as raised:
        services.transfer_report(actor=leader_vt, report=report, agency=ward_vt, reason=REASON)
    assert raised.value.code == "feedback.same_agency"
    closed = make_agency(name="Cơ quan đã giải thể", valid_to=datetime(2025, 6, 30).date())
    with pytest.raises(ValidationFailed) as raised:
        services.transfer_report(actor=leader_vt, report=report, agency=closed, reason=REASON)
    assert raised.value.code == "feedback.agency_closed"
    with pytest.raises(ValidationFailed):
        services.transfer_report(actor=leader_vt, report=report, agency=ward_nb, reason="")
    with pytest.raises(PermissionDenied):  # another agency's officer
        services.transfer_report(actor=officer_nb, report=report, agency=ward_nb, reason=REASON)
    assert Report.objects.get(pk=report.pk).agency == ward_vt


def test_reroute_by_operators_only(submit, leader_vt, admin, city_leader, ward_nb, construction, building):
    report = submit()
    with pytest.raises(PermissionDenied):  # a ward leader is not a provincial operator
        services.reroute_report(actor=leader_vt, report=report, agency=ward_nb, reason=REASON)
    services.reroute_report(actor=city_leader, report=report, agency=ward_nb, reason=REASON)
    assert Report.objects.get(pk=report.pk).agency == ward_nb
    # Another category: the deadline follows the new category's days, counted from submission.
    services.reroute_report(actor=admin, report=report, category=building, reason=REASON)
    report.refresh_from_db()
    assert report.category == building and report.agency == construction
    assert report.due_at == services.handling.calendar.add_working_days(report.received_at, 10)
    payload = _payload("feedback.report_routed")
    assert payload["via"] == "operator" and payload["previous_agency_code"] == "000.00.44.H13"
    with pytest.raises(ValidationFailed) as raised:
        services.reroute_report(actor=admin, report=report, reason=REASON)
    assert raised.value.code == "feedback.nothing_to_change"


# --- Duplicates and merging ---------------------------------------------------------------------------


def _nearby(lat, lon, metres_north):
    return lat + metres_north / 111_195.0, lon


def test_possible_duplicates(submit, lights, building, leader_vt, officer_nb):
    main = submit()
    near = submit(latitude=_nearby(*VI_THANH, 60)[0], longitude=VI_THANH[1])
    far = submit(latitude=_nearby(*VI_THANH, 150)[0], longitude=VI_THANH[1])
    later = submit(now=MONDAY_MORNING + timedelta(days=20))
    other_category = submit(category=building, attributes={}, photos=[])
    closed = in_status(submit(), ReportStatus.CLOSED)
    found = selectors.possible_duplicates(main)
    assert [d.report for d in found] == [near]
    assert 55 < found[0].distance_m < 65
    assert {d.report for d in selectors.possible_duplicates(main, radius_m=200)} == {near, far}
    assert later not in {d.report for d in selectors.possible_duplicates(main, days=14, radius_m=5)}
    assert {d.report for d in selectors.possible_duplicates(main, days=30, radius_m=5)} == {later}
    assert other_category not in {
        d.report for d in selectors.possible_duplicates(main, radius_m=5000, days=90)
    }
    assert closed not in {d.report for d in selectors.possible_duplicates(main, radius_m=5000, days=90)}
    # A handler sees only the duplicates it could merge.
    assert selectors.possible_duplicates(main, actor=leader_vt) == found
    assert selectors.possible_duplicates(main, actor=officer_nb) == []
    assert selectors.possible_duplicates(submit(latitude=None, longitude=None)) == []


def test_bounding_box_never_loses_a_point_of_the_circle():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tinhso.feedback.geography import box_around, haversine_m

    @settings(max_examples=300, deadline=None)
    @given(
        lat=st.floats(9.0, 10.5),
        lon=st.floats(105.0, 106.5),
        radius=st.floats(1, 5000),
        bearing=st.floats(0, 360),
        fraction=st.floats(0, 0.999),
    )
    def check(lat, lon, radius, bearing, fraction):
        import math

        # The point at distance radius*fraction in direction bearing (spherical destination formula).
        r = 6_371_008.8
        d = radius * fraction / r
        phi1, lam1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
        phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(theta))
        lam2 = lam1 + math.atan2(
            math.sin(theta) * math.sin(d) * math.cos(phi1), math.cos(d) - math.sin(phi1) * math.sin(phi2)
        )
        plat, plon = math.degrees(phi2), math.degrees(lam2)
        assert haversine_m(lat, lon, plat, plon) <= radius + 1e-6
        min_lat, min_lon, max_lat, max_lon = box_around(lat, lon, radius)
        assert min_lat <= plat <= max_lat and min_lon <= plon <= max_lon

    check()


def test_merge_makes_duplicates_follow_the_main_report(
    submit, anonymous_submit, officer_vt, leader_vt, citizen
):
    main = submit()
    dup1 = anonymous_submit()
    dup2 = submit()
    services.acknowledge_report(actor=leader_vt, report=main)
    services.merge_reports(actor=leader_vt, main=main, duplicates=[dup1, dup2], note="Cùng một cột đèn")
    for dup in (dup1, dup2):
        dup.refresh_from_db()
        assert dup.merged_into == main and dup.status == ReportStatus.ACKNOWLEDGED
    assert _payload("feedback.reports_merged") == {
        "main_report_id": main.public_id,
        "duplicate_report_ids": [dup1.public_id, dup2.public_id],
        "agency_code": "000.00.41.H13",
    }
    # The main report's steps carry the followers, whose status mirrors it.
    services.assign_report(actor=leader_vt, report=main, assignee=officer_vt)
    assert _payload("feedback.report_assigned")["merged_report_ids"] == [dup1.public_id, dup2.public_id]
    services.start_report(actor=officer_vt, report=main)
    services.resolve_report(actor=officer_vt, report=main, response=RESPONSE)
    assert set(Report.objects.filter(merged_into=main).values_list("status", flat=True)) == {
        ReportStatus.RESOLVED
    }
    # A merged duplicate takes no action of its own.
    with pytest.raises(ReportMerged) as raised:
        services.confirm_resolution(actor=citizen, report=dup2)
    assert raised.value.code == "feedback.report_merged" and raised.value.status == 409
    public = representations.public_view(selectors.get_public_report(dup1.public_id))
    assert public.merged_into == main.public_id and public.status == "resolved"
    assert representations.internal_view(main).duplicate_ids == [dup1.public_id, dup2.public_id]
    # Statistics count the main report only.
    assert selectors.statistics()["total"] == 1


def test_merge_flattens_chains_and_refuses_bad_sets(submit, leader_vt, officer_nb, ward_nb):
    a, b, c = submit(), submit(), submit()
    services.merge_reports(actor=leader_vt, main=b, duplicates=[c])
    services.merge_reports(actor=leader_vt, main=a, duplicates=[b])
    assert Report.objects.get(pk=c.pk).merged_into_id == a.pk  # no chain c → b → a
    twice = submit()
    for bad in ([], [a], [twice, twice]):
        with pytest.raises(ValidationFailed) as raised:
            services.merge_reports(actor=leader_vt, main=a, duplicates=bad)
        assert raised.value.code == "feedback.invalid_merge"
    with pytest.raises(ReportMerged):
        services.merge_reports(actor=leader_vt, main=a, duplicates=[b])
    closed = in_status(submit(), ReportStatus.CLOSED)
    with pytest.raises(ValidationFailed):
        services.merge_reports(actor=leader_vt, main=a, duplicates=[closed])
    elsewhere = submit(latitude=NGA_BAY[0], longitude=NGA_BAY[1], unit="31340")
    assert elsewhere.agency == ward_nb
    with pytest.raises(PermissionDenied):  # the actor does not handle the other agency's report
        services.merge_reports(actor=leader_vt, main=a, duplicates=[elsewhere])
    assert Report.objects.get(pk=elsewhere.pk).merged_into is None


# --- Moderation and contacts ------------------------------------------------------------------------


def test_moderation_hides_from_the_public_only(
    submit, officer_vt, officer_vt2, leader_vt, admin, officer_nb, citizen
):
    report = submit(identity_public=True, description="Nội dung có lời lẽ xúc phạm cán bộ phường.")
    with pytest.raises(PermissionDenied):  # specialists do not moderate
        services.moderate_report(actor=officer_vt, report=report, hide_description=True, reason="Xúc phạm")
    with pytest.raises(PermissionDenied):
        services.moderate_report(actor=officer_nb, report=report, hide_description=True, reason="Xúc phạm")
    with pytest.raises(PermissionDenied):
        services.moderate_report(actor=citizen, report=report, hide_description=True, reason="Xúc phạm")
    services.moderate_report(
        actor=officer_vt2,
        report=report,
        hide_description=True,
        hide_photos=True,
        hide_reporter=True,
        reason="Lời lẽ xúc phạm, ảnh có biển số xe",
    )
    public = representations.public_view(
        selectors.get_public_report(report.public_id), timeline=selectors.public_timeline(report)
    )
    assert public.description is None and public.description_hidden
    assert public.photos == [] and public.reporter_name is None
    assert "xúc phạm cán bộ" not in repr(public) and "biển số" not in repr(public)
    photo = report.photos.get()
    with pytest.raises(Exception) as raised:
        selectors.public_photo(photo.public_id)
    assert raised.value.code == "feedback.not_found"
    for handler in (officer_vt, admin):
        internal = representations.internal_view(selectors.get_report_for_handler(handler, report.public_id))
        assert internal.description.startswith("Nội dung có lời lẽ")
        assert internal.photos[0].hidden_from_public and internal.hide_reporter
    record = AuditRecord.objects.get(action="feedback.report_moderated")
    assert record.changes["hide_description"] == [False, True]
    # Showing again; platform administrators moderate any report.
    services.moderate_report(actor=admin, report=report, hide_photos=False, reason="Đã xem lại ảnh")
    assert selectors.public_photo(photo.public_id) == photo
    assert _payload("feedback.report_moderated") == {
        "report_id": report.public_id,
        "hide_description": True,
        "hide_photos": False,
        "hide_reporter": True,
    }


def test_reveal_contact_is_audited_and_limited(anonymous_submit, officer_vt, officer_nb):
    report = anonymous_submit(contact_phone="0987654321")
    contact = services.reveal_contact(actor=officer_vt, report=report)
    assert (contact.email, contact.phone) == ("dan@example.vn", "0987654321")
    record = AuditRecord.objects.get(action="feedback.contact_revealed")
    assert "0987654321" not in str(record.changes) and "dan@example" not in str(record.changes)
    with pytest.raises(PermissionDenied):
        services.reveal_contact(actor=officer_nb, report=report)
    internal = representations.internal_view(report)
    assert (
        internal.reporter.phone_masked == "*******321" and internal.reporter.email_masked == "d***@example.vn"
    )


def test_second_transition_on_the_same_state_is_refused(submit, officer_vt, officer_vt2):
    """Two officers acknowledging the same report: the second, serialised behind the first's lock,
    finds it acknowledged. (The truly concurrent version runs on PostgreSQL: test_concurrency.py.)"""
    report = submit()
    stale_copy = Report.objects.get(pk=report.pk)
    services.acknowledge_report(actor=officer_vt, report=report)
    with pytest.raises(InvalidTransition):
        services.acknowledge_report(actor=officer_vt2, report=stale_copy)
    assert AuditRecord.objects.filter(action="feedback.report_acknowledged").count() == 1
