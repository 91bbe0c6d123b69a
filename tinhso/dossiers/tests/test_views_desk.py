"""At the desk: the one-stop officer hands in a supplement on the applicant's behalf, and adds the
documents the applicant brought to a dossier not yet received."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.core.files import purposes
from tinhso.core.files.models import StoredFile
from tinhso.core.files.tests.samples import pdf_bytes, png_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierDocument, DossierState, SupplementRequest
from tinhso.dossiers.tests.conftest import received, submit

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf(name="bo-sung.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png(name="anh.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def post(client, dossier, page, data, *, htmx=True):
    data = {"version": str(Dossier.objects.get(pk=dossier.pk).version), **data}
    return client.post(f"/ho-so/lam-viec/{dossier.code}/{page}/", data, **(HX if htmx else {}))


def snapshot(dossier) -> tuple:
    """What a refused desk action must leave as it was."""
    row = Dossier.objects.get(pk=dossier.pk)
    return (
        row.state,
        row.version,
        DossierDocument.objects.filter(dossier=dossier).count(),
        StoredFile.objects.count(),
        SupplementRequest.objects.filter(dossier=dossier, fulfilled_at__isnull=True).count(),
    )


@pytest.fixture
def tiny_attachments(monkeypatch):
    """The attachment purpose with a 2 KB limit, to send an oversized file cheaply."""
    real = purposes.get_purpose("dossier_attachment")
    small = purposes.Purpose(real.name, real.allowed_types, max_bytes=2048, description=real.description)
    monkeypatch.setitem(purposes._PURPOSES, real.name, small)


# --- Supplement at the desk -------------------------------------------------------------------


@pytest.fixture
def waiting(world):
    """A dossier in processing whose specialist asked for the declaration again and an ID copy."""
    dossier = received(world)
    declaration = world.simple.documents.get(order=1)
    services.request_supplement(
        actor=world.specialist,
        dossier=dossier,
        reason="Tờ khai thiếu chữ ký",
        items=[{"name": declaration.name, "required_document_id": declaration.pk}, "Bản sao CCCD"],
    )
    return dossier


def test_desk_supplement_form_is_offered_to_the_desk(world, waiting):
    html = as_user(world.one_stop).get(f"/ho-so/lam-viec/{waiting.code}/").content.decode()
    assert "Nhận hồ sơ bổ sung tại quầy" in html and "/bo-sung-tai-quay/" in html
    assert 'name="item_0"' in html and 'name="item_1"' in html and "Bản sao CCCD" in html
    assert 'hx-encoding="multipart/form-data"' in html
    # The specialist who asked for it does not hand it in.
    html = as_user(world.specialist).get(f"/ho-so/lam-viec/{waiting.code}/").content.decode()
    assert "/bo-sung-tai-quay/" not in html


def test_one_stop_officer_hands_in_the_supplement(world, waiting):
    response = post(
        as_user(world.one_stop),
        waiting,
        "bo-sung-tai-quay",
        {"item_0": pdf("to-khai-ky.pdf"), "item_1": png("cccd.png"), "note": "Người nộp mang đến quầy"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Đã nhận hồ sơ bổ sung tại quầy (2 tệp)" in html
    dossier = Dossier.objects.get(pk=waiting.pk)
    assert dossier.state == DossierState.PROCESSING
    supplement = SupplementRequest.objects.get(dossier=dossier)
    assert supplement.fulfilled_by == world.one_stop
    assert supplement.fulfilment_note == "Người nộp mang đến quầy"
    names = set(DossierDocument.objects.filter(supplement_request=supplement).values_list("name", flat=True))
    assert names == {"Tờ khai theo mẫu", "Bản sao CCCD"}
    assert "Nộp bổ sung hồ sơ" in html  # the timeline shows the fulfilment


def test_without_javascript_the_desk_supplement_redirects(world, waiting):
    response = post(
        as_user(world.one_stop), waiting, "bo-sung-tai-quay", {"note": "Đã giải trình"}, htmx=False
    )
    assert response.status_code == 302 and response["Location"] == f"/ho-so/lam-viec/{waiting.code}/"
    assert Dossier.objects.get(pk=waiting.pk).state == DossierState.PROCESSING


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        # The declaration item accepts PDF only.
        (lambda: {"item_0": png()}, 422, "chỉ nhận tệp: pdf"),
        # Not a document at all.
        (
            lambda: {"extra": SimpleUploadedFile("chay.exe", b"MZ\x90\x00" + b"\x00" * 200)},
            415,
            "",
        ),
        # Neither a file nor a note.
        (lambda: {}, 422, "Cần gửi tệp bổ sung hoặc ghi chú giải trình."),
    ],
)
def test_bad_supplement_is_refused_and_nothing_changes(world, waiting, data, status, message):
    before = snapshot(waiting)
    response = post(as_user(world.one_stop), waiting, "bo-sung-tai-quay", data())
    assert response.status_code == status
    html = response.content.decode()
    assert message in html and 'class="notice notice-error"' in html
    assert response["X-Dossier-Panel"] == "1"
    assert snapshot(waiting) == before


def test_oversized_supplement_is_refused(world, waiting, tiny_attachments):
    before = snapshot(waiting)
    big = SimpleUploadedFile("lon.pdf", pdf_bytes(b"0" * 5000), content_type="application/pdf")
    response = post(as_user(world.one_stop), waiting, "bo-sung-tai-quay", {"item_0": big})
    assert response.status_code == 413
    assert snapshot(waiting) == before


def test_desk_supplement_refused_for_others(world, waiting):
    before = snapshot(waiting)
    assert post(as_user(world.one_stop_b), waiting, "bo-sung-tai-quay", {"note": "x"}).status_code == 404
    assert post(as_user(world.specialist), waiting, "bo-sung-tai-quay", {"note": "x"}).status_code == 403
    # The applicant uses their own page, not the workspace.
    assert post(as_user(world.citizen), waiting, "bo-sung-tai-quay", {"note": "x"}).status_code == 403
    assert snapshot(waiting) == before


# --- Documents before receipt -----------------------------------------------------------------


def test_add_documents_form_is_offered_before_receipt_only(world):
    dossier = submit(world)
    html = as_user(world.one_stop).get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "Thêm giấy tờ trước khi tiếp nhận" in html and "/them-giay-to/" in html
    assert "Đã có 1 tệp." in html and "Chưa có tệp." in html
    services.accept_dossier(actor=world.one_stop, dossier=dossier)
    html = as_user(world.one_stop).get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()
    assert "/them-giay-to/" not in html


def test_one_stop_officer_adds_documents(world):
    dossier = submit(world)
    other = world.simple.documents.get(order=2)
    response = post(
        as_user(world.one_stop),
        dossier,
        "them-giay-to",
        {f"doc_{other.pk}": [pdf("giay-khac.pdf"), png("anh.png")], "doc_other": pdf("them.pdf")},
    )
    assert response.status_code == 200 and "Đã thêm 3 tệp vào hồ sơ." in response.content.decode()
    rows = DossierDocument.objects.filter(dossier=dossier)
    assert rows.count() == 4
    assert rows.filter(required_document=other).count() == 2
    assert rows.filter(name="them.pdf", required_document__isnull=True, uploaded_by=world.one_stop).exists()
    # Then the dossier is received as usual.
    services.accept_dossier(actor=world.one_stop, dossier=dossier)


def test_bad_documents_are_refused_and_nothing_changes(world, tiny_attachments):
    dossier = submit(world)
    declaration = world.simple.documents.get(order=1)
    client = as_user(world.one_stop)
    before = snapshot(dossier)
    cases = [
        ({f"doc_{declaration.pk}": png()}, 422, "chỉ nhận tệp: pdf"),
        ({"doc_other": SimpleUploadedFile("lon.pdf", pdf_bytes(b"0" * 5000))}, 413, ""),
        ({"doc_other": SimpleUploadedFile("ghi-chu.txt", b"chi la van ban")}, 415, ""),
        ({}, 422, "Chưa chọn tệp nào."),
    ]
    for data, status, message in cases:
        response = post(client, dossier, "them-giay-to", data)
        assert response.status_code == status, data
        assert message in response.content.decode()
        assert snapshot(dossier) == before


def test_add_documents_refused_for_others_and_after_receipt(world):
    dossier = submit(world)
    before = snapshot(dossier)
    assert post(as_user(world.one_stop_b), dossier, "them-giay-to", {"doc_other": pdf()}).status_code == 404
    assert post(as_user(world.specialist), dossier, "them-giay-to", {"doc_other": pdf()}).status_code == 403
    assert snapshot(dossier) == before
    services.accept_dossier(actor=world.one_stop, dossier=dossier)
    accepted = snapshot(dossier)
    response = post(as_user(world.one_stop), dossier, "them-giay-to", {"doc_other": pdf()})
    assert response.status_code == 409 and "vừa được người khác xử lý" in response.content.decode()
    assert snapshot(dossier) == accepted


def test_without_javascript_an_error_renders_the_page(world):
    dossier = submit(world)
    response = post(as_user(world.one_stop), dossier, "them-giay-to", {}, htmx=False)
    html = response.content.decode()
    assert response.status_code == 422 and "Chưa chọn tệp nào." in html and "<html" in html
