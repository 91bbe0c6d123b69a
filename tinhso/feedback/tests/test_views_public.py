"""The public pages: map and list, the markers' data, one report's page. Nothing personal may
appear, moderated content is replaced by a notice, spam is not published."""

import pytest
from django.urls import reverse
from django.utils import translation

from tinhso.core.permissions import SYSTEM
from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportStatus
from tinhso.feedback.tests.conftest import NGA_BAY, in_status
from tinhso.feedback.views import common

pytestmark = pytest.mark.django_db


def _vi(label) -> str:
    """The Vietnamese label, whatever language an earlier test left active in this thread."""
    with translation.override("vi"):
        return str(label)


BROWSE = "/phan-anh/"
MAP = "/phan-anh/ban-do.json"
SECRET_ADDRESS = "Nhà riêng số 17 hẻm 4 đường Nguyễn Huệ"
DESCRIPTION = "Đèn đường trước chợ Vị Thanh không sáng nhiều đêm nay."


@pytest.fixture
def reports(submit, anonymous_submit, citizen, officer_vt, ward_vt):
    """A private report with an address, a named one, an anonymous one, a moderated one, spam,
    and one without coordinates."""
    private = submit(address=SECRET_ADDRESS)
    named = submit(
        identity_public=True, address="Trước cổng chợ", description="Đèn đường tắt cả tuần nay rồi."
    )
    anonymous = anonymous_submit(contact_phone="0912345678", description="Ổ gà lớn giữa đường đi học.")
    moderated = submit(description="Nội dung có lời lẽ xúc phạm cán bộ cần ẩn đi.")
    services.moderate_report(
        actor=SYSTEM, report=moderated, reason="Lời lẽ xúc phạm.", hide_description=True, hide_photos=True
    )
    spam = submit(description="Quảng cáo bán hàng không liên quan gì cả.")
    services.reject_report(actor=officer_vt, report=spam, rejection_kind="spam", reason="Nội dung quảng cáo.")
    no_coordinates = submit(latitude=None, longitude=None, description="Đèn hỏng ở cuối hẻm nhà văn hóa.")
    return {
        "private": private,
        "named": named,
        "anonymous": anonymous,
        "moderated": moderated,
        "spam": spam,
        "no_coordinates": no_coordinates,
    }


def _no_personal_data(text: str) -> None:
    assert SECRET_ADDRESS not in text
    assert "Nguyễn Văn Thành" not in text  # the private reporter
    assert "0912345678" not in text and "dan@example.vn" not in text


def test_browse_lists_published_reports_without_personal_data(client, reports):
    response = client.get(BROWSE)
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("private", "named", "anonymous", "moderated", "no_coordinates"):
        assert reports[key].public_id in html
    assert reports["spam"].public_id not in html
    assert "Quảng cáo bán hàng" not in html
    assert "lời lẽ xúc phạm" not in html
    assert "Nội dung đã được ẩn" in html
    _no_personal_data(html)
    assert 'id="fb-map-config"' in html and "vendor/leaflet/leaflet.js" in html


