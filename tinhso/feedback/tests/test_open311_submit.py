"""POST requests: form-encoded per the spec, multipart ``media`` and JSON/XML bodies (extensions);
every error in the spec's format with nothing stored."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tinhso.core.audit.models import AuditRecord
from tinhso.feedback import contacts
from tinhso.feedback.models import Channel, Report, ReportPhoto, SubmissionKey
from tinhso.feedback.open311 import selectors as open311_selectors
from tinhso.feedback.open311.models import Open311Submission
from tinhso.feedback.tests.conftest import HANOI, VI_THANH, image_bytes, upload
from tinhso.feedback.tests.test_open311_support import (  # noqa: F401 (fixtures)
    BASE,
    FORMATS,
    api_key_fixture,
    assert_error,
    issued_key_fixture,
    open311_clean_state_fixture,
    parse,
    potholes_fixture,
)

pytestmark = pytest.mark.django_db


def _form(api_key: str, **overrides) -> dict:
    fields = {
        "api_key": api_key,
        "jurisdiction_id": "cantho.gov.vn",
        "service_code": "o-ga",
        "lat": str(VI_THANH[0]),
        "long": str(VI_THANH[1]),
        "address_string": "123 Trần Hưng Đạo, phường Vị Thanh",
        "email": "nguoidan@example.vn",
        "device_id": "tt222111",
        "account_id": "acc-123456",
        "first_name": "An",
        "last_name": "Nguyễn Văn",
        "phone": "0912345678",
        "description": "Ổ gà lớn giữa đường Trần Hưng Đạo, xe máy dễ té ngã.",
        "media_url": "https://anh.example.vn/o-ga/1.jpg",
        "attribute[kich-thuoc]": "45",
        "attribute[nguy-hiem][]": ["xe-may", "o-to"],
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def _nothing_stored():
    assert not Report.objects.exists()
    assert not Open311Submission.objects.exists()
    assert not ReportPhoto.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_form_encoded_request_creates_a_report(client, potholes, issued_key, fmt):
    key, plain = issued_key(name="Ứng dụng Cần Thơ Số")
    response = client.post(f"{BASE}/requests.{fmt}", _form(plain))
    assert response.status_code == 201, response.content
    root, data = parse(response, fmt)
    if fmt == "xml":
        assert root == "service_requests"
    (item,) = data
    assert list(item) == ["service_request_id", "service_notice", "account_id"]  # no token: realtime
    report = Report.objects.get()
    assert item["service_request_id"] == report.public_id
    assert item["account_id"] == "acc-123456"
    # No commune given (address_id): the category's default agency handles it.
    assert item["service_notice"].startswith("Sở Xây dựng thành phố Cần Thơ xử lý; hạn xử lý:")
    assert response["Location"] == f"/open311/v2/requests/{report.public_id}.{fmt}"

    assert report.channel == Channel.OPEN311
    assert report.reporter is None and report.identity_public is False
    assert report.contact_name == "Nguyễn Văn An"  # family name first
    assert contacts.decrypt(report.contact_email_encrypted) == "nguoidan@example.vn"
    assert contacts.decrypt(report.contact_phone_encrypted) == "0912345678"
    assert report.address == "123 Trần Hưng Đạo, phường Vị Thanh"
    assert report.attributes == {"kich-thuoc": 45, "nguy-hiem": ["xe-may", "o-to"]}
    assert float(report.latitude) == VI_THANH[0] and float(report.longitude) == VI_THANH[1]
    submission = Open311Submission.objects.get()
    assert submission.report == report and submission.api_key == key
    assert open311_selectors.submission_of(report) == submission
    assert submission.media_url == "https://anh.example.vn/o-ga/1.jpg"
    # The audit record names the application; it holds no contact and no key.
    record = AuditRecord.objects.get(action="feedback.report_submitted")
    assert record.actor_kind == "client"
    assert record.actor_label == "Open311: Ứng dụng Cần Thơ Số"
    assert record.actor_id == f"open311:{key.prefix}"
    assert record.changes["channel"] == "open311"
    dumped = json.dumps(record.changes, ensure_ascii=False) + record.summary + record.object_repr
    for secret in (plain, "nguoidan@example.vn", "0912345678", "Trần Hưng Đạo"):
        assert secret not in dumped


def test_reports_from_other_channels_have_no_open311_record(anonymous_submit):
    assert open311_selectors.submission_of(anonymous_submit()) is None


def test_address_id_is_the_commune_code_and_routes_the_report(client, potholes, api_key):
    response = client.post(
        f"{BASE}/requests.json", _form(api_key, lat=None, long=None, address_string=None, address_id="31321")
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.unit.code == "31321" and report.latitude is None
    assert report.agency.name == "Ủy ban nhân dân phường Vị Thanh"


def test_an_address_alone_is_a_location(client, potholes, api_key):
    response = client.post(f"{BASE}/requests.xml", _form(api_key, lat=None, long=None))
    assert response.status_code == 201, response.content
    assert Report.objects.get().address == "123 Trần Hưng Đạo, phường Vị Thanh"


def test_a_single_value_for_a_multivaluelist(client, potholes, api_key):
    fields = _form(api_key)
    del fields["attribute[nguy-hiem][]"]
    fields["attribute[nguy-hiem]"] = "nguoi-di-bo"
    assert client.post(f"{BASE}/requests.json", fields).status_code == 201
    assert Report.objects.get().attributes["nguy-hiem"] == ["nguoi-di-bo"]


def test_multipart_media_feeds_the_photo_pipeline(client, potholes, lights, api_key):
    photo = upload(image_bytes(gps=True), "o-ga.jpg")
    fields = _form(api_key, media_url=None)
    response = client.post(f"{BASE}/requests.json", {**fields, "media": photo})  # multipart
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    photo_row = ReportPhoto.objects.get(report=report)
    (item,) = parse(client.get(f"{BASE}/requests/{report.public_id}.json"), "json")[1]
    assert item["media_url"] == f"http://testserver/api/v1/feedback/photos/{photo_row.public_id}/large"
    assert client.get(item["media_url"]).status_code == 200


def test_a_category_that_requires_a_photo_needs_media(client, lights, api_key):
    fields = _form(api_key, service_code="den-duong")
    fields = {k: v for k, v in fields.items() if not k.startswith("attribute")}
    fields["attribute[tinh-trang]"] = "tat"
    description = assert_error(
        client.post(f"{BASE}/requests.json", fields), "json", 400, "feedback.photo_required"
    )
    assert description == "Danh mục này cần ít nhất một ảnh hiện trường."
    _nothing_stored()
    fields["media"] = upload(image_bytes())
    assert client.post(f"{BASE}/requests.json", fields).status_code == 201


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_json_body_is_accepted(client, potholes, api_key, fmt):
    body = {
        "api_key": api_key,
        "service_code": "o-ga",
        "lat": VI_THANH[0],
        "long": VI_THANH[1],
        "description": "Ổ gà lớn trước chợ, gửi bằng JSON.",
        "attribute": {"kich-thuoc": 20, "nguy-hiem": ["o-to"]},
    }
    response = client.post(f"{BASE}/requests.{fmt}", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Report.objects.get().attributes == {"kich-thuoc": 20, "nguy-hiem": ["o-to"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_xml_body_is_accepted(client, potholes, api_key, fmt):
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<request>
  <api_key>{api_key}</api_key>
  <service_code>o-ga</service_code>
  <lat>9.7845</lat>
  <long>105.4701</long>
  <description>Ổ gà lớn trước chợ, gửi bằng XML.</description>
  <attribute code="kich-thuoc">25</attribute>
  <attribute code="nguy-hiem">xe-may</attribute>
  <attribute code="nguy-hiem">nguoi-di-bo</attribute>
</request>""".encode()
    response = client.post(f"{BASE}/requests.{fmt}", body, content_type="text/xml; charset=utf-8")
    assert response.status_code == 201, response.content
    assert Report.objects.get().attributes == {"kich-thuoc": 25, "nguy-hiem": ["xe-may", "nguoi-di-bo"]}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<request><description>&lol2;</description></request>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<request><description>&xxe;</description></request>"""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"api_key": "x", "attribute": [1]}', "application/json"),
        (b'{"api_key": {"nested": 1}}', "application/json"),
        (b"<request><service_code>o-ga</request>", "text/xml"),
        (b"<other/>", "application/xml"),
        (b"<request><attribute>1</attribute></request>", "text/xml"),
        (b"<request><description><b>x</b></description></request>", "text/xml"),
        (BILLION_LAUGHS, "text/xml"),
        (XXE, "text/xml"),
        (b"\xff\xfe", "application/json"),
        (b"plain text", "text/plain"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_bodies_are_400_and_store_nothing(client, potholes, api_key, body, content_type, fmt):
    response = client.post(f"{BASE}/requests.{fmt}", body, content_type=content_type)
    assert_error(response, fmt, 400, "open311.malformed_input")
    _nothing_stored()


def test_a_malformed_multipart_body_is_400(client, potholes, api_key):
    response = client.post(
        f"{BASE}/requests.json",
        b'--x\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nabc',
        content_type="multipart/form-data",  # no boundary
    )
    assert_error(response, "json", 400, "open311.malformed_input")


def _without(fields: dict, *names: str) -> dict:
    return {k: v for k, v in fields.items() if k not in names}


BAD_REQUESTS = [
    # (what to change, HTTP status, error code, words of the description)
    (lambda f: _without(f, "service_code"), 400, "open311.invalid_parameter", "service_code"),
    (lambda f: {**f, "service_code": "khong-co"}, 404, "feedback.unknown_category", "không tồn tại"),
    (lambda f: _without(f, "attribute[kich-thuoc]"), 400, "feedback.attribute_required", "Đường kính ổ gà"),
    (lambda f: {**f, "attribute[kich-thuoc]": "to lắm"}, 400, "feedback.invalid_attribute", "phải là một số"),
    (lambda f: {**f, "attribute[mau-sac]": "đỏ"}, 400, "feedback.unknown_attribute", "mau-sac"),
    (lambda f: {**f, "attribute[nguy-hiem][]": ["xe-tai"]}, 400, "feedback.invalid_attribute", "nguy-hiem"),
    (
        lambda f: {**f, "lat": str(HANOI[0]), "long": str(HANOI[1])},
        400,
        "feedback.outside_province",
        "ngoài địa bàn",
    ),
    (lambda f: {**f, "lat": "chín"}, 400, "feedback.invalid_coordinates", "không phải là số"),
    (lambda f: {**f, "lat": "95", "long": "105.47"}, 400, "feedback.invalid_coordinates", "-90..90"),
    (lambda f: _without(f, "long"), 400, "feedback.invalid_coordinates", "cả vĩ độ và kinh độ"),
    (lambda f: _without(f, "lat", "long", "address_string"), 400, "feedback.location_required", "vị trí"),
    (lambda f: {**f, "address_id": "99999"}, 400, "feedback.invalid_unit", "đơn vị hành chính"),
    (lambda f: {**f, "address_id": "26734"}, 400, "feedback.unit_outside_province", "Cần Thơ"),
    (lambda f: {**f, "description": "ngắn"}, 400, "feedback.invalid_description", "10 đến 5000"),
    (lambda f: _without(f, "description"), 400, "feedback.invalid_description", "10 đến 5000"),
    (lambda f: {**f, "email": "khong-phai-email"}, 400, "feedback.invalid_email", None),
    (
        lambda f: {**f, "media_url": "ftp://anh.example.vn/1.jpg"},
        400,
        "open311.invalid_media_url",
        "media_url",
    ),
    (lambda f: {**f, "media_url": "javascript:alert(1)"}, 400, "open311.invalid_media_url", "media_url"),
    (lambda f: {**f, "account_id": "x" * 201}, 400, "open311.invalid_parameter", "account_id"),
    (lambda f: {**f, "jurisdiction_id": "sfgov.org"}, 404, "open311.jurisdiction_not_found", None),
    (lambda f: _without(f, "api_key"), 403, "open311.api_key_required", "api_key"),
    (lambda f: {**f, "api_key": "o311_not-a-real-key"}, 403, "open311.invalid_api_key", "api_key"),
]


@pytest.mark.parametrize(("change", "status", "code", "words"), BAD_REQUESTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_requests_get_the_spec_error_and_store_nothing(
    client, potholes, api_key, fmt, change, status, code, words
):
    response = client.post(f"{BASE}/requests.{fmt}", change(_form(api_key)))
    description = assert_error(response, fmt, status, code)
    if words:
        assert words in description
    _nothing_stored()
    assert not AuditRecord.objects.filter(action="feedback.report_submitted").exists()


def test_a_category_for_signed_in_reporters_refuses_open311_clearly(client, building, api_key):
    fields = _without(
        _form(api_key, service_code="xay-dung-trai-phep"), "attribute[kich-thuoc]", "attribute[nguy-hiem][]"
    )
    description = assert_error(
        client.post(f"{BASE}/requests.json", fields), "json", 400, "feedback.sign_in_required"
    )
    assert "không gửi được qua Open311" in description
    english = client.post(f"{BASE}/requests.xml", fields, HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be reported through Open311" in assert_error(english, "xml", 400)
    _nothing_stored()


def test_a_category_that_needs_a_contact(client, lights, api_key):
    fields = {
        "api_key": api_key,
        "service_code": "den-duong",
        "lat": str(VI_THANH[0]),
        "long": str(VI_THANH[1]),
        "description": "Đèn đường trước chợ không sáng.",
        "attribute[tinh-trang]": "tat",
        "media": upload(image_bytes()),
    }
    assert_error(client.post(f"{BASE}/requests.json", fields), "json", 400, "feedback.contact_required")
    _nothing_stored()
    fields["media"] = upload(image_bytes())
    fields["phone"] = "0912345678"
    assert client.post(f"{BASE}/requests.json", fields).status_code == 201


def test_an_unreadable_photo_stores_nothing(client, potholes, api_key):
    fields = {**_form(api_key), "media": upload(b"not an image at all", "x.jpg")}
    assert_error(client.post(f"{BASE}/requests.json", fields), "json", 400, "feedback.photo_invalid")
    _nothing_stored()


def test_english_error_descriptions(client, potholes, api_key):
    fields = _form(api_key, lat=str(HANOI[0]), long=str(HANOI[1]))
    response = client.post(f"{BASE}/requests.json", fields, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8,vi;q=0.5")
    assert assert_error(response, "json", 400).startswith("The location is outside Thành phố Cần Thơ")


def test_posting_needs_no_csrf_token(potholes, api_key):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{BASE}/requests.json", _form(api_key)).status_code == 201


def test_a_session_grants_nothing_without_an_api_key(client, potholes, citizen):
    client.force_login(citizen)
    assert_error(client.post(f"{BASE}/requests.json", _without(_form(""), "api_key")), "json", 403)
    _nothing_stored()


def test_idempotency_key_extension(client, potholes, issued_key):
    key, plain = issued_key()
    first = client.post(f"{BASE}/requests.json", _form(plain), HTTP_IDEMPOTENCY_KEY="don-123")
    again = client.post(f"{BASE}/requests.json", _form(plain), HTTP_IDEMPOTENCY_KEY="don-123")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert (
        parse(first, "json")[1][0]["service_request_id"] == parse(again, "json")[1][0]["service_request_id"]
    )
    assert Report.objects.count() == 1 and Open311Submission.objects.count() == 1
    assert SubmissionKey.objects.get().scope == f"client:open311:{key.prefix}"
    changed = client.post(
        f"{BASE}/requests.json",
        _form(plain, description="Một nội dung khác hẳn lần trước."),
        HTTP_IDEMPOTENCY_KEY="don-123",
    )
    assert_error(changed, "json", 409, "feedback.idempotency_key_reused")
    # Another application's key is another submitter: the same Idempotency-Key is its own.
    _other, other_plain = issued_key(name="Ứng dụng khác")
    assert (
        client.post(f"{BASE}/requests.json", _form(other_plain), HTTP_IDEMPOTENCY_KEY="don-123").status_code
        == 201
    )
    assert Report.objects.count() == 2


def test_the_submission_appears_in_the_request_list(client, potholes, api_key):
    created = parse(client.post(f"{BASE}/requests.json", _form(api_key)), "json")[1][0]
    (item,) = parse(client.get(f"{BASE}/requests.json"), "json")[1]
    assert item["service_request_id"] == created["service_request_id"]
    assert item["status"] == "open"
    token = str(Report.objects.get().token)
    assert parse(client.get(f"{BASE}/tokens/{token}.json"), "json")[1] == [
        {"service_request_id": created["service_request_id"], "token": token}
    ]
