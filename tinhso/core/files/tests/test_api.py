"""The files API end to end: upload, metadata, download, delete, and each refusal's status and code."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.core.files.models import StoredFile
from tinhso.core.files.tests.samples import pdf_bytes, png_bytes, stored_blobs, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/files/"


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def upload(client, data, name, purpose="dossier_attachment", **extra):
    return client.post(URL, {"purpose": purpose, "file": SimpleUploadedFile(name, data), **extra})


def test_upload_download_round_trip(citizen_client):
    data = xlsx_bytes()
    response = upload(citizen_client, data, "Bảng kê.xlsx")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Bảng kê.xlsx"
    assert body["content_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["scan_status"] == "not_scanned"
    assert set(body) == {
        "id",
        "name",
        "content_type",
        "size",
        "sha256",
        "purpose",
        "scan_status",
        "created_at",
    }

    meta = citizen_client.get(f"{URL}{body['id']}")
    assert meta.status_code == 200 and meta.json() == body

    download = citizen_client.get(f"{URL}{body['id']}/content")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == body["content_type"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''B%E1%BA%A3ng%20k%C3%AA.xlsx" in download["Content-Disposition"]
    assert download["Content-Length"] == str(len(data))


def test_other_citizen_gets_404_for_metadata_content_and_delete(citizen_client, client, other_citizen):
    file_id = upload(citizen_client, pdf_bytes(), "don.pdf").json()["id"]
    client.force_login(other_citizen)
    for response in (
        client.get(f"{URL}{file_id}"),
        client.get(f"{URL}{file_id}/content"),
        client.delete(f"{URL}{file_id}"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "files.not_found"
    assert not StoredFile.objects.get().is_deleted


def test_anonymous_cannot_upload_or_read(client, settings):
    response = upload(client, pdf_bytes(), "don.pdf")
    assert response.status_code == 401 and response.json()["code"] == "auth.required"
    assert not StoredFile.objects.exists() and not stored_blobs(settings)


@pytest.mark.parametrize(
    ("data", "name", "purpose", "status", "code"),
    [
        (pdf_bytes(b"0" * (10 * 1024 * 1024)), "a.pdf", "image", 413, "files.too_large"),
        (png_bytes(), "a.png", "signed_document", 415, "files.type_not_allowed"),
        (png_bytes(), "a.pdf", "image", 415, "files.extension_mismatch"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "a.png", "image", 415, "files.executable"),
        (b'{"a": ', "a.json", "data_import", 422, "files.invalid_json"),
        (png_bytes(), "a.png", "khong_co", 422, "files.unknown_purpose"),
        (b"", "a.png", "image", 422, "files.empty"),
    ],
)
def test_refusals_have_status_and_stable_code(citizen_client, settings, data, name, purpose, status, code):
    response = upload(citizen_client, data, name, purpose=purpose)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message_vi"] and body["message_en"]
    assert not StoredFile.objects.exists() and not stored_blobs(settings)


def test_missing_fields_are_422(citizen_client):
    response = citizen_client.post(URL, {"purpose": "image"})
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    response = citizen_client.post(URL, {"file": SimpleUploadedFile("a.png", png_bytes())})
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert citizen_client.get(f"{URL}not-a-uuid").status_code in (404, 422)


def test_unknown_agency_code_is_404(citizen_client):
    response = upload(citizen_client, pdf_bytes(), "don.pdf", agency_code="999.99.99.Z99")
    assert response.status_code == 404 and response.json()["code"] == "agency.not_found"
    assert not StoredFile.objects.exists()


def test_citizen_hands_a_file_to_an_agency(citizen_client, agency):
    response = upload(citizen_client, pdf_bytes(), "don.pdf", agency_code=agency.code)
    assert response.status_code == 201
    assert StoredFile.objects.get().agency == agency


def test_delete_then_gone(citizen_client, settings):
    file_id = upload(citizen_client, pdf_bytes(), "don.pdf").json()["id"]
    assert citizen_client.delete(f"{URL}{file_id}").status_code == 204
    assert citizen_client.get(f"{URL}{file_id}").status_code == 404
    assert len(stored_blobs(settings)) == 1  # removed by the purge, not at once


def test_purposes_are_listed(citizen_client):
    response = citizen_client.get(f"{URL}purposes")
    assert response.status_code == 200
    by_name = {p["name"]: p for p in response.json()}
    assert by_name["signed_document"]["allowed_types"] == ["application/pdf"]
    assert by_name["signed_document"]["max_bytes"] == 50 * 1024 * 1024