def test_browse_filters_and_bad_input(client, reports, submit, lights, units):
    nga_bay = submit(
        latitude=NGA_BAY[0], longitude=NGA_BAY[1], unit="31340", description="Đèn ở Ngã Bảy tắt."
    )
    html = client.get(BROWSE, {"don-vi": "31340"}).content.decode()
    assert nga_bay.public_id in html and reports["private"].public_id not in html
    in_status(reports["named"], ReportStatus.IN_PROGRESS)
    html = client.get(BROWSE, {"trang-thai": "in_progress"}).content.decode()
    assert reports["named"].public_id in html and reports["private"].public_id not in html
    html = client.get(
        BROWSE, {"linh-vuc": "den-duong", "tu-ngay": "2026-03-02", "den-ngay": "2026-03-02"}
    ).content
    assert reports["private"].public_id in html.decode()
    html = client.get(BROWSE, {"tu-ngay": "2026-03-03"}).content.decode()
    assert reports["private"].public_id not in html
    # A bad filter is explained, not a server error.
    response = client.get(BROWSE, {"tu-ngay": "hôm qua", "trang-thai": "xyz"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "không phải là ngày hợp lệ" in html and "Trạng thái không hợp lệ." in html


def test_browse_paginates_without_one_query_per_report(
    client, submit, building, django_assert_max_num_queries
):
    for n in range(common.PAGE_SIZE + 3):
        submit(category=building, attributes={}, description=f"Công trình số {n} xây không phép.", photos=[])
    with django_assert_max_num_queries(14):
        first = client.get(BROWSE)
    assert first.content.decode().count('class="fb-item"') == common.PAGE_SIZE
    second = client.get(BROWSE, {"trang": 2})
    assert second.content.decode().count('class="fb-item"') == 3
    assert "Trang 2 / 2" in second.content.decode()


def test_map_data_has_only_public_fields(client, reports):
    response = client.get(MAP)
    assert response.status_code == 200
    body = response.json()
    ids = {item["id"] for item in body["items"]}
    assert ids == {reports[k].public_id for k in ("private", "named", "anonymous", "moderated")}
    assert body["shown"] == 4 and body["truncated"] is False
    for item in body["items"]:
        assert set(item) == {
            "id",
            "lat",
            "lon",
            "status",
            "status_label",
            "category",
            "overdue",
            "created_at",
            "url",
        }
    text = response.content.decode()
    _no_personal_data(text)
    assert "xúc phạm" not in text and "Quảng cáo" not in text


def test_map_data_filters_by_bbox_and_status(client, reports, submit):
    far = submit(latitude=NGA_BAY[0], longitude=NGA_BAY[1], unit="31340", description="Đèn ở Ngã Bảy tắt.")
    body = client.get(MAP, {"bbox": "9.80,105.80,9.83,105.83"}).json()
    assert [item["id"] for item in body["items"]] == [far.public_id]
    in_status(reports["named"], ReportStatus.RESOLVED)
    body = client.get(MAP, {"trang-thai": "resolved"}).json()
    assert [item["id"] for item in body["items"]] == [reports["named"].public_id]
    body = client.get(MAP, {"bbox": "north,of,here,x"}).json()
    assert body["errors"] and body["shown"] == 5  # the bad box is reported and ignored


def test_map_data_caps_the_markers(client, submit, building, monkeypatch):
    monkeypatch.setattr(common, "MAP_MARKER_LIMIT", 2)
    for n in range(3):
        submit(category=building, attributes={}, description=f"Công trình số {n} xây không phép.", photos=[])
    body = client.get(MAP).json()
    assert body["shown"] == 2 and body["truncated"] is True
    assert body["items"][0]["id"] == Report.objects.order_by("-created_at", "-id")[0].public_id


def test_detail_page(client, reports):
    named = reports["named"]
    html = client.get(f"/phan-anh/{named.public_id}/").content.decode()
    assert "Đèn đường tắt cả tuần nay rồi." in html
    assert "Trước cổng chợ" in html and "Nguyễn Văn Thành" in html  # the reporter chose to be named
    assert "Đã nhận phản ánh" in html  # the public timeline
    private = client.get(f"/phan-anh/{reports['private'].public_id}/").content.decode()
    assert DESCRIPTION in private
    _no_personal_data(private)
    # Public ids are read leniently (lower case), like the API.
    assert client.get(f"/phan-anh/{named.public_id.lower()}/").status_code == 200


def test_detail_of_moderated_report_hides_content(client, reports):
    report = reports["moderated"]
    html = client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert "Nội dung đã được ẩn" in html
    assert "xúc phạm" not in html
    photo = report.photos.first()
    assert str(photo.public_id) not in html  # hidden photos are not linked either


def test_detail_of_spam_and_unknown_is_404(client, reports):
    assert client.get(f"/phan-anh/{reports['spam'].public_id}/").status_code == 404
    assert client.get("/phan-anh/PA-2026-ZZZZZZ/").status_code == 404


def test_detail_shows_the_resolution(client, submit, leader_vt, jpeg):
    report = in_status(submit(), ReportStatus.IN_PROGRESS, assignee=leader_vt)
    services.resolve_report(
        actor=leader_vt,
        report=report,
        response="Đã thay bóng đèn mới, đèn sáng bình thường.",
        photos=[jpeg()],
    )
    html = client.get(f"/phan-anh/{report.public_id}/").content.decode()
    assert _vi(ReportStatus.RESOLVED.label) in html
    assert "Đã thay bóng đèn mới" in html
    assert str(report.photos.get(kind="result").public_id) in html


def test_links_for_the_reporter_and_the_handlers(client, reports, citizen, officer_vt, officer_nb):
    url = f"/phan-anh/{reports['private'].public_id}/"
    own = reverse("feedback:own_detail", kwargs={"public_id": reports["private"].public_id})
    handle = reverse("feedback:handle", kwargs={"public_id": reports["private"].public_id})
    html = client.get(url).content.decode()
    assert own not in html and handle not in html
    client.force_login(citizen)
    assert own in client.get(url).content.decode()
    client.force_login(officer_vt)
    assert handle in client.get(url).content.decode()
    client.force_login(officer_nb)
    assert handle not in client.get(url).content.decode()


def test_no_tile_server_by_default(client, reports, settings):
    settings.MAP_TILE_URL = ""
    response = client.get(BROWSE)
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert '"tileUrl": ""' in response.content.decode()
    assert "khung bao" in response.content.decode()


def test_tile_server_is_allowed_by_the_policy(client, reports, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.vn/{z}/{x}/{y}.png"
    response = client.get(f"/phan-anh/{reports['named'].public_id}/")
    policy = response["Content-Security-Policy"]
    img = next(d for d in policy.split("; ") if d.startswith("img-src"))
    assert img.endswith("https://*.tiles.example.vn")
    assert "script-src 'self'" in policy  # nothing else is loosened


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.vn/{z}/{x}/{y}.png", "https://*.tile.example.vn"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("/tiles/{z}/{x}/{y}.png", None),
    ],
)
def test_tile_origin(url, origin):
    assert common.tile_origin(url) == origin


def test_public_pages_answer_in_english(client, reports, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(BROWSE).content.decode()
    assert '<html lang="en">' in html and "<h1>Citizen field reports</h1>" in html
    assert client.get(f"/phan-anh/{reports['named'].public_id}/").status_code == 200


def test_map_data_with_a_box_around_the_whole_city(client, reports):
    whole = client.get(MAP, {"bbox": "9.0,105.0,10.5,106.5"}).json()
    default = client.get(MAP).json()
    assert whole["items"] == default["items"] and whole["shown"] == 4
