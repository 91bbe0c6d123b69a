"""The officers' workspace: the inbox is limited to the agency, the handling page is 404 for
another agency, and each htmx action changes the report through the services and re-renders the
panel, the timeline and the outcome."""

import io

import pytest
from django.utils import translation

from tinhso.core.audit.models import AuditRecord
from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportStatus
from tinhso.feedback.tests.conftest import image_bytes, in_status

pytestmark = pytest.mark.django_db


def _vi(label) -> str:
    """The Vietnamese label, whatever language an earlier test left active in this thread."""
    with translation.override("vi"):
        return str(label)


INBOX = "/phan-anh/xu-ly/"
HTMX = {"HTTP_HX_REQUEST": "true"}
RESPONSE = "Đã thay bóng đèn mới, đèn sáng bình thường trở lại."


def _url(report, action=None):
    base = f"/phan-anh/xu-ly/{report.public_id}/"
    return f"{base}thao-tac/{action}/" if action else base


def _photo():
    handle = io.BytesIO(image_bytes(color=(20, 160, 60)))
    handle.name = "ket-qua.jpg"
    return handle


@pytest.fixture
def report(submit):
    return submit()


def test_inbox_is_for_handlers_of_the_agency(
    client, report, submit, ward_nb, citizen, officer_vt, officer_nb
):
    from tinhso.feedback.tests.conftest import NGA_BAY

    other = submit(latitude=NGA_BAY[0], longitude=NGA_BAY[1], unit="31340", description="Đèn ở Ngã Bảy tắt.")
    assert other.agency == ward_nb
    assert client.get(INBOX).status_code == 302
    client.force_login(citizen)
    assert client.get(INBOX).status_code == 403
    client.force_login(officer_vt)
    html = client.get(INBOX).content.decode()
    assert report.public_id in html and other.public_id not in html
    client.force_login(officer_nb)
    html = client.get(INBOX).content.decode()
    assert other.public_id in html and report.public_id not in html


def test_inbox_tabs(client, submit, officer_vt, leader_vt):
    new = submit(description="Phản ánh mới gửi hôm nay đây.")
    mine = in_status(
        submit(description="Phản ánh đã phân công cho tôi."), ReportStatus.ASSIGNED, assignee=officer_vt
    )
    overdue = submit(description="Phản ánh đã quá hạn xử lý rồi.")
    Report.objects.filter(pk=overdue.pk).update(due_at=overdue.created_at)
    done = in_status(
        submit(description="Phản ánh đã xử lý xong rồi."), ReportStatus.RESOLVED, assignee=leader_vt
    )
    client.force_login(officer_vt)

    def ids(tab):
        html = client.get(INBOX, {"loc": tab}).content.decode()
        return {r.public_id for r in (new, mine, overdue, done) if r.public_id in html}

    # The test reports were sent in March 2026 with 5 working days: all are overdue by now,
    # except the one resolved.
    assert ids("can-xu-ly") == {new.public_id, mine.public_id, overdue.public_id}
    assert ids("moi") == {new.public_id, overdue.public_id}
    assert ids("qua-han") == {new.public_id, mine.public_id, overdue.public_id}
    assert ids("sap-den-han") == set()
    assert ids("cua-toi") == {mine.public_id}
    assert ids("da-xong") == {done.public_id}
    assert ids("tat-ca") == {new.public_id, mine.public_id, overdue.public_id, done.public_id}
    assert ids("khong-co") == ids("can-xu-ly")
    html = client.get(INBOX, {"loc": "tat-ca", "ma": mine.public_id.lower()}).content.decode()
    assert mine.public_id in html and new.public_id not in html


def test_due_soon_tab(client, submit, officer_vt):
    from django.utils import timezone

    from tinhso.core.workcalendar import services as calendar

    soon = submit()
    later = submit(description="Phản ánh còn nhiều thời gian xử lý.")
    now = timezone.now()
    Report.objects.filter(pk=soon.pk).update(due_at=calendar.add_working_days(now, 1))
    Report.objects.filter(pk=later.pk).update(due_at=calendar.add_working_days(now, 4))
    client.force_login(officer_vt)
    html = client.get(INBOX, {"loc": "sap-den-han"}).content.decode()
    assert soon.public_id in html and later.public_id not in html


def test_handling_page_is_404_for_another_agency(client, report, officer_vt, officer_nb, citizen):
    client.force_login(officer_nb)
    assert client.get(_url(report)).status_code == 404
    assert client.post(_url(report, "acknowledge"), HTMX).status_code == 404
    assert AuditRecord.objects.filter(
        action="feedback.handle", outcome="denied", object_id=report.public_id
    ).exists()
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW
    client.force_login(citizen)
    assert client.get(_url(report)).status_code == 403
    client.force_login(officer_vt)
    response = client.get(_url(report))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đèn đường trước chợ Vị Thanh" in html and "Tiếp nhận" in html


