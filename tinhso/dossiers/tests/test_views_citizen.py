"""The citizen's pages: apply online (one dossier per token), my dossiers, one dossier (supplement,
pay, withdraw, result, rating, forms) and who may open them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.core.files.tests.samples import pdf_bytes, png_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierState, Rating
from tinhso.dossiers.tests.conftest import deliver_events, received, submit
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers import sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_ENABLED = True
    settings.PAYMENT_SANDBOX_CALLBACK_TRANSPORT = "direct"
    settings.SITE_URL = "http://testserver"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_upload(name="to-khai.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def application(world, procedure=None, token="tok-1", **extra):
    procedure = procedure or world.simple
    required = procedure.documents.get(order=1)
    data = {
        "idempotency_token": token,
        "agency": world.dept.code,
        "f_ho_ten": "Trần Thị Dân",
        "f_so_ban": "2",
        "f_loai": "moi",
        "result_delivery": "online",
        f"doc_{required.pk}": pdf_upload(),
    }
    data.update(extra)
    return data


def test_apply_page_is_for_signed_in_citizens(world):
    url = f"/ho-so/nop/{world.simple.code}/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"]
    assert as_user(world.one_stop).get(url).status_code == 403
    page = as_user(world.citizen).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # The procedure's own fields, one file input per required document, a fresh token.
    assert 'name="f_ho_ten"' in html and 'name="f_so_ban"' in html and 'name="f_loai"' in html
    required = world.simple.documents.get(order=1)
    assert f'name="doc_{required.pk}"' in html and 'enctype="multipart/form-data"' in html
    assert 'name="idempotency_token"' in html
    assert as_user(world.citizen).get("/ho-so/nop/9.999999/").status_code == 404


def test_apply_creates_the_dossier_and_a_double_submit_creates_one(world):
    client = as_user(world.citizen)
    url = f"/ho-so/nop/{world.simple.code}/"
    first = client.post(url, application(world, token="same-token"))
    assert first.status_code == 302
    dossier = Dossier.objects.get()
    assert first["Location"] == f"/ho-so/{dossier.code}/"
    assert dossier.applicant == world.citizen and dossier.state == DossierState.SUBMITTED
    assert dossier.form_data == {"ho_ten": "Trần Thị Dân", "so_ban": 2, "loai": "moi"}
    assert dossier.documents.count() == 1 and dossier.result_delivery == "online"
    # The same page sent again (double click, resent form): the same dossier, nothing new.
    second = client.post(url, application(world, token="same-token"))
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Dossier.objects.count() == 1
    # A new page (a new token) is a new application.
    client.post(url, application(world, token="other-token"))
    assert Dossier.objects.count() == 2


def test_apply_shows_errors_next_to_the_fields(world):
    client = as_user(world.citizen)
    data = application(world, f_ho_ten="", f_loai="khong-co")
    required = world.simple.documents.get(order=1)
    data.pop(f"doc_{required.pk}")
    page = client.post(f"/ho-so/nop/{world.simple.code}/", data)
    assert page.status_code == 422
    html = page.content.decode()
    assert "Tờ khai có thông tin chưa hợp lệ." in html
    assert "“Họ tên người yêu cầu” là bắt buộc." in html and "lựa chọn không hợp lệ" in html
    assert Dossier.objects.count() == 0
    # The token survives the round trip so the corrected form is still one application.
    assert 'value="tok-1"' in html
    # Documents are checked after the form: a complete form without the required file.
    data = application(world)
    data.pop(f"doc_{required.pk}")
    page = client.post(f"/ho-so/nop/{world.simple.code}/", data)
    assert page.status_code == 422 and "Thành phần bắt buộc: hãy chọn tệp." in page.content.decode()
    # An image where the item accepts PDF only; an image disguised as a PDF (checked by content).
    data = application(world, **{f"doc_{required.pk}": SimpleUploadedFile("anh.png", png_bytes())})
    page = client.post(f"/ho-so/nop/{world.simple.code}/", data)
    assert page.status_code == 422 and "chỉ nhận tệp: pdf" in page.content.decode()
    data = application(world, **{f"doc_{required.pk}": SimpleUploadedFile("anh.pdf", png_bytes())})
    assert client.post(f"/ho-so/nop/{world.simple.code}/", data).status_code == 415
    assert Dossier.objects.count() == 0


def test_offline_procedure_has_no_form(world):
    page = as_user(world.citizen).get(f"/ho-so/nop/{world.offline.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "không được cung cấp trực tuyến" in html and 'name="idempotency_token"' not in html


def test_my_dossiers_lists_only_mine(world):
    mine = submit(world)
    theirs = submit(world, actor=world.other_citizen)
    page = as_user(world.citizen).get("/ho-so/cua-toi/")
    html = page.content.decode()
    assert page.status_code == 200 and mine.code in html and theirs.code not in html
    assert "Mới đăng ký" in html
    assert as_user(world.one_stop).get("/ho-so/cua-toi/").status_code == 403
    assert Client().get("/ho-so/cua-toi/").status_code == 302


def test_dossier_page_is_for_its_owner(world):
    dossier = received(world)
    url = f"/ho-so/{dossier.code}/"
    page = as_user(world.citizen).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert dossier.code in html and "Đang xử lý" in html and "Tiếp nhận hồ sơ" in html
    # The applicant does not see officer usernames on their timeline.
    assert "motcua.stp" not in html
    assert as_user(world.other_citizen).get(url).status_code == 404
    assert as_user(world.one_stop).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    # Form 01 (receipt and appointment) is theirs to download.
    pdf = as_user(world.citizen).get(f"/ho-so/{dossier.code}/mau-1.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert as_user(world.other_citizen).get(f"/ho-so/{dossier.code}/mau-1.pdf").status_code == 404
    # The control sheet (06) is the agency's, and a form the dossier does not have is refused.
    assert as_user(world.citizen).get(f"/ho-so/{dossier.code}/mau-6.pdf").status_code == 404
    assert as_user(world.citizen).get(f"/ho-so/{dossier.code}/mau-3.pdf").status_code == 409


def test_supplement_request_is_fulfilled_from_the_dossier_page(world):
    dossier = received(world)
    services.request_supplement(
        actor=world.specialist,
        dossier=dossier,
        reason="Bản scan tờ khai bị mờ",
        items=[{"name": "Tờ khai theo mẫu", "required_document_id": world.simple.documents.get(order=1).pk}],
    )
    client = as_user(world.citizen)
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Bản scan tờ khai bị mờ" in html and 'name="item_0"' in html
    response = client.post(
        f"/ho-so/{dossier.code}/bo-sung/", {"item_0": pdf_upload("to-khai-moi.pdf"), "note": "Đã scan lại"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.PROCESSING
    assert dossier.documents.filter(supplement_request__isnull=False).count() == 1
    # Someone else cannot hand in a supplement for it.
    assert (
        as_user(world.other_citizen).post(f"/ho-so/{dossier.code}/bo-sung/", {"note": "x"}).status_code == 404
    )


def test_empty_supplement_is_refused_with_a_message(world):
    dossier = received(world)
    services.request_supplement(actor=world.specialist, dossier=dossier, reason="Thiếu giấy tờ")
    client = as_user(world.citizen)
    response = client.post(f"/ho-so/{dossier.code}/bo-sung/", {"note": ""}, follow=True)
    assert "Cần gửi tệp bổ sung hoặc ghi chú giải trình." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_SUPPLEMENT


def test_pay_sends_the_applicant_to_the_provider_and_the_payment_moves_the_dossier(
    world, django_capture_on_commit_callbacks
):
    dossier = submit(world, world.paid)
    client = as_user(world.citizen)
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "100.000 đ" in html and "Thanh toán" in html
    response = client.post(f"/ho-so/{dossier.code}/thanh-toan/")
    assert response.status_code == 302 and "/thanh-toan/sandbox/" in response["Location"]
    payment = Payment.objects.get(payable_type="dossier", payable_id=dossier.code)
    assert payment.amount == 100000 and payment.status == PaymentStatus.PENDING
    # Pressing it again goes back to the same transaction, no second payment.
    again = client.post(f"/ho-so/{dossier.code}/thanh-toan/")
    assert again["Location"] == response["Location"] and Payment.objects.count() == 1
    # The "bank" confirms; the notification marks it paid.
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.complete_transaction(payment.provider_ref, outcome="success")
    deliver_events()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "đã thanh toán" in html and f'action="/ho-so/{dossier.code}/thanh-toan/"' not in html
    assert client.post(f"/ho-so/{dossier.code}/thanh-toan/", follow=True).status_code == 200
    assert Payment.objects.count() == 1
    # Nobody else may pay (or see) it.
    assert as_user(world.other_citizen).post(f"/ho-so/{dossier.code}/thanh-toan/").status_code == 404


def test_free_dossier_has_no_pay_button(world):
    dossier = submit(world)
    html = as_user(world.citizen).get(f"/ho-so/{dossier.code}/").content.decode()
    assert "/thanh-toan/" not in html
    response = as_user(world.citizen).post(f"/ho-so/{dossier.code}/thanh-toan/", follow=True)
    assert "Hồ sơ không có khoản phí cần thanh toán." in response.content.decode()


def test_withdraw_asks_for_confirmation(world):
    dossier = received(world)
    client = as_user(world.citizen)
    page = client.get(f"/ho-so/{dossier.code}/rut/")
    assert page.status_code == 200 and "Xác nhận rút hồ sơ" in page.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.PROCESSING  # looking at the page changes nothing
    assert as_user(world.other_citizen).post(f"/ho-so/{dossier.code}/rut/").status_code == 404
    response = client.post(f"/ho-so/{dossier.code}/rut/", {"reason": "Nộp nhầm thủ tục"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.WITHDRAWN
    again = client.post(f"/ho-so/{dossier.code}/rut/")
    assert again.status_code == 409 and "không thể rút" in again.content.decode()


def _returned(world, procedure=None):
    dossier = received(world, procedure)
    services.complete_step(actor=world.specialist, dossier=dossier)
    services.complete_step(actor=world.leader, dossier=dossier)
    services.attach_result(
        actor=world.one_stop,
        dossier=dossier,
        name="Bản sao trích lục",
        upload=io.BytesIO(pdf_bytes()),
        purpose="dossier_attachment",
    )
    return dossier


def test_result_download_and_rating_after_the_return(world):
    dossier = _returned(world)
    result = dossier.results.get()
    client = as_user(world.citizen)
    url = f"/ho-so/{dossier.code}/tep/{result.file.public_id}/"
    # Processed but not returned yet: the applicant does not get the file.
    assert client.get(url).status_code == 404
    assert 'name="score"' not in client.get(f"/ho-so/{dossier.code}/").content.decode()
    services.return_result(actor=world.one_stop, dossier=dossier, via="online")
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Đã trả kết quả" in html and url in html and 'name="score"' in html
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert as_user(world.other_citizen).get(url).status_code == 404
    assert client.post(f"/ho-so/{dossier.code}/danh-gia/", {"score": "9"}, follow=True).status_code == 200
    assert not Rating.objects.exists()
    client.post(f"/ho-so/{dossier.code}/danh-gia/", {"score": "5", "comment": "Nhanh, đúng hẹn"})
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == (5, "Nhanh, đúng hẹn")
    assert "5/5 điểm." in client.get(f"/ho-so/{dossier.code}/").content.decode()


def test_a_submitted_document_downloads_for_its_owner_only(world):
    dossier = submit(world)
    document = dossier.documents.get()
    url = f"/ho-so/{dossier.code}/tep/{document.file.public_id}/"
    assert as_user(world.citizen).get(url).status_code == 200
    assert as_user(world.other_citizen).get(url).status_code == 404
