"""The dossiers API end to end: submission with Idempotency-Key, who sees what, actions, tracking."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.core.files.tests.samples import pdf_bytes
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.conftest import FORM, deliver_events, received, submit, upload_pdf, vn

pytestmark = pytest.mark.django_db

URL = "/api/v1/dossiers/"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def _submission(world, stored):
    return {
        "procedure_code": world.simple.code,
        "agency_code": world.dept.code,
        "form_data": FORM,
        "documents": [
            {"required_document_id": world.simple.documents.get(order=1).pk, "file_id": str(stored.public_id)}
        ],
    }


def test_submit_with_idempotency_key(world):
    client = as_user(world.citizen)
    stored = upload_pdf(world.citizen)
    body = _submission(world, stored)
    first = post(client, URL, body, HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["state"] == "submitted" and data["national_status"] == 1
    assert data["applicant_phone_masked"] == "*******5678"
    assert "0912345678" not in first.content.decode()
    again = post(client, URL, body, HTTP_IDEMPOTENCY_KEY="k-123")
    assert again.status_code == 200 and again.json()["code"] == data["code"]
    changed = post(client, URL, {**body, "form_data": {**FORM, "so_ban": 9}}, HTTP_IDEMPOTENCY_KEY="k-123")
    assert changed.status_code == 409 and changed.json()["code"] == "dossiers.idempotency_key_reused"
    assert Dossier.objects.count() == 1


def test_submit_bad_input(world):
    client = as_user(world.citizen)
    response = post(
        client, URL, {"procedure_code": world.simple.code, "agency_code": world.dept.code, "form_data": {}}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "dossiers.invalid_form_data"
    assert Client().post(URL, "{}", content_type="application/json").status_code == 401


def test_counter_receipt_needs_a_one_stop_officer(world):
    stored = upload_pdf(world.one_stop, world.dept)
    body = {
        "procedure_code": world.simple.code,
        "agency_code": world.dept.code,
        "applicant": {"name": "Nguyễn Văn Quầy", "citizen_id": "093123456789", "phone": "0901111222"},
        "form_data": {"ho_ten": "Nguyễn Văn Quầy"},
        "documents": [
            {"required_document_id": world.simple.documents.get(order=1).pk, "file_id": str(stored.public_id)}
        ],
    }
    assert post(as_user(world.citizen), URL + "counter", body).status_code == 403
    assert post(as_user(world.one_stop_b), URL + "counter", body).status_code == 403
    response = post(as_user(world.one_stop), URL + "counter", body)
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "processing" and response.json()["channel"] == 1
    assert "093123456789" not in response.content.decode()


def test_who_sees_a_dossier(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    url = f"{URL}{dossier.code}"
    assert as_user(world.citizen).get(url).status_code == 200
    assert as_user(world.other_citizen).get(url).status_code == 404
    assert as_user(world.specialist).get(url).status_code == 200
    for outsider in (world.one_stop_b, world.specialist_b, world.district_one_stop):
        response = as_user(outsider).get(url)
        assert response.status_code == 404 and response.json()["code"] == "dossiers.not_found"
    assert Client().get(url).status_code == 401
    # Lists follow the same rule.
    assert as_user(world.specialist_b).get(URL).json() == {"items": [], "count": 0}
    assert as_user(world.specialist).get(URL).json()["count"] == 1
    assert as_user(world.other_citizen).get(URL + "mine").json()["count"] == 0
    assert as_user(world.citizen).get(URL + "mine").json()["items"][0]["code"] == dossier.code


def test_interagency_visibility_follows_the_route(world):
    dossier = received(world, world.interagency, now=vn(2026, 11, 25, 9))
    url = f"{URL}{dossier.code}"
    assert as_user(world.specialist).get(url).status_code == 404  # not at the department yet
    for officer in (world.district_specialist, world.district_clerk):
        assert post(as_user(officer), f"{url}/actions/complete_step").status_code == 200
    assert as_user(world.specialist).get(url).status_code == 200
    assert as_user(world.district_one_stop).get(url).status_code == 200  # the receiver keeps sight
    assert as_user(world.specialist_b).get(url).status_code == 404
    codes = [d["code"] for d in as_user(world.specialist).get(URL).json()["items"]]
    assert codes == [dossier.code]


def test_actions_and_their_refusals(world):
    dossier = submit(world)
    url = f"{URL}{dossier.code}/actions/"
    stale = post(as_user(world.one_stop), url + "accept", {"expected_version": dossier.version + 1})
    assert stale.status_code == 409 and stale.json()["code"] == "dossiers.stale_version"
    ok = post(as_user(world.one_stop), url + "accept", {"expected_version": dossier.version})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["state"] == "processing" and body["national_status"] == 4
    assert body["current_step"] == "Thẩm định hồ sơ"
    assert [s["status"] for s in body["steps"]][0] in ("early", "on_time", "late")
    again = post(as_user(world.one_stop), url + "accept")
    assert again.status_code == 409 and again.json()["code"] == "dossiers.invalid_transition"
    assert post(as_user(world.one_stop), url + "fly").status_code == 422
    assert post(as_user(world.specialist_b), url + "complete_step").status_code == 404
    assert post(as_user(world.leader), url + "complete_step").status_code == 403
    timeline = as_user(world.citizen).get(f"{URL}{dossier.code}/timeline").json()
    assert [t["action"] for t in timeline] == ["submit", "accept", "start"]
    assert timeline[1]["form"] == "01"


def test_inbox_lists_my_open_steps(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    items = as_user(world.specialist).get(URL + "inbox").json()
    assert [(i["code"], i["step_order"]) for i in items] == [(dossier.code, 2)]
    assert as_user(world.leader).get(URL + "inbox").json() == []
    assert as_user(world.specialist_b).get(URL + "inbox").json() == []


def test_search_filters(world):
    first = received(world, now=vn(2026, 11, 25, 9))
    submit(world, now=vn(2026, 11, 27, 9))
    client = as_user(world.one_stop)
    assert client.get(URL, {"q": first.code}).json()["count"] == 1
    assert client.get(URL, {"state": "submitted"}).json()["count"] == 1
    assert client.get(URL, {"q": "Trần Thị"}).json()["count"] == 2
    assert client.get(URL, {"submitted_from": "2026-11-26"}).json()["count"] == 1
    assert client.get(URL, {"procedure": world.simple.code}).json()["count"] == 2


def test_result_upload_return_and_download(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    client = as_user(world.specialist)
    post(client, f"{URL}{dossier.code}/actions/complete_step")
    upload = as_user(world.leader).post(
        f"{URL}{dossier.code}/results",
        {"file": SimpleUploadedFile("ket-qua.pdf", pdf_bytes()), "name": "Trích lục", "signed": "true"},
    )
    assert upload.status_code == 201, upload.content
    file_id = upload.json()["file_id"]
    post(as_user(world.leader), f"{URL}{dossier.code}/actions/complete_step")
    download = f"{URL}{dossier.code}/files/{file_id}"
    assert as_user(world.citizen).get(download).status_code == 404  # not returned yet
    returned = post(as_user(world.one_stop), f"{URL}{dossier.code}/actions/return_result", {"via": "online"})
    assert returned.status_code == 200 and returned.json()["national_status"] == 10
    response = as_user(world.citizen).get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert as_user(world.specialist_b).get(download).status_code == 404
    rating = post(as_user(world.citizen), f"{URL}{dossier.code}/rating", {"score": 4, "comment": "Tốt"})
    assert rating.status_code == 201
    assert post(as_user(world.citizen), f"{URL}{dossier.code}/rating", {"score": 4}).status_code == 409


def test_public_tracking_without_personal_data(world, settings):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    anonymous = Client()
    ok = post(anonymous, URL + "track", {"code": dossier.code, "second_factor": "5678"})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["national_status"] == 4 and body["state"] == "processing"
    assert [e["action"] for e in body["timeline"]] == ["submit", "accept", "start"]
    text = ok.content.decode()
    for secret in ("Trần Thị Dân", "0912345678", "dan@example.vn", world.citizen.username, "motcua.stp"):
        assert secret not in text
    assert (
        post(
            anonymous, URL + "track", {"code": dossier.code, "second_factor": dossier.applicant_id_last4}
        ).status_code
        == 200
    )
    wrong = post(anonymous, URL + "track", {"code": dossier.code, "second_factor": "0000"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "dossiers.not_found"
    unknown = post(anonymous, URL + "track", {"code": "000.00.09.H23-991231-0001", "second_factor": "5678"})
    assert unknown.status_code == 404


def test_tracking_is_rate_limited(world, settings):
    settings.DOSSIER_TRACK_CODE_FAILURE_LIMIT = 3
    dossier = submit(world)
    anonymous = Client()
    for _ in range(3):
        assert (
            post(anonymous, URL + "track", {"code": dossier.code, "second_factor": "1111"}).status_code == 404
        )
    # Even the right factor is refused for this code now: guessing is stopped.
    blocked = post(anonymous, URL + "track", {"code": dossier.code, "second_factor": "5678"})
    assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
    settings.DOSSIER_TRACK_IP_LIMIT = 4
    assert post(anonymous, URL + "track", {"code": "x", "second_factor": "1"}).status_code == 429


def test_notifications_endpoint(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    deliver_events()
    rows = as_user(world.citizen).get(f"{URL}{dossier.code}/notifications").json()
    assert {r["kind"] for r in rows} == {"received"}
    assert all("dan@example.vn" != r["recipient_masked"] for r in rows)
    assert as_user(world.specialist_b).get(f"{URL}{dossier.code}/notifications").status_code == 404


def test_withdraw_and_supplement_through_the_api(world):
    dossier = received(world, now=vn(2026, 11, 25, 9))
    url = f"{URL}{dossier.code}"
    asked = post(
        as_user(world.specialist),
        url + "/actions/request_supplement",
        {"reason": "Thiếu giấy", "items": ["Giấy khai sinh"]},
    )
    assert asked.status_code == 200 and asked.json()["national_status"] == 5
    stored = upload_pdf(world.citizen)
    given = post(
        as_user(world.citizen),
        url + "/supplement",
        {"documents": [{"file_id": str(stored.public_id)}], "note": "Đây"},
    )
    assert given.status_code == 200 and given.json()["state"] == "processing"
    assert post(as_user(world.other_citizen), url + "/actions/withdraw").status_code == 404
    done = post(as_user(world.citizen), url + "/actions/withdraw", {"reason": "Không cần nữa"})
    assert done.status_code == 200 and done.json()["national_status"] == 7


def test_a_read_only_personal_token_reads_but_cannot_act(world):
    from tinhso.core.apiclients import services as apiclients

    dossier = submit(world)
    _, token = apiclients.create_personal_token(
        actor=world.one_stop, user=world.one_stop, name="Báo cáo", scopes=["dossiers:read"]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(f"{URL}{dossier.code}").status_code == 200
    refused = post(client, f"{URL}{dossier.code}/actions/accept")
    assert refused.status_code == 403
    _, other = apiclients.create_personal_token(
        actor=world.one_stop_b, user=world.one_stop_b, name="Báo cáo", scopes=["dossiers:read"]
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(f"{URL}{dossier.code}").status_code == 404
