"""The citizen's pages: the submission form (one report per token, errors next to their field,
the category's rules), their own reports, confirming and reopening."""

import io

import pytest

from tinhso.core.testing.factories import make_citizen
from tinhso.feedback.models import Report, ReportPhoto, ReportStatus
from tinhso.feedback.tests.conftest import HANOI, VI_THANH, image_bytes, in_status

pytestmark = pytest.mark.django_db

SUBMIT = "/phan-anh/gui/"
DESCRIPTION = "Đèn đường trước cổng trường tắt ba đêm liền."


def _photo(data: bytes | None = None, name: str = "anh.jpg"):
    handle = io.BytesIO(image_bytes() if data is None else data)
    handle.name = name
    return handle


def _form(**overrides):
    form = {
        "category": "den-duong",
        "idempotency_token": "web-3f1b6c0e2a9d4d7c8b5e1f0a2c3d4e5f",
        "description": DESCRIPTION,
        "latitude": str(VI_THANH[0]),
        "longitude": str(VI_THANH[1]),
        "address": "Trước cổng trường tiểu học",
        "unit": "31321",
        "attr-tinh-trang": "tat",
        "photos": [_photo()],
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_first_step_lists_the_categories(client, lights, building):
    html = client.get(SUBMIT).content.decode()
    assert "Đèn đường hư hỏng" in html and "Xây dựng trái phép" in html
    assert "cần đăng nhập" in html  # building needs a signed-in reporter
    response = client.get(SUBMIT, {"linh-vuc": "khong-co"})
    assert response.status_code == 404
    assert "không tồn tại" in response.content.decode()


def test_form_shows_the_category_questions_and_a_token(client, lights):
    response = client.get(SUBMIT, {"linh-vuc": "den-duong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tình trạng đèn" in html and "Đèn chập chờn" in html and "Số hiệu cột đèn" in html
    assert 'name="idempotency_token" value="web-' in html
    assert 'name="contact_email"' in html  # anonymous visitors leave a contact
    assert 'data-fb-map="picker"' in html
    # Two visits, two tokens: a new form is a new report.
    again = client.get(SUBMIT, {"linh-vuc": "den-duong"}).content.decode()
    token = html.split('name="idempotency_token" value="')[1].split('"')[0]
    assert token not in again


def test_signed_in_citizen_submits_once_per_token(client, lights, citizen, ward_vt):
    client.force_login(citizen)
    response = client.post(SUBMIT, _form())
    assert response.status_code == 302
    report = Report.objects.get()
    assert response.url == f"/phan-anh/cua-toi/{report.public_id}/"
    assert report.reporter == citizen and report.agency == ward_vt and report.channel == "web"
    assert report.attributes == {"tinh-trang": "tat"} and report.photos.count() == 1
    assert report.identity_public is False
    # The same form sent again (double click, back and resend): the same report, nothing new.
    again = client.post(SUBMIT, _form(photos=[_photo()]))
    assert again.status_code == 302 and again.url == response.url
    assert Report.objects.count() == 1 and ReportPhoto.objects.count() == 1
    # A new form (a new token) is a new report.
    client.post(SUBMIT, _form(idempotency_token="web-another-token"))
    assert Report.objects.count() == 2
    page = client.get(response.url)
    assert f"Đã gửi phản ánh {report.public_id}" in page.content.decode()


def test_anonymous_report_with_contact(client, lights):
    response = client.post(
        SUBMIT, _form(contact_name="Lê Thị Hoa", contact_email="hoa@example.vn", identity_public="on")
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter is None and report.contact_name == "Lê Thị Hoa" and report.identity_public
    assert response.url == f"/phan-anh/{report.public_id}/"
    assert "hoa@example.vn" not in report.contact_email_encrypted  # stored encrypted by the core


def test_anonymous_report_without_contact_is_refused_next_to_the_contact(client, lights):
    response = client.post(SUBMIT, _form())
    assert response.status_code == 422
    html = response.content.decode()
    assert "cần để lại thư điện tử hoặc số điện thoại" in html
    assert 'id="fb-contact-error"' in html
    assert DESCRIPTION in html  # what was typed is kept
    assert 'value="web-3f1b6c0e2a9d4d7c8b5e1f0a2c3d4e5f"' in html  # the same token, for the retry
    assert not Report.objects.exists()


def test_category_for_signed_in_reporters_only(client, building, citizen):
    html = client.get(SUBMIT, {"linh-vuc": building.code}).content.decode()
    assert "chỉ nhận phản ánh của người đã đăng nhập" in html and 'name="description"' not in html
    response = client.post(SUBMIT, _form(category=building.code, contact_email="a@example.vn"))
    assert response.status_code == 422 and not Report.objects.exists()
    client.force_login(citizen)
    response = client.post(SUBMIT, _form(category=building.code, photos=None, **{"attr-tinh-trang": None}))
    assert response.status_code == 302 and Report.objects.get().category == building


@pytest.mark.parametrize(
    "overrides, field_id, message",
    [
        ({"description": "ngắn"}, "fb-description-error", "Nội dung phản ánh cần từ 10"),
        ({"latitude": str(HANOI[0]), "longitude": str(HANOI[1])}, "fb-location-error", "nằm ngoài địa bàn"),
        ({"latitude": "9.78", "longitude": ""}, "fb-location-error", "cả vĩ độ và kinh độ"),
        (
            {"latitude": "", "longitude": "", "address": "", "unit": ""},
            "fb-location-error",
            "Cần cho biết vị trí",
        ),
        ({"unit": "99999"}, "fb-unit-error", "Không tìm thấy đơn vị hành chính"),
        ({"attr-tinh-trang": ""}, "fb-attr-tinh-trang-error", "Cần trả lời: Tình trạng đèn"),
        ({"attr-tinh-trang": "xyz"}, "fb-attr-tinh-trang-error", "lựa chọn không hợp lệ"),
        ({"photos": None}, "fb-photos-error", "cần ít nhất một ảnh"),
        ({"photos": [_photo(b"not an image at all")]}, "fb-photos-error", "Ảnh thứ 1: Ảnh không hợp lệ"),
        ({"photos": [_photo() for _ in range(6)]}, "fb-photos-error", "Tối đa 5 ảnh"),
    ],
)
def test_errors_are_shown_next_to_their_field(client, lights, citizen, overrides, field_id, message):
    client.force_login(citizen)
    response = client.post(SUBMIT, _form(**overrides))
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="{field_id}"' in html
    assert message in html
    assert not Report.objects.exists()


def test_english_errors(client, lights, citizen, settings):
    client.force_login(citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(SUBMIT, _form(description="ngắn")).content.decode()
    assert "The description needs 10 to 5000 characters." in html


def test_my_reports_are_mine_only(client, submit, citizen, other_citizen, officer_vt):
    mine = submit()
    theirs = submit(actor=other_citizen, description="Một phản ánh của người khác hoàn toàn.")
    assert client.get("/phan-anh/cua-toi/").status_code == 302  # sign in first
    client.force_login(citizen)
    html = client.get("/phan-anh/cua-toi/").content.decode()
    assert mine.public_id in html and theirs.public_id not in html
    assert client.get(f"/phan-anh/cua-toi/{theirs.public_id}/").status_code == 404
    own = client.get(f"/phan-anh/cua-toi/{mine.public_id}/").content.decode()
    assert "Đèn không sáng" in own  # the answer, labelled by its value name
    client.force_login(officer_vt)
    assert client.get("/phan-anh/cua-toi/").status_code == 403


def test_owner_sees_own_hidden_description(client, submit, citizen, leader_vt):
    from tinhso.feedback import services

    report = submit()
    services.moderate_report(actor=leader_vt, report=report, reason="Ẩn thử.", hide_description=True)
    client.force_login(citizen)
    html = client.get(f"/phan-anh/cua-toi/{report.public_id}/").content.decode()
    assert "Đèn đường trước chợ Vị Thanh" in html and "đã được ẩn khỏi trang công khai" in html


def test_confirm_a_resolved_report(client, submit, citizen, other_citizen):
    report = in_status(submit(), ReportStatus.RESOLVED)
    url = f"/phan-anh/cua-toi/{report.public_id}/"
    client.force_login(other_citizen)
    assert client.post(url + "xac-nhan/").status_code == 404
    client.force_login(citizen)
    assert "Xác nhận đã giải quyết" in client.get(url).content.decode()
    assert client.get(url + "xac-nhan/").status_code == 405
    response = client.post(url + "xac-nhan/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.close_kind == "confirmed"
    # Confirming again: a clear message, not a crash.
    again = client.post(url + "xac-nhan/")
    assert again.status_code == 409
    assert "Trạng thái hiện tại của phản ánh không cho phép thao tác này." in again.content.decode()


def test_reopen_once_with_a_reason(client, submit, citizen):
    report = in_status(submit(), ReportStatus.RESOLVED)
    url = f"/phan-anh/cua-toi/{report.public_id}/"
    client.force_login(citizen)
    short = client.post(url + "mo-lai/", {"reason": "chưa"})
    assert short.status_code == 422 and "ký tự" in short.content.decode()
    response = client.post(url + "mo-lai/", {"reason": "Đèn vẫn không sáng sau hai ngày."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.REOPENED and report.reopen_count == 1
    in_status(report, ReportStatus.RESOLVED)
    html = client.get(url).content.decode()
    assert "Mở lại phản ánh" not in html and "Xác nhận đã giải quyết" in html
    second = client.post(url + "mo-lai/", {"reason": "Vẫn chưa được, lần thứ hai."})
    assert second.status_code == 409 and "chỉ được mở lại một lần" in second.content.decode()


def test_a_citizen_who_is_not_the_reporter_gets_no_own_links(client, submit):
    report = submit()
    stranger = make_citizen(full_name="Người lạ")
    client.force_login(stranger)
    html = client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert f"/phan-anh/cua-toi/{report.public_id}/" not in html
