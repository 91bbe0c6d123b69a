"""The sign buttons on the officer's processing page (htmx through the action mechanism)."""

from __future__ import annotations

import pytest
from django.test import Client

from tinhso.dossiers.models import Dossier, ResultDocument
from tinhso.dossiers.tests import test_signing_support as support
from tinhso.dossiers.tests.test_signing_support import at_approval, attach, make_pdf

pytestmark = pytest.mark.django_db
pki = support.pki  # the fixture, for this module's tests

HX = {"HTTP_HX_REQUEST": "true"}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(client, dossier, action, data):
    data = {"version": str(Dossier.objects.get(pk=dossier.pk).version), **data}
    return client.post(f"/ho-so/lam-viec/{dossier.code}/thao-tac/{action}/", data, **HX)


def page(user, dossier) -> str:
    return as_user(user).get(f"/ho-so/lam-viec/{dossier.code}/").content.decode()


def test_the_leader_signs_then_the_one_stop_officer_seals_from_the_page(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    leader_page = page(world.leader, dossier)
    assert "Ký số (lãnh đạo)" in leader_page and "Đóng dấu số (cơ quan)" not in leader_page
    assert "Không có chữ ký số" in leader_page
    specialist_page = page(world.specialist, dossier)
    assert "Ký số (lãnh đạo)" not in specialist_page and "Đóng dấu số (cơ quan)" not in specialist_page

    response = act(as_user(world.leader), dossier, "sign_result", {"result": str(result.pk)})
    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert "Đã ký số kết quả" in html and "Nguyễn Văn Lãnh Đạo" in html and "sig-mark sig-ok" in html
    assert "thao-tac/sign_result/" not in html  # signed: no second button for the same leader

    desk_page = page(world.one_stop, dossier)
    assert "Đóng dấu số (cơ quan)" in desk_page and "Là phụ lục" not in desk_page
    response = act(as_user(world.one_stop), dossier, "seal_result", {"result": str(result.pk)})
    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert "Đã ký số của cơ quan" in html and html.count("sig-mark sig-ok") == 2
    assert ResultDocument.objects.get(pk=result.pk).is_signed


def test_refusals_come_back_in_the_panel(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    denied = act(as_user(world.specialist), dossier, "sign_result", {"result": str(result.pk)})
    assert denied.status_code == 403 and denied["X-Dossier-Panel"] == "1"
    premature = act(as_user(world.one_stop), dossier, "seal_result", {"result": str(result.pk)})
    assert premature.status_code == 409 and "lãnh đạo ký trước" in premature.content.decode()
    unknown = act(as_user(world.leader), dossier, "sign_result", {"result": "999999"})
    assert unknown.status_code == 422 and "Không tìm thấy kết quả" in unknown.content.decode()
    # Another agency's officer does not even see the dossier.
    other = act(as_user(world.one_stop_b), dossier, "seal_result", {"result": str(result.pk)})
    assert other.status_code == 404
    assert not ResultDocument.objects.get(pk=result.pk).signature_info["signatures"]


def test_an_attachment_can_be_sealed_without_a_leader_signature(world, pki):
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf(), name="Phụ lục")
    assert "Là phụ lục" in page(world.one_stop, dossier)
    response = act(
        as_user(world.one_stop), dossier, "seal_result", {"result": str(result.pk), "attachment": "1"}
    )
    assert response.status_code == 200, response.content
    assert ResultDocument.objects.get(pk=result.pk).is_signed


def test_a_broken_signature_is_explained_on_the_attach_form(world, pki):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.dossiers.tests.test_signing_support import sign_externally

    key, cert = pki.issue("Trần Thị Giám Đốc", "Sở Tư pháp")
    signed = bytearray(sign_externally(make_pdf(), pki.p12(key, cert)))
    at = signed.index(b"/Producer (") + 11
    signed[at] = ord("X") if signed[at] != ord("X") else ord("Y")
    dossier = at_approval(world)
    upload = SimpleUploadedFile("qd.pdf", bytes(signed), content_type="application/pdf")
    response = act(
        as_user(world.leader), dossier, "attach_result", {"name": "QĐ", "file": upload, "signed": "1"}
    )
    assert response.status_code == 422
    assert "không còn toàn vẹn" in response.content.decode()
    assert not ResultDocument.objects.filter(dossier=dossier).exists()