def test_handling_page_shows_hidden_content_to_handlers(client, report, leader_vt, officer_vt):
    services.moderate_report(actor=leader_vt, report=report, reason="Ảnh có biển số xe.", hide_photos=True)
    client.force_login(officer_vt)
    html = client.get(_url(report)).content.decode()
    assert "Ảnh đã ẩn khỏi trang công khai" in html
    assert "Ảnh có biển số xe." in html  # the internal reason
    assert "/original" in html


def test_offers_only_the_allowed_actions(client, report, officer_vt):
    client.force_login(officer_vt)
    html = client.get(_url(report)).content.decode()
    assert "thao-tac/acknowledge/" in html and "thao-tac/reject/" in html and "thao-tac/transfer/" in html
    assert "thao-tac/start/" not in html and "thao-tac/resolve/" not in html
    assert "thao-tac/reroute/" not in html  # a ward officer does not route
    assert "thao-tac/moderate/" not in html  # specialists do not moderate
    assert "thao-tac/unknown/" not in html
    assert client.post(_url(report, "unknown"), HTMX).status_code == 404


def test_full_handling_through_htmx(client, report, officer_vt, leader_vt):
    client.force_login(leader_vt)
    response = client.post(_url(report, "acknowledge"), {"note": "Đã nhận."}, **HTMX)
    assert response.status_code == 200 and response["X-Feedback-Panel"] == "1"
    html = response.content.decode()
    assert 'id="fb-panel"' in html and 'id="fb-timeline" class="fb-panel" aria-labelledby' in html
    assert 'hx-swap-oob="true"' in html and "Đã tiếp nhận phản ánh." in html
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert AuditRecord.objects.filter(action="feedback.report_acknowledged").exists()

    html = client.get(_url(report)).content.decode()
    assert officer_vt.full_name in html  # the assignee choices
    response = client.post(_url(report, "assign"), {"assignee": str(officer_vt.public_id)}, **HTMX)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.ASSIGNED and report.assignee == officer_vt

    client.force_login(officer_vt)
    assert "thao-tac/start/" in client.get(_url(report)).content.decode()
    client.post(_url(report, "start"), **HTMX)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS

    response = client.post(_url(report, "resolve"), {"response": RESPONSE, "photos": [_photo()]}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert RESPONSE in html and "Ảnh kết quả xử lý" in html
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED and report.photos.filter(kind="result").count() == 1
    assert _vi(ReportStatus.RESOLVED.label) in client.get(f"/phan-anh/{report.public_id}/").content.decode()


def test_assign_refuses_an_officer_of_another_agency(client, report, leader_vt, officer_nb):
    in_status(report, ReportStatus.ACKNOWLEDGED)
    client.force_login(leader_vt)
    response = client.post(_url(report, "assign"), {"assignee": str(officer_nb.public_id)}, **HTMX)
    assert response.status_code == 422
    assert "Hãy chọn cán bộ xử lý của cơ quan." in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED and report.assignee is None


def test_invalid_transition_after_a_concurrent_change(client, report, officer_vt, officer_vt2):
    client.force_login(officer_vt)
    page = client.get(_url(report)).content.decode()
    assert "thao-tac/acknowledge/" in page
    # A colleague acknowledges it meanwhile.
    services.acknowledge_report(actor=officer_vt2, report=Report.objects.get(pk=report.pk))
    response = client.post(_url(report, "acknowledge"), **HTMX)
    assert response.status_code == 409 and response["X-Feedback-Panel"] == "1"
    html = response.content.decode()
    assert "Phản ánh vừa được cập nhật bởi người khác" in html
    assert _vi(ReportStatus.ACKNOWLEDGED.label) in html
    assert "thao-tac/acknowledge/" not in html  # the refreshed panel
    assert Report.objects.get(pk=report.pk).history.filter(kind="acknowledged").count() == 1


def test_start_by_someone_other_than_the_assignee(client, report, officer_vt, officer_vt2):
    in_status(report, ReportStatus.ASSIGNED, assignee=officer_vt)
    client.force_login(officer_vt2)
    html = client.get(_url(report)).content.decode()
    assert "thao-tac/start/" not in html and "Chỉ cán bộ được phân công" in html
    response = client.post(_url(report, "start"), **HTMX)
    assert response.status_code == 403
    assert "Chỉ cán bộ được phân công hoặc lãnh đạo" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.ASSIGNED


def test_resolve_needs_a_response(client, report, leader_vt):
    in_status(report, ReportStatus.IN_PROGRESS, assignee=leader_vt)
    client.force_login(leader_vt)
    response = client.post(_url(report, "resolve"), {"response": "xong"}, **HTMX)
    assert response.status_code == 422 and "ký tự" in response.content.decode()
    assert 'id="fb-response"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS


def test_reject_and_spam_is_unpublished(client, report, officer_vt):
    client.force_login(officer_vt)
    response = client.post(
        _url(report, "reject"),
        {"rejection_kind": "spam", "reason": "Nội dung quảng cáo, không phải phản ánh."},
        **HTMX,
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.REJECTED
    assert client.get(f"/phan-anh/{report.public_id}/").status_code == 404


def test_transfer_leaves_the_agency(client, report, officer_vt, construction):
    client.force_login(officer_vt)
    response = client.post(
        _url(report, "transfer"),
        {"agency": construction.code, "reason": "Thuộc thẩm quyền của Sở Xây dựng."},
        **HTMX,
    )
    assert response.status_code == 200 and response["HX-Redirect"] == INBOX
    report.refresh_from_db()
    assert report.agency == construction and report.status == ReportStatus.NEW
    assert client.get(_url(report)).status_code == 404
    missing = client.post(_url(report, "transfer"), {"agency": "", "reason": "Lý do đủ dài ở đây."}, **HTMX)
    assert missing.status_code == 404  # no longer ours


def test_transfer_needs_an_agency(client, report, officer_vt):
    client.force_login(officer_vt)
    response = client.post(_url(report, "transfer"), {"agency": "", "reason": "Lý do đủ dài ở đây."}, **HTMX)
    assert response.status_code == 422 and "Hãy chọn cơ quan nhận." in response.content.decode()


def test_merge_possible_duplicates(client, submit, officer_vt):
    main = submit()
    duplicate = submit(description="Cũng cái đèn đó trước chợ không sáng.")
    client.force_login(officer_vt)
    html = client.get(_url(main)).content.decode()
    assert "Gộp phản ánh trùng (1)" in html and duplicate.public_id in html
    response = client.post(_url(main, "merge"), {"duplicates": [duplicate.public_id]}, **HTMX)
    assert response.status_code == 200
    duplicate.refresh_from_db()
    assert duplicate.merged_into == main
    html = client.get(_url(duplicate)).content.decode()
    assert "đã được gộp vào phản ánh chính" in html and "thao-tac/acknowledge/" not in html
    empty = client.post(_url(main, "merge"), {}, **HTMX)
    assert empty.status_code == 422


def test_moderation_hides_content_from_the_public(client, report, leader_vt, officer_vt):
    client.force_login(leader_vt)
    assert "thao-tac/moderate/" in client.get(_url(report)).content.decode()
    response = client.post(
        _url(report, "moderate"), {"hide_description": "on", "reason": "Lời lẽ không phù hợp."}, **HTMX
    )
    assert response.status_code == 200 and "Đang ẩn khỏi trang công khai" in response.content.decode()
    html = client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert "Nội dung đã được ẩn" in html and "Đèn đường trước chợ Vị Thanh" not in html
    client.force_login(officer_vt)  # a specialist may not moderate
    refused = client.post(_url(report, "moderate"), {"reason": "Hiện lại nội dung."}, **HTMX)
    assert refused.status_code == 403
    report.refresh_from_db()
    assert report.hide_description is True


def test_reveal_contact_is_audited(client, anonymous_submit, officer_vt):
    report = anonymous_submit(contact_phone="0912345678")
    client.force_login(officer_vt)
    html = client.get(_url(report)).content.decode()
    assert "0912345678" not in html and "dan@example.vn" not in html
    response = client.post(f"/phan-anh/xu-ly/{report.public_id}/lien-he/", **HTMX)
    assert "0912345678" in response.content.decode() and "dan@example.vn" in response.content.decode()
    assert AuditRecord.objects.filter(action="feedback.contact_revealed").count() == 1
    # Without JavaScript: the whole page with the contact.
    page = client.post(f"/phan-anh/xu-ly/{report.public_id}/lien-he/")
    assert page.status_code == 200 and "0912345678" in page.content.decode()


def test_without_javascript_actions_redirect_back(client, report, officer_vt):
    client.force_login(officer_vt)
    response = client.post(_url(report, "acknowledge"))
    assert response.status_code == 302 and response.url == _url(report)
    assert "Đã tiếp nhận phản ánh." in client.get(response.url).content.decode()
    again = client.post(_url(report, "acknowledge"))
    assert again.status_code == 302
    assert "Phản ánh vừa được cập nhật bởi người khác" in client.get(again.url).content.decode()


def test_actions_need_post(client, report, officer_vt):
    client.force_login(officer_vt)
    assert client.get(_url(report, "acknowledge")).status_code == 405


def test_reroute_by_an_operator_of_the_report_centre(client, report, city_leader, construction, officer_vt):
    client.force_login(officer_vt)
    assert "thao-tac/reroute/" not in client.get(_url(report)).content.decode()
    client.force_login(city_leader)
    assert "thao-tac/reroute/" in client.get(_url(report)).content.decode()
    unknown = client.post(
        _url(report, "reroute"),
        {"agency": "000.99.99.X99", "reason": "Điều phối lại cho đúng cơ quan."},
        **HTMX,
    )
    assert unknown.status_code == 422 and "Không tìm thấy cơ quan." in unknown.content.decode()
    response = client.post(
        _url(report, "reroute"),
        {"agency": construction.code, "reason": "Điều phối lại cho đúng cơ quan."},
        **HTMX,
    )
    assert response.status_code == 200  # the operator still sees it: the panel again
    report.refresh_from_db()
    assert report.agency == construction and report.status == ReportStatus.NEW
