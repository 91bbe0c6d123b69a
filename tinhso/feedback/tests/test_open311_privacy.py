"""What Open311 publishes of a report is the public view: no reporter's name, e-mail, phone or
private address, no content a moderator hid, no spam."""

from __future__ import annotations

import pytest

from tinhso.feedback import services
from tinhso.feedback.models import ReportStatus
from tinhso.feedback.tests.conftest import VI_THANH, force_status, image_bytes, upload
from tinhso.feedback.tests.test_open311_support import (  # noqa: F401 (fixtures)
    BASE,
    FORMATS,
    api_key_fixture,
    issued_key_fixture,
    open311_clean_state_fixture,
    parse,
    potholes_fixture,
)

pytestmark = pytest.mark.django_db


def _submit(client, api_key, **extra):
    fields = {
        "api_key": api_key,
        "service_code": "o-ga",
        "lat": str(VI_THANH[0]),
        "long": str(VI_THANH[1]),
        "address_string": "Hẻm 12 Trần Hưng Đạo",
        "address_id": "31321",
        "email": "nguoidan@example.vn",
        "phone": "0912345678",
        "first_name": "An",
        "last_name": "Nguyễn Văn",
        "account_id": "acc-secret-77",
        "description": "Ổ gà sâu ở đầu hẻm, trời tối rất nguy hiểm.",
        "attribute[kich-thuoc]": "35",
        "media": upload(image_bytes()),
        **extra,
    }
    response = client.post(f"{BASE}/requests.json", fields)
    assert response.status_code == 201, response.content
    return parse(response, "json")[1][0]["service_request_id"]


def _outputs(client, public_id):
    from tinhso.feedback.models import Report

    token = Report.objects.get(public_id=public_id).token
    for fmt in FORMATS:
        for path in ("requests", f"requests/{public_id}", f"tokens/{token}", "services"):
            response = client.get(f"{BASE}/{path}.{fmt}")
            assert response.status_code == 200
            yield fmt, path, response.content.decode("utf-8")


def test_no_personal_data_in_any_answer(client, potholes, api_key):
    public_id = _submit(client, api_key)
    for fmt, path, text in _outputs(client, public_id):
        for value in ("Nguyễn Văn An", "nguoidan@example.vn", "0912345678", "acc-secret-77", "Hẻm 12"):
            assert value not in text, f"{value!r} in {path}.{fmt}"
    (item,) = parse(client.get(f"{BASE}/requests/{public_id}.json"), "json")[1]
    assert item["address"] == "Phường Vị Thanh"  # where, without who
    assert item["description"] == "Ổ gà sâu ở đầu hẻm, trời tối rất nguy hiểm."


def test_the_post_answer_echoes_only_the_clients_account_id(client, potholes, api_key):
    response = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": api_key,
            "service_code": "o-ga",
            "address_id": "31321",
            "email": "nguoidan@example.vn",
            "phone": "0912345678",
            "first_name": "An",
            "last_name": "Nguyễn Văn",
            "description": "Ổ gà sâu ở đầu hẻm, trời tối rất nguy hiểm.",
            "attribute[kich-thuoc]": "35",
        },
    )
    text = response.content.decode()
    assert response.status_code == 201
    for value in ("nguoidan@example.vn", "0912345678", "Nguyễn Văn An"):
        assert value not in text


def test_moderated_content_stays_hidden(client, potholes, api_key, admin):
    from tinhso.feedback.models import Report

    public_id = _submit(client, api_key)
    report = Report.objects.get(public_id=public_id)
    (before,) = parse(client.get(f"{BASE}/requests/{public_id}.json"), "json")[1]
    assert before["media_url"] and before["description"]
    services.moderate_report(
        actor=admin,
        report=report,
        reason="Ảnh có biển số xe, nội dung xúc phạm.",
        hide_description=True,
        hide_photos=True,
    )
    for fmt in FORMATS:
        for path in ("requests", f"requests/{public_id}"):
            root, data = parse(client.get(f"{BASE}/{path}.{fmt}"), fmt)
            (item,) = data
            assert item["description"] is None
            assert item["media_url"] is None
            text = client.get(f"{BASE}/{path}.{fmt}").content.decode()
            assert "trời tối rất nguy hiểm" not in text
            assert before["media_url"] not in text
    assert client.get(before["media_url"]).status_code == 404


def test_a_named_reporter_is_still_not_named_by_open311(client, potholes, api_key):
    # Open311 cannot ask for consent: its reports are never identity_public.
    public_id = _submit(client, api_key)
    text = client.get(f"{BASE}/requests/{public_id}.xml").content.decode()
    assert "Nguyễn Văn" not in text and "Hẻm 12" not in text


def test_spam_is_not_published(client, potholes, api_key):
    from tinhso.feedback.models import Report

    public_id = _submit(client, api_key)
    report = Report.objects.get(public_id=public_id)
    force_status(report, ReportStatus.REJECTED, rejection_kind="spam")
    for fmt in FORMATS:
        assert parse(client.get(f"{BASE}/requests.{fmt}"), fmt)[1] == []
        assert client.get(f"{BASE}/requests/{public_id}.{fmt}").status_code == 404
        assert (
            client.get(f"{BASE}/requests.{fmt}", {"service_request_id": public_id}).content.count(
                public_id.encode()
            )
            == 0
        )
        assert client.get(f"{BASE}/tokens/{report.token}.{fmt}").status_code == 404


def test_the_media_url_a_client_sent_is_never_republished(client, potholes, api_key):
    public_id = _submit(client, api_key, media_url="https://anh.example.vn/mat-nguoi.jpg")
    for _fmt, _path, text in _outputs(client, public_id):
        assert "anh.example.vn" not in text
