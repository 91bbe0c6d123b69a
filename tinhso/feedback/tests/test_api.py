"""The feedback API end to end: public operations, submission (anonymous, session, token,
idempotency), the reporter's operations and the handlers' operations with their 404s."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from PIL import Image

from tinhso.core.audit.models import AuditRecord
from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportStatus, SubmissionKey
from tinhso.feedback.tests.conftest import HANOI, MONDAY_MORNING, NGA_BAY, VI_THANH, image_bytes, in_status

pytestmark = pytest.mark.django_db

BASE = "/api/v1/feedback"
RESPONSE = "Đã thay bóng đèn mới, đèn sáng bình thường."
REASON = "Lý do đủ dài để ghi nhận vào hồ sơ xử lý."


def _photo(name="anh.jpg", **kw):
    data = io.BytesIO(image_bytes(**kw))
    data.name = name
    return data


def _form(**overrides):
    form = {
        "category": "den-duong",
        "description": "Đèn đường trước cổng trường không sáng.",
        "latitude": str(VI_THANH[0]),
        "longitude": str(VI_THANH[1]),
        "unit": "31321",
        "attributes": '{"tinh-trang": "tat"}',
        "contact_email": "dan@example.vn",
        "photos": [_photo()],
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def _code(response):
    return response.json()["code"]


def test_categories_are_public(client, lights, building):
    response = client.get(f"{BASE}/categories")
    assert response.status_code == 200
    body = {c["code"]: c for c in response.json()}
    assert set(body) == {"den-duong", "xay-dung-trai-phep"}
    lights_body = body["den-duong"]
    assert lights_body["allow_anonymous"] is True and lights_body["deadline_days"] == 5
    assert lights_body["agency_code"] == "000.00.06.H13"
    assert [a["code"] for a in lights_body["attributes"]] == ["tinh-trang", "so-cot"]
    assert lights_body["attributes"][0]["values"][0] == {"key": "tat", "name": "Đèn không sáng"}
    assert client.get(f"{BASE}/categories/den-duong").json()["name"] == "Đèn đường hư hỏng"
    missing = client.get(f"{BASE}/categories/khong-co")
    assert missing.status_code == 404 and _code(missing) == "feedback.category_not_found"


def test_anonymous_submission_and_idempotent_retry(client, lights, ward_vt):
    response = client.post(f"{BASE}/reports", _form(), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["public_id"].startswith("PA-") and body["token"]
    assert body["status"] == "new" and body["agency_code"] == ward_vt.code
    assert body["reporter_name"] is None and "contact" not in str(body).lower()
    assert len(body["photos"]) == 1 and body["timeline"][0]["kind"] == "submitted"
    again = client.post(f"{BASE}/reports", _form(photos=[_photo()]), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["public_id"] == body["public_id"]
    assert Report.objects.count() == 1 and SubmissionKey.objects.count() == 1
    changed = client.post(
        f"{BASE}/reports", _form(description="Một nội dung khác hoàn toàn."), HTTP_IDEMPOTENCY_KEY="retry-1"
    )
    assert changed.status_code == 409 and _code(changed) == "feedback.idempotency_key_reused"


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        ({"latitude": str(HANOI[0]), "longitude": str(HANOI[1])}, 422, "feedback.outside_province"),
        ({"category": "khong-co"}, 422, "feedback.unknown_category"),
        ({"attributes": "{}"}, 422, "feedback.attribute_required"),
        ({"attributes": "{not json"}, 422, "feedback.invalid_attribute"),
        ({"photos": [io.BytesIO(b"%PDF-1.4 not an image")]}, 415, "feedback.photo_invalid"),
        ({"contact_email": None}, 422, "feedback.contact_required"),
        ({"category": "xay-dung-trai-phep", "attributes": None}, 401, "feedback.sign_in_required"),
        ({"latitude": "north"}, 422, "validation_failed"),
    ],
)
def test_submission_errors(client, lights, building, overrides, status, code):
    response = client.post(f"{BASE}/reports", _form(**overrides))
    assert response.status_code == status, response.content
    assert _code(response) == code
    assert response.json()["message_vi"] and response.json()["message_en"]
    assert Report.objects.count() == 0


def test_session_submission_checks_csrf(lights, building, citizen):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    refused = strict.post(
        f"{BASE}/reports", _form(category="xay-dung-trai-phep", attributes=None, photos=None)
    )
    assert refused.status_code == 403 and _code(refused) == "auth.csrf_failed"
    relaxed = Client()
    relaxed.force_login(citizen)
    created = relaxed.post(
        f"{BASE}/reports", _form(category="xay-dung-trai-phep", attributes=None, photos=None)
    )
    assert created.status_code == 201
    assert Report.objects.get().reporter == citizen


def test_bearer_token_submission(client, lights, building, citizen):
    from tinhso.core.apiclients import services as apiclients

    _, token = apiclients.create_personal_token(
        actor=citizen, user=citizen, name="App", scopes=["feedback:submit"]
    )
    response = client.post(
        f"{BASE}/reports",
        _form(category="xay-dung-trai-phep", attributes=None, photos=None),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().reporter == citizen
    bad = client.post(f"{BASE}/reports", _form(), HTTP_AUTHORIZATION="Bearer tsp_nonsense")
    assert bad.status_code == 401 and _code(bad) == "auth.invalid_token"


def test_public_list_filters_and_hides_personal_data(
    client, submit, anonymous_submit, officer_vt, django_assert_max_num_queries
):
    in_vi_thanh = submit(address="Nhà riêng số 5")
    in_nga_bay = anonymous_submit(
        latitude=NGA_BAY[0], longitude=NGA_BAY[1], unit="31340", now=MONDAY_MORNING + timedelta(days=3)
    )
    resolved = in_status(submit(), ReportStatus.RESOLVED, assignee=officer_vt)
    for _ in range(3):
        submit()
    with django_assert_max_num_queries(6):
        response = client.get(f"{BASE}/reports")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 6
    assert "Nhà riêng" not in response.content.decode() and "dan@example" not in response.content.decode()
    ids = lambda params: {r["public_id"] for r in client.get(f"{BASE}/reports", params).json()["items"]}  # noqa: E731
    assert ids({"unit": "31340"}) == {in_nga_bay.public_id}
    assert ids({"status": "resolved"}) == {resolved.public_id}
    assert in_vi_thanh.public_id in ids({"status": "new,resolved"})
    assert ids({"bbox": "9.80,105.80,9.83,105.83"}) == {in_nga_bay.public_id}
    assert ids({"date_from": "2026-03-04"}) == {in_nga_bay.public_id}
    assert in_nga_bay.public_id not in ids({"date_to": "2026-03-04"})
    assert len(client.get(f"{BASE}/reports", {"limit": 2, "offset": 1}).json()["items"]) == 2
    assert _code(client.get(f"{BASE}/reports", {"bbox": "1,2,3"})) == "feedback.invalid_bbox"
    assert _code(client.get(f"{BASE}/reports", {"status": "lost"})) == "feedback.invalid_status"
    assert client.get(f"{BASE}/reports", {"limit": 1000}).status_code == 422


def test_public_detail_and_photos(client, submit, leader_vt):
    report = submit(photos=[_photo(gps=True, size=(2000, 1000))])
    body = client.get(f"{BASE}/reports/{report.public_id.lower()}").json()
    assert body["public_id"] == report.public_id
    photo = body["photos"][0]
    large = client.get(photo["url"])
    assert large.status_code == 200 and large["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(large.streaming_content)))
    assert image.size == (1600, 800) and not image.getexif()
    thumb = Image.open(io.BytesIO(b"".join(client.get(photo["thumbnail_url"]).streaming_content)))
    assert max(thumb.size) == 400
    assert client.get(f"{BASE}/photos/{photo['id']}/original").status_code == 422
    services.moderate_report(
        actor=leader_vt, report=report, hide_photos=True, reason="Ảnh có khuôn mặt người"
    )
    assert client.get(photo["url"]).status_code == 404
    assert client.get(f"{BASE}/reports/{report.public_id}").json()["photos"] == []
    missing = client.get(f"{BASE}/reports/PA-2026-ZZZZZZ")
    assert missing.status_code == 404 and _code(missing) == "feedback.not_found"


def test_statistics_are_public(client, submit, officer_vt):
    report = in_status(submit(), ReportStatus.IN_PROGRESS, assignee=officer_vt)
    services.resolve_report(
        actor=officer_vt, report=report, response=RESPONSE, now=MONDAY_MORNING + timedelta(hours=2)
    )
    submit()
    body = client.get(f"{BASE}/statistics").json()
    assert body["total"] == 2 and body["resolved"] == 1 and body["on_time_rate"] == 1.0
    assert body["by_status"]["new"] == 1
    assert client.get(f"{BASE}/statistics", {"category": "khac"}).json()["total"] == 0


# --- The reporter -------------------------------------------------------------------------------------


def test_reporter_operations(client, submit, citizen, other_citizen, officer_vt):
    report = submit(address="Nhà tôi ở số 7")
    assert client.get(f"{BASE}/my-reports").status_code == 401
    client.force_login(citizen)
    body = client.get(f"{BASE}/my-reports").json()
    assert body["count"] == 1 and body["items"][0]["address_full"] == "Nhà tôi ở số 7"
    refused = client.post(f"{BASE}/my-reports/{report.public_id}/confirm")
    assert refused.status_code == 409 and _code(refused) == "feedback.invalid_transition"
    in_status(report, ReportStatus.RESOLVED, assignee=officer_vt)
    detail = client.get(f"{BASE}/my-reports/{report.public_id}").json()
    assert detail["can_confirm"] and detail["can_reopen"]
    reopened = client.post(
        f"{BASE}/my-reports/{report.public_id}/reopen", {"reason": REASON}, content_type="application/json"
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    client.force_login(other_citizen)
    assert client.get(f"{BASE}/my-reports/{report.public_id}").status_code == 404
    assert client.post(f"{BASE}/my-reports/{report.public_id}/confirm").status_code == 404
    assert client.get(f"{BASE}/my-reports").json()["count"] == 0


# --- Handlers -----------------------------------------------------------------------------------------


def test_inbox_is_limited_to_the_agency(
    client, submit, officer_vt, officer_nb, citizen, admin, django_assert_max_num_queries
):
    mine = submit()
    theirs = submit(latitude=NGA_BAY[0], longitude=NGA_BAY[1], unit="31340")
    assert client.get(f"{BASE}/inbox").status_code == 401
    client.force_login(citizen)
    assert client.get(f"{BASE}/inbox").status_code == 403
    client.force_login(officer_vt)
    with django_assert_max_num_queries(12):
        listed = client.get(f"{BASE}/inbox").json()
    assert [r["public_id"] for r in listed["items"]] == [mine.public_id]
    assert client.get(f"{BASE}/inbox/{mine.public_id}").status_code == 200
    for path in ("", "/duplicates", "/acknowledge", "/contact"):
        method = client.get if path in ("", "/duplicates") else client.post
        response = method(f"{BASE}/inbox/{theirs.public_id}{path}", {}, content_type="application/json")
        assert response.status_code == 404, path
        assert _code(response) == "feedback.not_found"
    assert Report.objects.get(pk=theirs.pk).status == ReportStatus.NEW
    assert AuditRecord.objects.filter(
        action="feedback.handle", outcome="denied", object_id=theirs.public_id
    ).exists()
    client.force_login(admin)  # overseers see every report, but do not handle them
    assert client.get(f"{BASE}/inbox").json()["count"] == 2
    refused = client.post(f"{BASE}/inbox/{theirs.public_id}/acknowledge", {}, content_type="application/json")
    assert refused.status_code == 403


def test_handling_through_the_api(client, submit, anonymous_submit, officer_vt, leader_vt, ward_nb):
    report = anonymous_submit(contact_phone="0987654321", photos=[_photo(gps=True)])
    dup = submit()
    client.force_login(leader_vt)
    post = lambda path, data=None, **kw: client.post(  # noqa: E731
        f"{BASE}/inbox/{report.public_id}/{path}", data or {}, content_type="application/json", **kw
    )
    internal = client.get(f"{BASE}/inbox/{report.public_id}").json()
    assert internal["reporter"]["phone_masked"] == "*******321"
    assert internal["allowed_actions"] == ["acknowledge", "reject", "transfer", "reroute"]
    assert post("acknowledge", {"note": "ok"}).json()["status"] == "acknowledged"
    assert post("acknowledge").status_code == 409
    duplicates = client.get(f"{BASE}/inbox/{report.public_id}/duplicates").json()
    assert [d["report"]["public_id"] for d in duplicates] == [dup.public_id]
    merged = post("merge", {"duplicates": [dup.public_id]}).json()
    assert merged["duplicate_ids"] == [dup.public_id]
    assert post("assign", {"assignee": "not-a-uuid"}).status_code == 422
    assigned = post("assign", {"assignee": str(officer_vt.public_id)}).json()
    assert assigned["assignee"]["public_id"] == str(officer_vt.public_id)
    assert post("start").json()["status"] == "in_progress"
    resolved = client.post(
        f"{BASE}/inbox/{report.public_id}/resolve", {"response": RESPONSE, "photos": [_photo()]}
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved" and len(resolved.json()["result_photos"]) == 1
    assert Report.objects.get(pk=dup.pk).status == ReportStatus.RESOLVED
    contact = post("contact").json()
    assert contact["phone"] == "0987654321"
    original = client.get(internal["photos"][0]["original_url"])
    assert original.status_code == 200 and original["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(original.streaming_content))).getexif().get_ifd(0x8825)
    assert AuditRecord.objects.filter(action="feedback.photo_original_opened").exists()
    moderated = post("moderate", {"reason": "Thông tin cá nhân", "hide_reporter": True}).json()
    assert moderated["hide_reporter"] is True
    public = client.get(f"{BASE}/reports/{report.public_id}").json()
    assert public["response"] == RESPONSE and public["status"] == "resolved"


def test_transfer_reject_and_reroute_through_the_api(
    client, submit, leader_vt, city_leader, ward_nb, building
):
    report, other = submit(), submit()
    client.force_login(leader_vt)
    bad = client.post(
        f"{BASE}/inbox/{report.public_id}/transfer",
        {"agency_code": "000.99.99.X99", "reason": REASON},
        content_type="application/json",
    )
    assert bad.status_code == 422 and _code(bad) == "feedback.invalid_agency"
    moved = client.post(
        f"{BASE}/inbox/{report.public_id}/transfer",
        {"agency_code": ward_nb.code, "reason": REASON},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["agency_code"] == ward_nb.code
    assert client.get(f"{BASE}/inbox/{report.public_id}").status_code == 404
    rerouted = client.post(
        f"{BASE}/inbox/{other.public_id}/reroute",
        {"agency_code": ward_nb.code, "reason": REASON},
        content_type="application/json",
    )
    assert rerouted.status_code == 403
    rejected = client.post(
        f"{BASE}/inbox/{other.public_id}/reject",
        {"rejection_kind": "duplicate", "reason": REASON},
        content_type="application/json",
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["rejection_kind"] == "duplicate"
    third = submit()
    client.force_login(city_leader)  # an operator of the report centre reads and routes every report
    assert client.get(f"{BASE}/inbox/{third.public_id}").status_code == 200
    routed = client.post(
        f"{BASE}/inbox/{third.public_id}/reroute",
        {"category_code": "xay-dung-trai-phep", "reason": REASON},
        content_type="application/json",
    )
    assert routed.status_code == 200, routed.content
    assert (
        routed.json()["category_code"] == "xay-dung-trai-phep"
        and routed.json()["agency_code"] == "000.00.06.H13"
    )
    refused = client.post(f"{BASE}/inbox/{third.public_id}/acknowledge", {}, content_type="application/json")
    assert refused.status_code == 403  # routing is not handling


def test_filters_for_open311(submit):
    from tinhso.feedback import selectors

    first, second, _third = submit(), submit(now=MONDAY_MORNING + timedelta(days=2)), submit()
    by_ids = selectors.public_reports(
        selectors.ReportFilters(public_ids=(first.public_id, second.public_id.lower()))
    )
    assert {r.pk for r in by_ids} == {first.pk, second.pk}
    later = selectors.public_reports(selectors.ReportFilters(created_from=MONDAY_MORNING + timedelta(days=1)))
    assert [r.pk for r in later] == [second.pk]
    earlier = selectors.public_reports(selectors.ReportFilters(created_to=MONDAY_MORNING))
    assert second.pk not in {r.pk for r in earlier} and first.pk in {r.pk for r in earlier}
    assert selectors.report_for_token(first.token) == first
